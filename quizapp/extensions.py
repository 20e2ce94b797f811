"""Extension instances, initialised in :func:`quizapp.create_app`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .domain.accounts import Passwords, ThrottlePolicy

if TYPE_CHECKING:  # the operations import the models, which import db from here
    from .operations.limits import Counters

# Named constraints so Alembic can alter them, including SQLite's batch (copy-and-move) migrations.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()


def passwords() -> Passwords:
    """The current app's password hasher (argon2id with the configured parameters)."""
    return current_app.extensions["quizapp.passwords"]


def throttle_policy() -> ThrottlePolicy:
    """The current app's login throttling policy."""
    return current_app.extensions["quizapp.throttle"]


def reset_policy() -> ThrottlePolicy:
    """The current app's limits on password-reset emails asked for."""
    return current_app.extensions["quizapp.reset_throttle"]


def limit_counters() -> Counters:
    """Where the current app counts its limits: Redis when ``REDIS_URL`` is set, else the database."""
    return current_app.extensions["quizapp.limits"]
