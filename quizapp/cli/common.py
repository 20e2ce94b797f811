"""What the command groups share: finding a user, reading bank files, committing or failing, reporting."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from ..domain.accounts import InvalidLogin, parse_login
from ..domain.banks import BankError, Problem
from ..domain.packages import BANK_FILE, BankPackage, read_folder, read_yaml, read_zip
from ..domain.refusals import Refused
from ..extensions import db
from ..models import User
from ..queries import accounts as account_queries

BANK_SUFFIXES = (".yaml", ".yml")
PACKAGE_SUFFIXES = (".zip",)  # a bank folder (bank.yaml and media/) zipped


def find_user(login: str) -> User:
    """The user who logs in with ``login`` (email address or username); a usage error if there is none."""
    try:
        user = db.session.scalars(account_queries.user_by_login(parse_login(login).value)).first()
    except InvalidLogin:
        user = None
    if user is None:
        raise click.UsageError(f"no user with the email address or username {login!r}; `flask user list` shows them")
    return user


def bank_files(paths: Iterable[str]) -> list[Path]:
    """Expand paths into banks: a .yaml / .yml file, a .zip, or a bank folder (one holding bank.yaml). A
    folder that is not a bank is searched for all three, sorted; a bank folder's own files are its own."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = _banks_in(path)
            if not found:
                raise click.UsageError(
                    f"{raw}: no banks in this folder (.yaml, .yml or .zip files, or folders with {BANK_FILE})"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise click.UsageError(f"{raw}: no such file or folder")
    return files


def _banks_in(folder: Path) -> list[Path]:
    if (folder / BANK_FILE).is_file():
        return [folder]
    found: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            found.extend(_banks_in(entry))
        elif entry.suffix in (*BANK_SUFFIXES, *PACKAGE_SUFFIXES) and entry.is_file():
            found.append(entry)
    return found


def read_package(path: Path) -> BankPackage:
    """The bank at ``path`` (a YAML file, a .zip or a bank folder); a :class:`BankError` naming the file and
    the entry if it cannot be read or is refused."""
    if path.is_dir():
        return read_folder(path)
    data = read_bank_file(path)
    return read_zip(data, str(path)) if path.suffix.lower() in PACKAGE_SUFFIXES else read_yaml(data, str(path))


def read_bank_file(path: Path) -> bytes:
    """The bytes of a bank file; a :class:`BankError` naming the file if it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BankError([Problem(str(path), 0, 0, "", f"cannot read the file: {exc.strerror}")]) from None


def report(problems: Iterable[object]) -> None:
    """Write each problem on its own line to stderr."""
    for problem in problems:
        click.echo(str(problem), err=True)


def fail(problems: Iterable[object], summary: str) -> NoReturn:
    """Report ``problems`` and a summary line on stderr, and exit with code 1."""
    report(problems)
    click.echo(summary, err=True)
    sys.exit(1)


def commit_or_fail(action: Callable[[], object]) -> None:
    """Run an operation and commit; a refusal is a message on stderr and exit code 1."""
    try:
        action()
        db.session.commit()
    except Refused as exc:
        db.session.rollback()
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    except SQLAlchemyError as exc:
        db.session.rollback()
        click.echo(f"Error: the database refused the change: {exc.__class__.__name__}", err=True)
        sys.exit(1)
