"""`flask srs …`: import and export a learner's review log, and evaluate schedulers on a review log."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ..domain.evaluation import EvaluationError, evaluate
from ..domain.revlog import MAX_REPORTED, RevlogError, read_revlog, read_revlog_lines, write_revlog
from ..domain.scheduling import is_known_timezone
from ..extensions import db
from ..operations import cards as card_ops
from ..queries import cards as card_queries
from .common import CommandGroup, fail, find_user

srs_cli = CommandGroup("srs", help="Review logs: import, export, and evaluate schedulers on one.")


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.UsageError(f"{path}: cannot read the file: {getattr(exc, 'strerror', None) or exc}") from None


@srs_cli.command("import")
@click.option("--user", "login", required=True, help="The learner: email address or username.")
@click.argument("file", type=click.Path(dir_okay=False))
def import_command(login: str, file: str) -> None:
    """Add the reviews in FILE.csv (py-fsrs's format; card ids of this site) to a learner's log."""
    user = find_user(login)
    try:
        rows = read_revlog_lines(_read_text(file), file)
    except RevlogError as exc:
        fail(exc.problems, "Nothing imported.")
    problems = card_ops.unknown_cards(db.session, rows, file)
    if problems:
        shown = problems[:MAX_REPORTED]
        if len(problems) > len(shown):
            shown.append(f"{file}: … and {len(problems) - len(shown)} more rows naming unknown cards")
        fail(shown, f"Nothing imported: {len(problems)} row(s) name no card of this site.")
    result = card_ops.import_reviews(db.session, user, [review for _line, review in rows])
    db.session.commit()
    click.echo(
        f"Imported {result.added} review(s) of {result.cards} card(s) for {user.login}"
        + (f"; {result.already_there} were already in the log" if result.already_there else "")
        + "."
    )


@srs_cli.command("export")
@click.option("--user", "login", required=True, help="The learner: email address or username.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file.")
def export_command(login: str, output: str | None) -> None:
    """Write a learner's review log as CSV (to stdout or --output)."""
    user = find_user(login)
    text = write_revlog(card_queries.logged_reviews(db.session, user.id))
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@srs_cli.command("evaluate")
@click.option("--revlog", "path", required=True, type=click.Path(dir_okay=False), help="A review log CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--timezone", default="UTC", show_default=True, help="The learner's time zone, for their days.")
@click.option("--day-starts-at", "hour", default=4, show_default=True, type=click.IntRange(0, 23), help="Local hour.")
def evaluate_command(path: str, as_json: bool, timezone: str, hour: int) -> None:
    """Score four schedulers on a review log split by time (train on the first 80 %, test on the rest):
    a constant average, SM-2, FSRS-6 with default parameters and FSRS-6 fitted on the training part."""
    if not is_known_timezone(timezone):
        raise click.BadParameter(f"{timezone!r} is not a known time zone (e.g. Europe/London)", param_hint="--timezone")
    tz = ZoneInfo(timezone)
    try:
        reviews = read_revlog(_read_text(path), path)
        result = evaluate(reviews, tz=tz, rollover_hour=hour)
    except RevlogError as exc:
        fail(exc.problems, "Nothing evaluated.")
    except EvaluationError as exc:
        fail([f"{path}: {exc}"], "Nothing evaluated.")
    if as_json:
        data = {
            "revlog": path,
            "reviews": len(reviews),
            "cards": result.cards,
            "train_reviews": result.train_reviews,
            "test_reviews": result.test_reviews,
            "models": [
                {"model": r.model, "log_loss": r.log_loss, "rmse_bins": r.rmse_bins, "auc": r.auc} for r in result.rows
            ],
        }
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(
        f"{path}: {len(reviews):,} reviews of {result.cards:,} cards; trained on the first {result.train_reviews:,}, "
        f"tested on {result.test_reviews:,} reviews (each a card's first review of a later day)."
    )
    click.echo()
    width = max(len(r.model) for r in result.rows)
    click.echo(f"{'model':<{width}}  {'log loss':>8}  {'RMSE (bins)':>11}  {'AUC':>6}")
    for r in result.rows:
        click.echo(f"{r.model:<{width}}  {r.log_loss:>8.4f}  {r.rmse_bins:>11.4f}  {r.auc:>6.4f}")
    click.echo()
    click.echo(f"test reviews: {result.test_reviews:,}")
