"""Tests of the alembic migrations: they run on SQLite and build exactly
the schema models.py describes."""

import alembic.autogenerate
import alembic.migration
import alembic.script
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures as db_fixtures
from oslo_db.sqlalchemy import test_migrations
import sqlalchemy as sa

from fleet.db import migration
from fleet.db.sqlalchemy import models
from fleet.tests import base


def _head():
    script = alembic.script.ScriptDirectory.from_config(migration._config())
    return script.get_current_head()


class TestMigration(base.DbTestCase):
    def test_upgrade_to_head(self):
        self.assertEqual(_head(), migration.version())
        tables = set(sa.inspect(self.db.engine).get_table_names())
        self.assertEqual(
            set(models.Base.metadata.tables) | {migration.VERSION_TABLE},
            tables,
        )
        self.assertLessEqual(
            {'hosts', 'places', 'host_instances', 'host_history'}, tables
        )

    def test_upgrade_is_idempotent(self):
        migration.upgrade('head')
        migration.upgrade(None)
        self.assertEqual(_head(), migration.version())

    def test_own_version_table(self):
        # TaskFlow's persistence keeps its history in "alembic_version" in
        # the same database: fleet's must not collide with it.
        tables = sa.inspect(self.db.engine).get_table_names()
        self.assertNotIn('alembic_version', tables)
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                sa.select(sa.column('version_num')).select_from(
                    sa.table(migration.VERSION_TABLE)
                )
            ).all()
        self.assertEqual([(_head(),)], rows)


class TestEmptyDatabase(base.TestCase):
    def setUp(self):
        super().setUp()
        context = enginefacade.transaction_context()
        context.configure(connection='sqlite://')
        self.useFixture(
            db_fixtures.ReplaceEngineFacadeFixture(
                enginefacade._context_manager, context
            )
        )

    def test_version_of_empty_database(self):
        self.assertIsNone(migration.version())

    def test_stamp(self):
        migration.stamp('0001_initial')
        self.assertEqual('0001_initial', migration.version())
        # Stamping records the revision without running it.
        tables = sa.inspect(enginefacade.writer.get_engine()).get_table_names()
        self.assertNotIn('hosts', tables)


class TestModelsMigrationsSync(
    test_migrations.ModelsMigrationsSync, base.DbTestCase
):
    """models.py and the alembic revisions describe the same schema."""

    def get_engine(self):
        return self.db.engine

    def get_metadata(self):
        return models.Base.metadata

    def db_sync(self, engine):
        migration.upgrade('head')

    def include_object(self, object_, name, type_, reflected, compare_to):
        return not (type_ == 'table' and name == migration.VERSION_TABLE)

    def test_drift_is_detected(self):
        # The comparison the sync test relies on does see a difference.
        metadata = sa.MetaData()
        for table in models.Base.metadata.tables.values():
            table.to_metadata(metadata)
        metadata.tables['hosts'].append_column(
            sa.Column('colour', sa.String(16), nullable=True)
        )
        with self.db.engine.connect() as conn:
            context = alembic.migration.MigrationContext.configure(
                conn, opts={'include_object': self.include_object}
            )
            diff = alembic.autogenerate.compare_metadata(context, metadata)
        self.assertEqual(1, len(diff), diff)
        self.assertEqual('add_column', diff[0][0])
        self.assertEqual('hosts', diff[0][2])
        self.assertEqual('colour', diff[0][3].name)
