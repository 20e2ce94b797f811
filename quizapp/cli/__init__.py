"""Command-line interface: ``flask bank …``, ``flask user …``, ``flask srs …`` and ``flask jobs …``.

Thin wrappers over the domain and the operations, like the views: errors go to stderr as messages with
exit code 1, never as tracebacks.
"""

from __future__ import annotations

from flask import Flask

from .banks import bank_cli
from .jobs import jobs_cli
from .srs import srs_cli
from .users import user_cli

__all__ = ["bank_cli", "init_app", "jobs_cli", "srs_cli", "user_cli"]


def init_app(app: Flask) -> None:
    """Register every command group."""
    for group in (bank_cli, user_cli, srs_cli, jobs_cli):
        app.cli.add_command(group)
