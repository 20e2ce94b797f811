"""What the readiness check reads: that the database answers, and which migration its schema is at."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


@cache
def head_revisions() -> frozenset[str]:
    """The latest migration(s) shipped with this version of the app."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def readiness(session: Session) -> tuple[bool, str]:
    """(ready, why): the database answers and its schema is at the shipped head."""
    try:
        current = set(session.scalars(text("SELECT version_num FROM alembic_version")).all())
    except SQLAlchemyError as exc:
        session.rollback()
        return False, f"the database cannot be read ({exc.__class__.__name__})"
    finally:
        session.rollback()  # end the read, whatever happened
    if current != head_revisions():
        at = ", ".join(sorted(current)) or "no migration"
        return (
            False,
            f"the database schema is at {at}; run `flask db upgrade` to reach {', '.join(sorted(head_revisions()))}",
        )
    return True, f"database reachable, schema at {', '.join(sorted(current))}"
