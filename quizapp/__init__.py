"""quizapp: quizzes and FSRS flashcards from YAML question banks."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click
from flask import Flask, Response, current_app, request
from sqlalchemy.exc import DBAPIError

from . import access, cli, errors, jobs, logs, mail, models, rendering, routing, security
from .admin.views import bp as admin_bp
from .auth.views import bp as auth_bp
from .banks.views import bp as banks_bp
from .cards.views import bp as cards_bp
from .classes.views import bp as classes_bp
from .database import configure_engine, read_only_transactions, reset_transactions, trouble
from .domain.accounts import HashParameters, Passwords, ThrottlePolicy, reset_policy_from_config
from .extensions import csrf, db, login_manager, migrate
from .home.views import bp as home_bp
from .limits import counters_for
from .media.views import bp as media_bp
from .ops.views import bp as ops_bp
from .quiz.views import bp as quiz_bp
from .stats.views import bp as stats_bp
from .teach.views import bp as teach_bp

DEFAULTS: dict[str, Any] = {
    "DEVELOPMENT": False,
    "SQLALCHEMY_DATABASE_URI": None,  # set from the instance folder below
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,  # a bank .zip with its images; see docs/bank-format.md
    "QUESTIONS_DIR": None,  # defaults to questions/ beside the package
    # Accounts: failed password checks allowed per account and per client address within the window (s).
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
    "LOGIN_THROTTLE_WINDOW": 15 * 60,
    # argon2id cost; create_app refuses anything weaker than the OWASP cheat sheet's minimum.
    "ARGON2_MEMORY_COST": 19456,  # KiB
    "ARGON2_TIME_COST": 2,
    "ARGON2_PARALLELISM": 1,
    # Behind a reverse proxy, how many proxies set each X-Forwarded-* header (0: trust none).
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    "PROXY_FIX_X_HOST": 0,
    "PROXY_FIX_X_PORT": 0,
    "PROXY_FIX_X_PREFIX": 0,
    # Password-reset emails asked for, per account and per client address, within the window (s).
    "PASSWORD_RESET_MAX_PER_ACCOUNT": 3,  # nosec B105 - a count, not a password
    "PASSWORD_RESET_MAX_PER_ADDRESS": 20,  # nosec B105 - a count, not a password
    "PASSWORD_RESET_WINDOW": 60 * 60,
    # Email (for password-reset links), off unless MAIL_SERVER is set; see quizapp/mail.py.
    "MAIL_SERVER": None,
    "MAIL_PORT": None,  # 465 with MAIL_USE_TLS, 587 with MAIL_USE_STARTTLS, else 25
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,  # nosec B105 - none by default; set from the environment
    "MAIL_USE_TLS": False,
    "MAIL_USE_STARTTLS": False,
    "MAIL_FROM": None,
    "MAIL_TIMEOUT": 10,
    "HSTS_SECONDS": 365 * 24 * 60 * 60,
    "PERMANENT_SESSION_LIFETIME": 14 * 24 * 60 * 60,  # a session cookie is refused after this many seconds
    # Redis (a redis:// URL): where login throttling and registration limits are counted when set (the
    # database otherwise, and while Redis does not answer); keys start with REDIS_KEY_PREFIX.
    "REDIS_URL": None,
    "REDIS_KEY_PREFIX": "quizapp",
    "LOG_FORMAT": None,  # "json" (one object per line, one line per request) or "text"; json outside development
    # Connections are checked before use and renewed hourly, so a restarted database costs no error page.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_recycle": 3600},
    # Background jobs (quizapp.jobs): Redis when REDIS_URL is set, else SQLite (JOBS_SQLITE, by default
    # instance/jobs.sqlite); JOBS_IMMEDIATE runs each job at once, in the process that queues it.
    "JOBS_SQLITE": None,
    "JOBS_IMMEDIATE": False,
    # An upload is checked and published by the worker when its file is larger than IMPORT_JOB_BYTES or it
    # has more than IMPORT_JOB_THRESHOLD questions.
    "IMPORT_JOB_BYTES": 2 * 1024 * 1024,
    "IMPORT_JOB_THRESHOLD": 2000,
}
PLACEHOLDER_KEYS = {"dev", "secret", "changeme", "change-me", "change_me", "development", "test", "key"}
MIN_KEY_LENGTH = 24


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: configure, init extensions, register blueprints, error handlers and commands."""
    app = Flask(__name__, instance_relative_config=True)
    routing.init_app(app)
    configure(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Defaults, then QUIZAPP_* environment variables, then instance/config.py — or a test mapping."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_prefixed_env("QUIZAPP")
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "quizapp.sqlite")
    if not app.config["QUESTIONS_DIR"]:
        app.config["QUESTIONS_DIR"] = str(Path(app.root_path).parent / "questions")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    relaxed = app.config["DEVELOPMENT"] or app.testing or app.debug
    app.config["SESSION_COOKIE_SECURE"] = not relaxed  # cookies only over HTTPS outside development
    _secret_key(app, relaxed)


def _secret_key(app: Flask, relaxed: bool) -> None:
    key = app.config.get("SECRET_KEY")
    real = isinstance(key, str | bytes) and len(key) >= MIN_KEY_LENGTH and str(key).lower() not in PLACEHOLDER_KEYS
    if real:
        return
    if relaxed:
        path = Path(app.instance_path) / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        app.config["SECRET_KEY"] = path.read_text().strip()
        return
    if _serving():
        raise RuntimeError(
            "SECRET_KEY is missing or too weak for production: set QUIZAPP_SECRET_KEY (at least "
            f"{MIN_KEY_LENGTH} random characters, e.g. from `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`) or SECRET_KEY in instance/config.py. "
            "For local development set QUIZAPP_DEVELOPMENT=true instead."
        )
    app.config["SECRET_KEY"] = secrets.token_urlsafe(48)  # a CLI command signs nothing that outlives it


def _serving() -> bool:
    """True unless the app was loaded for a `flask` command other than `run`."""
    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.info_name == "run"


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    with app.app_context():
        configure_engine(db.engine)
    csrf.init_app(app)
    login_manager.init_app(app)
    access.init_login_manager(login_manager)
    app.extensions["quizapp.passwords"] = Passwords(
        HashParameters(
            memory_cost=int(app.config["ARGON2_MEMORY_COST"]),
            time_cost=int(app.config["ARGON2_TIME_COST"]),
            parallelism=int(app.config["ARGON2_PARALLELISM"]),
        )
    )
    app.extensions["quizapp.throttle"] = ThrottlePolicy.from_config(app.config)
    app.extensions["quizapp.reset_throttle"] = reset_policy_from_config(app.config)
    mail.init_app(app)
    app.extensions["quizapp.limits"] = counters_for(app.config)
    security.init_app(app)
    logs.init_app(app)
    jobs.init_app(app)

    @app.before_request
    def _deferred_reads() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            request.environ["quizapp.begin_token"] = read_only_transactions()

    @app.teardown_request
    def _reset_reads(_exc: BaseException | None) -> None:
        token = request.environ.pop("quizapp.begin_token", None)
        if token is not None:
            try:
                db.session.remove()  # end the read transaction before the mode changes back
            except DBAPIError as error:
                # The connection died after the page was made (the database restarting): there is nothing
                # to roll back and the page stands; drop the connection rather than turn the page into a 500.
                condition = trouble(error)
                if condition is None:
                    raise
                app.logger.warning("database trouble (%s) ending a read: %s", condition.kind, type(error).__name__)
                db.session().invalidate()
                db.session.remove()
            finally:
                reset_transactions(token)


def register_blueprints(app: Flask) -> None:
    blueprints = (home_bp, banks_bp, auth_bp, teach_bp, admin_bp, quiz_bp, cards_bp, stats_bp, classes_bp, media_bp)
    for bp in (*blueprints, ops_bp):
        app.register_blueprint(bp)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    rendering.init_app(app)


def favicon() -> Response:
    """The site's icon, where browsers look for it without being told (the pages also link the SVG)."""
    return current_app.send_static_file("favicon.ico")


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)


def register_commands(app: Flask) -> None:
    cli.init_app(app)

    @app.shell_context_processor
    def _shell() -> dict[str, Any]:
        return {"db": db, "models": models}
