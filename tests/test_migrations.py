"""Models and migrations agree; upgrade, downgrade and upgrade again work on a populated database."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from quizapp.extensions import db
from quizapp.models import Bank, Question

from .conftest import ROOT, bank_yaml

MIGRATIONS = str(ROOT / "migrations")


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_autogenerate_finds_no_difference(app):
    assert _differences(app) == []


def test_flask_db_check_passes(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_upgrade_downgrade_upgrade_on_a_populated_database(app, make_bank):
    make_bank(bank_yaml())
    with app.app_context():
        downgrade(directory=MIGRATIONS, revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade(directory=MIGRATIONS)
        assert db.session.scalar(select(func.count()).select_from(Bank)) == 0
    make_bank(bank_yaml())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 3
    assert _differences(app) == []


@pytest.mark.postgres
def test_migrations_on_postgres(pg_app):
    assert _differences(pg_app) == []
    with pg_app.app_context():
        downgrade(directory=MIGRATIONS, revision="base")
        upgrade(directory=MIGRATIONS)
    assert _differences(pg_app) == []
