import logging
from contextlib import contextmanager
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)  # leave the app's own loggers alone
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Write the application's own column types as the plain SQLAlchemy types they are stored as.

    A revision that named ``quizapp.models.UTCDateTime`` would import the application, and break when the
    application changed; what the database holds is the type's ``impl`` (a timezone-aware DateTime).
    """
    if type_ == "type" and isinstance(obj, sa.types.TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False  # Alembic's own rendering


# The search index is made by its revision for each database in its own way (an FTS5 virtual table and its
# shadow tables on SQLite, a table of tsvector columns on PostgreSQL) and is not in the models' metadata:
# autogenerate must neither drop it nor report it.
SEARCH_INDEX = "question_search"


def include_name(name, type_, parent_names):
    if type_ == "table":
        return name != SEARCH_INDEX and not name.startswith(SEARCH_INDEX + "_")
    return True


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=get_metadata(),
        literal_binds=True,
        render_item=render_item,
        include_name=include_name,
    )

    sqlite = sa.engine.make_url(url).get_backend_name() == "sqlite"
    if sqlite:  # see without_foreign_keys below
        context.execute("PRAGMA foreign_keys=OFF")
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        context.execute("PRAGMA foreign_keys=ON")


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("include_name", include_name)

    connectable = get_engine()

    with connectable.connect() as connection, one_at_a_time(connection), without_foreign_keys(connection):
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

        with context.begin_transaction():
            context.run_migrations()


MIGRATION_LOCK = 0x71756D6967726174  # the advisory lock id that `flask db upgrade` takes ("qumigrat")


@contextmanager
def one_at_a_time(connection):
    """On PostgreSQL, one `flask db upgrade` at a time: each host of a deployment may run it as it starts,
    and the second waits for the first, then finds the database at head and does nothing. The lock is the
    session's, held across the revisions' own transactions and released at the end."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
        connection.commit()


@contextmanager
def without_foreign_keys(connection):
    """On SQLite, foreign keys off while the revisions run, as SQLite's own procedure for altering a table asks.

    SQLite cannot alter a constraint, so batch mode copies a table and drops the old one; with foreign keys
    on (the app turns them on for every connection), dropping it deletes every row of the tables that
    reference it ON DELETE CASCADE. The pragma has no effect inside a transaction, so it is set on the
    driver's connection before the first statement begins one; the foreign keys are checked once the
    revisions are committed, and turned on again before the connection goes back to the pool.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if connection.in_transaction():  # each revision has committed; whatever is left, closing would roll back
            connection.rollback()
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        driver.execute("PRAGMA foreign_keys=ON")
    if broken:
        raise RuntimeError(f"rows that break a foreign key after migrating (table, rowid, parent, key): {broken}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
