"""Database schema management (alembic), used by fleet-dbsync and tests.

Usage::

    from fleet.db import migration
    migration.upgrade('head')
"""

import os

import alembic
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from oslo_db.sqlalchemy import enginefacade

# Also set in sqlalchemy/alembic/env.py, which alembic loads as a script.
VERSION_TABLE = 'fleet_alembic_version'


def _config(connection=None):
    path = os.path.join(os.path.dirname(__file__), 'sqlalchemy', 'alembic.ini')
    config = alembic_config.Config(path)
    config.set_main_option(
        'script_location',
        os.path.join(os.path.dirname(__file__), 'sqlalchemy', 'alembic'),
    )
    if connection is not None:
        config.attributes['connection'] = connection
    return config


def upgrade(revision='head'):
    """Upgrade the configured database to ``revision``."""
    engine = enginefacade.writer.get_engine()
    with engine.begin() as connection:
        alembic.command.upgrade(_config(connection), revision or 'head')


def stamp(revision):
    """Record ``revision`` without running migrations."""
    engine = enginefacade.writer.get_engine()
    with engine.begin() as connection:
        alembic.command.stamp(_config(connection), revision)


def version():
    """Current revision of the configured database, or None."""
    engine = enginefacade.writer.get_engine()
    with engine.connect() as connection:
        ctx = alembic_migration.MigrationContext.configure(
            connection, opts={'version_table': VERSION_TABLE}
        )
        return ctx.get_current_revision()


def heads():
    """The head revision(s) of fleet's migrations (the code's schema)."""
    from alembic import script as alembic_script

    return tuple(
        alembic_script.ScriptDirectory.from_config(_config()).get_heads()
    )
