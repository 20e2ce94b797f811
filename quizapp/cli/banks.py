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
from ..domain.banks import Bank, BankError, Problem, json_schema, parse_package
from ..domain.media import StoredImage
from ..domain.packages import BankPackage, package_hash, write_zip
from ..extensions import db
from ..models import utcnow
from ..operations.search import rebuild_index
from ..queries import banks as bank_queries
from .common import bank_files, read_package, report

bank_cli = AppGroup("bank", help="Validate, import, list and export question banks; rebuild the search index.")


Parsed = tuple[Path, BankPackage, Bank, dict[str, StoredImage]]


def _validate_all(files: list[Path]) -> tuple[list[Parsed], list[Problem]]:
    parsed, problems = [], []
    first_file: dict[str, Path] = {}
    for path in files:
        try:
            package = read_package(path)
            bank, images = parse_package(package)
        except BankError as exc:
            problems.extend(exc.problems)
            continue
        if bank.id in first_file:
            problems.append(
                Problem(str(path), 0, 0, "id", f"bank id {bank.id!r} is also used by {first_file[bank.id]}")
            )
            continue
        first_file[bank.id] = path
        parsed.append((path, package, bank, images))
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
    questions = sum(len(b.questions) for _, _, b, _ in parsed)
    click.echo(f"{summary} ({questions} questions).")


@bank_cli.command("import")
@click.argument("paths", nargs=-1, required=True)
def import_command(paths: tuple[str, ...]) -> None:
    """Validate, then import banks (each in one transaction); unchanged banks are skipped."""
    files = bank_files(paths)
    pending: list[Path] = []
    for path in files:
        try:
            package = read_package(path)
        except BankError as exc:
            report(exc.problems)
            sys.exit(1)
        existing = operations.find_unchanged_source(db.session, package_hash(package))
        if existing is not None:
            click.echo(f"{existing.slug}: unchanged (version {existing.version_number})")
        else:
            pending.append(path)
    db.session.rollback()
    parsed, problems = _validate_all(pending)
    if problems:
        report(problems)
        click.echo(f"Nothing imported: {len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    results = []
    if not parsed:
        return
    with click.progressbar(
        parsed, label="Importing", file=sys.stderr, item_show_func=lambda item: item[0].name if item else None
    ) as bar:
        for path, package, bank, images in bar:
            try:
                results.append(operations.import_package(db.session, package, utcnow(), (bank, images)))
                db.session.commit()
            except SQLAlchemyError as exc:
                db.session.rollback()
                click.echo(f"{path}: the database refused the import: {exc.__class__.__name__}", err=True)
                sys.exit(1)
    for r in results:
        if r.unchanged:
            click.echo(f"{r.slug}: unchanged (version {r.version})")
            continue
        detail = f"{len(r.added)} added, {len(r.changed)} changed, {len(r.retired)} retired" + (
            f", {len(r.restored)} restored" if r.restored else ""
        )
        click.echo(f"{r.slug}: {r.status} (version {r.version}): {detail}")


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
    """Write the current version of a bank as YAML (to stdout or --output); a bank with images is written
    as a .zip holding bank.yaml and media/ (--output must end in .zip)."""
    bank = db.session.scalars(bank_queries.bank_by_slug(slug)).first()
    if bank is None:
        raise click.UsageError(f"no bank with the id {slug!r}; `flask bank list` shows them")
    package = bank_queries.bank_package(db.session, bank)
    if package.media and not (output or "").lower().endswith(".zip"):
        raise click.UsageError(f"{slug} has images: write it as a .zip with -o {slug}.zip")
    if package.media:
        Path(output).write_bytes(write_zip(package, bank.slug))  # type: ignore[arg-type]
    elif output:
        Path(output).write_text(package.yaml_text, encoding="utf-8")
    else:
        click.echo(package.yaml_text, nl=False)
        return
    click.echo(f"Wrote {output}", err=True)


@bank_cli.command("schema")
def schema_command() -> None:
    """Print the bank format as JSON Schema."""
    click.echo(json.dumps(json_schema(), indent=2))
