"""Command-line interface: ``flask bank …``, ``flask user …``, ``flask srs …``, ``flask jobs …``,
``flask classes …``, and ``flask db backup`` / ``flask db restore`` beside Flask-Migrate's ``db`` commands.

Thin wrappers over the domain and the operations, like the views: errors go to stderr as messages with
exit code 1, never as tracebacks.
"""

from __future__ import annotations

from flask import Flask

from .backups import backup_command, restore_command
from .banks import bank_cli
from .classes import classes_cli
from .jobs import jobs_cli
from .srs import srs_cli
from .users import user_cli

__all__ = [
    "backup_command",
    "bank_cli",
    "classes_cli",
    "init_app",
    "jobs_cli",
    "restore_command",
    "srs_cli",
    "user_cli",
]


def init_app(app: Flask) -> None:
    """Register every command group."""
    for group in (bank_cli, user_cli, srs_cli, jobs_cli, classes_cli):
        app.cli.add_command(group)
