from alembic import context
from oslo_db.sqlalchemy import enginefacade

from fleet.db.sqlalchemy import models

# fleet shares its database with TaskFlow's persistence backend, which keeps
# its own alembic history in "alembic_version": ours must not collide.
VERSION_TABLE = 'fleet_alembic_version'

target_metadata = models.Base.metadata


def run_migrations_online():
    connectable = context.config.attributes.get('connection')
    if connectable is None:
        engine = enginefacade.writer.get_engine()
        with engine.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == 'sqlite',
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
