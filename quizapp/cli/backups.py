"""``flask db backup FILE`` and ``flask db restore FILE``, beside Flask-Migrate's ``db`` commands.

SQLite is copied with its online backup API, page by page, so the app may keep serving meanwhile and the
copy is consistent; PostgreSQL with ``pg_dump``/``pg_restore`` (custom format) when they are installed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump / pg_restore with an argument list, never a shell
from contextlib import closing
from pathlib import Path

import click
from flask_migrate.cli import db as db_group
from sqlalchemy.engine import make_url

from ..extensions import db
from ..queries.ops import MIGRATIONS, head_revisions

SQLITE_HEADER = b"SQLite format 3\x00"


def _url():
    return make_url(db.engine.url.render_as_string(hide_password=False))


def _sqlite_path() -> Path | None:
    url = _url()
    if url.get_backend_name() != "sqlite":
        return None
    if url.database in (None, "", ":memory:"):
        raise click.ClickException("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise click.ClickException(
            f"{name} was not found: install the PostgreSQL client tools (Debian: postgresql-client) of the "
            "server's major version, or back up with your database host's own tools"
        )
    return found


def _pg_env() -> tuple[str, dict[str, str]]:
    """A libpq URL without the driver name, and the password in the environment rather than on argv."""
    url = _url()
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _run(args: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603 - our own argv
    if result.returncode != 0:
        raise click.ClickException(f"{Path(args[0]).name} failed: {result.stderr.strip() or result.returncode}")


@db_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup_command(file: Path, force: bool) -> None:
    """Write a consistent copy of the database to FILE while the app keeps running."""
    if file.exists() and not force:
        raise click.ClickException(f"{file} exists; choose another name or add --force")
    partial = file.with_name(file.name + ".partial")
    source = _sqlite_path()
    if source is not None:
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)
    else:
        url, env = _pg_env()
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", url], env)
    partial.replace(file)
    click.echo(f"Backed up the database to {file} ({file.stat().st_size:,} bytes).")


@db_group.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database's contents.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the database's contents with a backup made by `flask db backup`."""
    target = _sqlite_path()
    if target is not None:
        _check_sqlite_backup(file)
    elif file.read_bytes()[:5] != b"PGDMP":
        raise click.ClickException(
            f"{file} is not a PostgreSQL backup made by `flask db backup` (pg_dump's custom format)"
        )
    if not yes:
        click.confirm(f"Replace everything in the database with {file}?", abort=True)
    if target is not None:
        with closing(sqlite3.connect(file)) as backup, closing(sqlite3.connect(target)) as live:
            backup.backup(live)
    else:
        url, env = _pg_env()
        _run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={url}",
                str(file),
            ],
            env,
        )
    db.engine.dispose()
    click.echo(f"Restored the database from {file}. Run `flask db upgrade` if the backup is from an older version.")


def _check_sqlite_backup(file: Path) -> None:
    with file.open("rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise click.ClickException(f"{file} is not an SQLite database")
    with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as backup:
        try:
            check = backup.execute("PRAGMA integrity_check").fetchone()[0]
            versions = {row[0] for row in backup.execute("SELECT version_num FROM alembic_version")}
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(f"{file} cannot be read as a quizapp database: {exc}") from None
    if check != "ok":
        raise click.ClickException(f"{file} is damaged (integrity check: {check}); nothing was restored")
    if not versions:
        raise click.ClickException(f"{file} is not a quizapp database (it has no migration version)")
    unknown = versions - head_revisions()
    if unknown and not _known_revision(unknown):
        raise click.ClickException(f"{file} is from a newer version of quizapp ({', '.join(sorted(unknown))})")


def _known_revision(revisions: set[str]) -> bool:
    return revisions <= {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("*.py")}
