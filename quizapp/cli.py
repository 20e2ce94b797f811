"""Command-line interface: thin wrappers over the domain and operations, errors on stderr, no tracebacks."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from . import operations
from .domain.accounts import ROLES, InvalidLogin, Role, parse_login, password_problems
from .domain.banks import BankError, Problem, export_yaml, json_schema, parse_bank
from .extensions import db
from .models import User
from .queries import accounts as account_queries
from .queries import banks as bank_queries

bank_cli = AppGroup("bank", help="Validate, import, list and export question banks.")

BANK_SUFFIXES = (".yaml", ".yml")


def bank_files(paths: tuple[str, ...]) -> list[Path]:
    """Expand files and folders (their *.yaml / *.yml files, sorted) into a list of bank files."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in BANK_SUFFIXES and p.is_file())
            if not found:
                raise click.UsageError(f"{raw}: no .yaml or .yml files in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise click.UsageError(f"{raw}: no such file or folder")
    return files


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BankError([Problem(str(path), 0, 0, "", f"cannot read the file: {exc.strerror}")]) from None


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _validate_all(files: list[Path]) -> tuple[list[tuple[Path, bytes, object]], list[Problem]]:
    parsed, problems = [], []
    first_file: dict[str, Path] = {}
    for path in files:
        try:
            source = _read(path)
            bank = parse_bank(source, str(path))
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
    _report(problems)
    bad = len({p.file for p in problems})
    summary = f"{len(files)} file{'s' if len(files) != 1 else ''} checked: {len(parsed)} valid"
    if problems:
        click.echo(f"{summary}, {bad} with {len(problems)} problem{'s' if len(problems) != 1 else ''}.", err=True)
        sys.exit(1)
    questions = sum(len(b.questions) for _, _, b in parsed)
    click.echo(f"{summary} ({questions} questions).")


@bank_cli.command("import")
@click.argument("paths", nargs=-1, required=True)
def import_command(paths: tuple[str, ...]) -> None:
    """Validate, then import banks (each in one transaction); unchanged banks are skipped."""
    files = bank_files(paths)
    pending: list[tuple[Path, bytes]] = []
    for path in files:
        try:
            source = _read(path)
        except BankError as exc:
            _report(exc.problems)
            sys.exit(1)
        existing = operations.find_unchanged_source(db.session, operations.source_hash(source))
        if existing is not None:
            click.echo(f"{existing.slug}: unchanged (version {existing.version_number})")
        else:
            pending.append((path, source))
    db.session.rollback()
    parsed, problems = _validate_all([p for p, _ in pending])
    if problems:
        _report(problems)
        click.echo(f"Nothing imported: {len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    results = []
    if not parsed:
        return
    with click.progressbar(
        parsed, label="Importing", file=sys.stderr, item_show_func=lambda item: item[0].name if item else None
    ) as bar:
        for path, source, bank in bar:
            try:
                results.append(operations.import_bank(db.session, bank, source, path.name))
                db.session.commit()
            except SQLAlchemyError as exc:
                db.session.rollback()
                click.echo(f"{path}: the database refused the import: {exc.__class__.__name__}", err=True)
                sys.exit(1)
    for r in results:
        if r.status == "unchanged":
            click.echo(f"{r.bank_id}: unchanged (version {r.version})")
            continue
        detail = f"{len(r.added)} added, {len(r.changed)} changed, {len(r.retired)} retired" + (
            f", {len(r.restored)} restored" if r.restored else ""
        )
        click.echo(f"{r.bank_id}: {r.status} (version {r.version}): {detail}")


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


@bank_cli.command("export")
@click.argument("bank_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file.")
def export_command(bank_id: str, output: str | None) -> None:
    """Write the current version of a bank as YAML (to stdout or --output)."""
    bank = db.session.scalars(bank_queries.bank_by_slug(bank_id)).first()
    if bank is None:
        raise click.UsageError(f"no bank with the id {bank_id!r}; `flask bank list` shows them")
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


# --- users ------------------------------------------------------------------------------------------------

user_cli = AppGroup("user", help="Create users, change their roles and passwords, disable and enable them.")


def _user(login: str) -> User:
    try:
        user = db.session.scalars(account_queries.user_by_login(parse_login(login).value)).first()
    except InvalidLogin:
        user = None
    if user is None:
        raise click.UsageError(f"no user with the email address or username {login!r}; `flask user list` shows them")
    return user


def _commit_or_fail(action: Callable[[], object]) -> None:
    """Run an operation and commit; a refusal is a message on stderr and exit code 1."""
    try:
        action()
        db.session.commit()
    except operations.Refused as exc:
        db.session.rollback()
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    except SQLAlchemyError as exc:
        db.session.rollback()
        click.echo(f"Error: the database refused the change: {exc.__class__.__name__}", err=True)
        sys.exit(1)


def _new_password(password_stdin: bool, context: tuple[str, ...]) -> str:
    """Read a password from stdin (one line), or ask twice without echo until it meets the policy."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")

    def check(value: str) -> str:
        problems = password_problems(value, context)
        if problems:
            raise click.BadParameter(problems[0])
        return value

    return click.prompt("Password", hide_input=True, confirmation_prompt=True, value_proc=check)


ROLE_CHOICE = click.Choice(ROLES, case_sensitive=False)


@user_cli.command("create")
@click.option("--role", type=ROLE_CHOICE, default=Role.LEARNER.value, show_default=True, help="The new user's role.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.argument("login")
def create_user_command(login: str, role: str, password_stdin: bool) -> None:
    """Create a user who logs in with LOGIN (an email address or a username)."""
    try:
        name = parse_login(login)
    except InvalidLogin as exc:
        raise click.BadParameter(str(exc), param_hint="LOGIN") from None
    password = _new_password(password_stdin, (name.value,))
    _commit_or_fail(lambda: operations.create_user(db.session, login, password, role.lower()))
    click.echo(f"Created {name.value} ({role.lower()}).")


@user_cli.command("set-role")
@click.argument("login")
@click.argument("role", type=ROLE_CHOICE)
def set_role_command(login: str, role: str) -> None:
    """Give the user LOGIN another ROLE (learner, teacher or admin)."""
    user = _user(login)
    _commit_or_fail(lambda: operations.set_role(db.session, user, role.lower()))
    click.echo(f"{user.login} is now a {role.lower()}.")


@user_cli.command("set-password")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.argument("login")
def set_password_command(login: str, password_stdin: bool) -> None:
    """Set a new password for LOGIN (for someone who forgot theirs); their sessions end."""
    user = _user(login)
    password = _new_password(password_stdin, (user.email or "", user.username or ""))
    _commit_or_fail(lambda: operations.set_password(db.session, user, password))
    click.echo(f"Changed the password of {user.login}; they are logged out everywhere.")


@user_cli.command("disable")
@click.argument("login")
def disable_command(login: str) -> None:
    """Stop LOGIN from logging in and end their sessions."""
    user = _user(login)
    _commit_or_fail(lambda: operations.disable_user(db.session, user))
    click.echo(f"{user.login} is disabled and logged out everywhere.")


@user_cli.command("enable")
@click.argument("login")
def enable_command(login: str) -> None:
    """Let a disabled user LOGIN log in again."""
    user = _user(login)
    _commit_or_fail(lambda: operations.enable_user(db.session, user))
    click.echo(f"{user.login} can log in again.")


@user_cli.command("list")
def list_users_command() -> None:
    """List every user with their role and status."""
    users = db.session.scalars(account_queries.users()).all()
    if not users:
        click.echo("No users yet. Create the first administrator with `flask user create --role admin EMAIL`.")
        return
    width = max(len(u.login) for u in users)
    for u in sorted(users, key=lambda u: u.id):
        status = f"disabled {u.disabled_at:%Y-%m-%d}" if u.disabled_at else "active"
        click.echo(f"{u.id:>5}  {u.login:<{width}}  {u.role:<8}  {status:<19}  created {u.created_at:%Y-%m-%d}")
