"""`flask bank …`: validate, convert, import, list and export question banks, rebuild the search index, and
print the format's schema. Files in other formats (GIFT, Moodle XML, Aiken, CSV, Anki…) are converted first,
everywhere; a bank may be a YAML file, a folder or a .zip with its pictures."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from .. import operations
from ..domain import formats
from ..domain.banks import Bank, BankError, Problem, json_schema, parse_package
from ..domain.diff import BankDiff, Status
from ..domain.media import StoredImage
from ..domain.packages import BankPackage, package_hash, write_zip
from ..domain.uploads import Upload
from ..extensions import db
from ..models import utcnow
from ..operations.banks import IMPORT_STEPS
from ..operations.search import rebuild_index
from ..queries import banks as bank_queries
from ..queries import imports as import_queries
from .common import PACKAGE_SUFFIXES, CommandGroup, bank_files, database_message, read_bank_file, read_package, report

bank_cli = CommandGroup(
    "bank", help="Validate, convert, import, list and export question banks; rebuild the search index."
)
READ_FORMATS = [f.name for f in formats.readable()]
Parsed = tuple[Path, BankPackage, Bank, dict[str, StoredImage]]


@dataclass(frozen=True)
class ConvertOptions:
    """How to read files that are not YAML banks: the options of `convert`, `validate` and `import`."""

    from_format: str | None = None
    bank_id: str | None = None
    header: dict[str, Any] = field(default_factory=dict)

    def package(self, path: Path) -> BankPackage:
        """The bank at ``path``: a YAML file, folder or .zip as it is, anything else converted (what was left
        out is listed on stderr)."""
        own = path.is_dir() or path.suffix.lower() in (".yaml", ".yml", *PACKAGE_SUFFIXES)
        if own and self.from_format is None:
            return read_package(path)
        conversion = formats.read_bank_file(
            str(path),
            read_bank_file(path),
            from_format=formats.format_for(path.name, self.from_format, default="yaml").name,
            bank_id=self.bank_id,
            header=self.header,
            today=utcnow().date(),
        )
        for skipped in conversion.skipped:
            click.echo(f"{path}: skipped: {skipped}", err=True)
        return conversion.package


def conversion_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say how to convert a file in another format, gathered into ``conversion``."""
    options = [
        click.option(
            "--from",
            "from_format",
            type=click.Choice(READ_FORMATS, case_sensitive=False),
            help="The file's format, when its name does not say (Aiken files end in .txt, like GIFT).",
        ),
        click.option("--id", "bank_id", help="The converted bank's id (default: from the file name)."),
        click.option("--title", help="The converted bank's title (default: from the file name)."),
        click.option("--description", help="The converted bank's description."),
        click.option("--language", help="The converted bank's language code (default: en)."),
        click.option("--license", "license_", help="The converted bank's licence (default: says it is not stated)."),
        click.option("--author", "authors", multiple=True, help="An author of the converted bank (repeatable)."),
        click.option(
            "--reviewed-on",
            type=click.DateTime(["%Y-%m-%d"]),
            help="When the converted bank's content was checked (default: today).",
        ),
    ]

    def wrapped(from_format, bank_id, title, description, language, license_, authors, reviewed_on, **kwargs):
        header = {
            "title": title,
            "description": description,
            "language": language,
            "license": license_,
            "authors": list(authors),
            "reviewed_on": reviewed_on.date() if reviewed_on else None,
        }
        return command(conversion=ConvertOptions(from_format, bank_id, header), **kwargs)

    wrapped.__name__, wrapped.__doc__ = command.__name__, command.__doc__
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


def _validate_all(files: list[Path], read: Callable[[Path], BankPackage]) -> tuple[list[Parsed], list[Problem]]:
    parsed, problems = [], []
    first_file: dict[str, Path] = {}
    for path in files:
        try:
            package = read(path)
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
@conversion_options
def validate_command(paths: tuple[str, ...], conversion: ConvertOptions) -> None:
    """Check banks (converting other formats first) and report every problem with file:line:column (exit 1
    on any problem)."""
    files = bank_files(paths)
    parsed, problems = _validate_all(files, conversion.package)
    report(problems)
    bad = len({p.file for p in problems})
    summary = f"{len(files)} file{'s' if len(files) != 1 else ''} checked: {len(parsed)} valid"
    if problems:
        click.echo(f"{summary}, {bad} with {len(problems)} problem{'s' if len(problems) != 1 else ''}.", err=True)
        sys.exit(1)
    questions = sum(len(b.questions) for _, _, b, _ in parsed)
    click.echo(f"{summary} ({questions} questions).")


@bank_cli.command("convert")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the bank here.")
@conversion_options
def convert_command(file: str, output: str | None, conversion: ConvertOptions) -> None:
    """Convert FILE (GIFT, Moodle XML, Aiken, CSV, Anki…) into a YAML bank (to stdout or --output; a bank with
    pictures is written as a .zip); what cannot be converted is listed on stderr with its name and line (exit 1
    if the file cannot be read or converted)."""
    path = Path(file)
    if not path.is_file():
        raise click.UsageError(f"{file}: no such file")
    try:
        package = conversion.package(path)
        bank, _images = parse_package(package)
    except BankError as exc:
        report(exc.problems)
        click.echo("Nothing converted.", err=True)
        sys.exit(1)
    if package.media and not (output or "").lower().endswith(".zip"):
        raise click.UsageError(f"{file} has pictures: write it as a .zip with -o {bank.id}.zip")
    if package.media:
        Path(output).write_bytes(write_zip(package, bank.id))  # type: ignore[arg-type]
    elif output:
        Path(output).write_text(package.yaml_text, encoding="utf-8")
    else:
        click.echo(package.yaml_text, nl=False)
        return
    click.echo(f"Wrote {output}: bank {bank.id!r} with {len(bank.questions)} questions.", err=True)


@bank_cli.command("import")
@click.option(
    "--dry-run", is_flag=True, help="Show what importing would change, and who has studied it; change nothing."
)
@click.argument("paths", nargs=-1, required=True)
@conversion_options
def import_command(paths: tuple[str, ...], dry_run: bool, conversion: ConvertOptions) -> None:
    """Validate, then import banks (each in one transaction); unchanged banks are skipped. Files in other
    formats (GIFT, Moodle XML, Aiken, CSV, Anki…) are converted first."""
    files = bank_files(paths)
    pending: list[Path] = []
    packages: dict[Path, BankPackage] = {}
    for path in files:
        try:
            package = packages[path] = conversion.package(path)
        except BankError as exc:
            report(exc.problems)
            sys.exit(1)
        existing = operations.find_unchanged_source(db.session, package_hash(package))
        if existing is not None:
            click.echo(f"{existing.slug}: unchanged (version {existing.version_number})")
        else:
            pending.append(path)
    db.session.rollback()
    parsed, problems = _validate_all(pending, packages.__getitem__)
    if problems:
        report(problems)
        click.echo(f"Nothing imported: {len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    if dry_run:
        for path, package, bank, images in parsed:
            _print_diff(import_queries.compare(db.session, Upload(path.name, b"", bank, (), package, images)))
        db.session.rollback()
        click.echo("Nothing was changed (--dry-run).")
        return
    results = [_import_one(path, package, bank, images) for path, package, bank, images in parsed]
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


def _import_one(
    path: Path, package: BankPackage, bank: Bank, images: dict[str, StoredImage]
) -> operations.ImportResult:
    """Import one bank in its own transaction, with a progress bar of the import's steps on stderr."""
    label = f"Importing {path.name} ({len(bank.questions)} questions)"
    with click.progressbar(
        length=len(IMPORT_STEPS), label=label, file=sys.stderr, item_show_func=lambda step: step or None
    ) as bar:

        def progress(done: int, step: str) -> None:
            bar.update(done - bar.pos, step)

        try:
            result = operations.import_package(db.session, package, utcnow(), (bank, images), progress)
            db.session.commit()
        except SQLAlchemyError as exc:
            db.session.rollback()
            click.echo(f"{path}: Error: {database_message(exc)}", err=True)
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
@click.option(
    "--format",
    "format_name",
    type=click.Choice(formats.EXPORT_FORMATS),
    default="yaml",
    show_default=True,
    help="The format to write (yaml: a .zip with bank.yaml and media/ when the bank has pictures).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file.")
def export_command(slug: str, format_name: str, output: str | None) -> None:
    """Write the current version of a bank (to stdout or --output); questions the format cannot carry are
    listed on stderr."""
    bank = db.session.scalars(bank_queries.bank_by_slug(slug)).first()
    if bank is None:
        raise click.UsageError(f"no bank with the id {slug!r}; `flask bank list` shows them")
    package = bank_queries.bank_package(db.session, bank)
    if format_name == "yaml" and package.media:
        if not (output or "").lower().endswith(".zip"):
            raise click.UsageError(f"{slug} has pictures: write it as a .zip with -o {slug}.zip")
        format_name = "zip"
    try:
        exported = formats.export_bank(format_name, bank_queries.bank_export_data(db.session, bank), package.media)
    except formats.FormatError as exc:
        raise click.UsageError(exc.problems[0].message) from None
    for skipped in exported.skipped:
        click.echo(f"skipped: {skipped.name}: {skipped.reason}", err=True)
    if output:
        Path(output).write_bytes(exported.content)
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(exported.content, nl=False)


@bank_cli.command("schema")
def schema_command() -> None:
    """Print the bank format as JSON Schema."""
    click.echo(json.dumps(json_schema(), indent=2))
