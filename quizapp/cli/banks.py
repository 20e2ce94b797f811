"""`flask bank …`: validate, import, list and export question banks, rebuild the search index, and print the
format's schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from .. import operations
from ..domain.banks import Bank, BankError, Problem, export_yaml, json_schema
from ..domain.diff import BankDiff, Status
from ..domain.uploads import Upload, read_upload
from ..extensions import db
from ..models import utcnow
from ..operations.banks import IMPORT_STEPS
from ..operations.search import rebuild_index
from ..queries import banks as bank_queries
from ..queries import imports as import_queries
from .common import bank_files, read_bank_file, report

bank_cli = AppGroup("bank", help="Validate, import, list and export question banks; rebuild the search index.")


def _validate_all(files: list[Path]) -> tuple[list[tuple[Path, bytes, Bank]], list[Problem]]:
    parsed, problems = [], []
    first_file: dict[str, Path] = {}
    for path in files:
        try:
            source = read_bank_file(path)
            bank = read_upload(str(path), source).bank
        except BankError as exc:
            problems.extend(exc.problems)
            continue
        if bank.id in first_file:
            problems.append(
                Problem(str(path), 0, 0, "id", f"bank id {bank.id!r} is also used by {first_file[bank.id]}")
            )
            continue
        first_file[bank.id] = path
        parsed.append((path, source, bank))
    return parsed, problems


@bank_cli.command("validate")
@click.argument("paths", nargs=-1, required=True)
def validate_command(paths: tuple[str, ...]) -> None:
    """Check banks and report every problem with file:line:column (exit 1 on any problem)."""
    files = bank_files(paths)
    parsed, problems = _validate_all(files)
    report(problems)
    bad = len({p.file for p in problems})
    summary = f"{len(files)} file{'s' if len(files) != 1 else ''} checked: {len(parsed)} valid"
    if problems:
        click.echo(f"{summary}, {bad} with {len(problems)} problem{'s' if len(problems) != 1 else ''}.", err=True)
        sys.exit(1)
    questions = sum(len(b.questions) for _, _, b in parsed)
    click.echo(f"{summary} ({questions} questions).")


@bank_cli.command("import")
@click.option(
    "--dry-run", is_flag=True, help="Show what importing would change, and who has studied it; change nothing."
)
@click.argument("paths", nargs=-1, required=True)
def import_command(paths: tuple[str, ...], dry_run: bool) -> None:
    """Validate, then import banks (each in one transaction); unchanged banks are skipped."""
    files = bank_files(paths)
    pending: list[tuple[Path, bytes]] = []
    for path in files:
        try:
            source = read_bank_file(path)
        except BankError as exc:
            report(exc.problems)
            sys.exit(1)
        existing = operations.find_unchanged_source(db.session, operations.source_hash(source))
        if existing is not None:
            click.echo(f"{existing.slug}: unchanged (version {existing.version_number})")
        else:
            pending.append((path, source))
    db.session.rollback()
    parsed, problems = _validate_all([p for p, _ in pending])
    if problems:
        report(problems)
        click.echo(f"Nothing imported: {len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    if dry_run:
        for path, source, bank in parsed:
            _print_diff(import_queries.compare(db.session, Upload(path.name, source, bank)))
        db.session.rollback()
        click.echo("Nothing was changed (--dry-run).")
        return
    results = [_import_one(path, source, bank) for path, source, bank in parsed]
    for r in results:
        if r.unchanged:
            click.echo(f"{r.slug}: unchanged (version {r.version})")
            continue
        detail = f"{len(r.added)} added, {len(r.changed)} changed, {len(r.retired)} retired" + (
            f", {len(r.restored)} restored" if r.restored else ""
        )
        click.echo(f"{r.slug}: {r.status} (version {r.version}): {detail}")
        if r.major:
            click.echo(f"  cards restarted (what is right changed): {', '.join(r.major)}")


def _import_one(path: Path, source: bytes, bank: Bank) -> operations.ImportResult:
    """Import one bank in its own transaction, with a progress bar of the import's steps on stderr."""
    label = f"Importing {path.name} ({len(bank.questions)} questions)"
    with click.progressbar(
        length=len(IMPORT_STEPS), label=label, file=sys.stderr, item_show_func=lambda step: step or None
    ) as bar:

        def progress(done: int, step: str) -> None:
            bar.update(done - bar.pos, step)

        try:
            result = operations.import_bank(db.session, bank, source, path.name, utcnow(), progress)
            db.session.commit()
        except SQLAlchemyError as exc:
            db.session.rollback()
            click.echo(f"{path}: the database refused the import: {exc.__class__.__name__}", err=True)
            sys.exit(1)
    return result


def _print_diff(diff: BankDiff) -> None:
    """What importing would do to one bank: counts, then each question added, retired or changed."""
    c = diff.counts
    was = f"version {diff.base_version} → {diff.base_version + 1}" if diff.base_version else "a new bank"
    if diff.empty:
        click.echo(f"{diff.slug}: no change to what learners see (version {diff.base_version})")
        return
    restored = f", {c['restored']} of them restored" if c["restored"] else ""
    click.echo(
        f"{diff.slug}: {was}: {c['added']} added, {c['retired']} retired, {c['changed'] + c['restored']} changed "
        f"({c['minor']} minor, {c['major']} major){restored}"
    )
    for change in diff.header:
        click.echo(f"  bank {change.label}: changed")
    learners = import_queries.learners_by_question(db.session, diff.slug) if not diff.new_bank else {}
    for q in diff.questions:
        if q.status in (Status.UNCHANGED, Status.ADDED) and not q.fields:
            if q.status == Status.ADDED:
                click.echo(f"  added {q.key}")
            continue
        who = learners.get(q.key, 0)
        studied = f"; {who} learner{'s' if who != 1 else ''} studied it"
        if q.status == Status.RETIRED:
            click.echo(f"  retired {q.key}{studied}")
            continue
        fields = ", ".join(f.label for f in q.fields)
        click.echo(f"  {q.status} {q.key} ({q.severity}: {fields}){studied}")


@bank_cli.command("list")
def list_command() -> None:
    """List the imported banks."""
    banks = db.session.scalars(bank_queries.banks()).all()
    if not banks:
        click.echo("No banks imported yet.")
        return
    counts = bank_queries.type_counts(db.session)
    width = max(len(b.slug) for b in banks)
    for bank in banks:
        n = sum(counts.get(bank.id, {}).values())
        click.echo(
            f"{bank.slug:<{width}}  v{bank.version_number:<3} {n:>5} questions  "
            f"reviewed {bank.reviewed_on.isoformat()}  {bank.title}"
        )


@bank_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index of the current questions (imports keep it up to date by themselves)."""
    count = rebuild_index(db.session)
    db.session.commit()
    click.echo(f"Search index rebuilt: {count} question{'' if count == 1 else 's'}.")


@bank_cli.command("export")
@click.argument("slug", metavar="BANK_ID")  # users know a bank's slug as the `id` they wrote in its YAML
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file.")
def export_command(slug: str, output: str | None) -> None:
    """Write the current version of a bank as YAML (to stdout or --output)."""
    bank = db.session.scalars(bank_queries.bank_by_slug(slug)).first()
    if bank is None:
        raise click.UsageError(f"no bank with the id {slug!r}; `flask bank list` shows them")
    text = export_yaml(bank_queries.bank_export_data(db.session, bank))
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@bank_cli.command("schema")
def schema_command() -> None:
    """Print the bank format as JSON Schema."""
    click.echo(json.dumps(json_schema(), indent=2))
