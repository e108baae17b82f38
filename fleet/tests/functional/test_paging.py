"""Keyset paging on real MariaDB and PostgreSQL: NULLs sort first
ascending and last descending on both (PostgreSQL's own order is the
opposite), and every row comes exactly once."""

import datetime

from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import engines
from oslo_db.sqlalchemy import orm
import pytest
import sqlalchemy as sa

from fleet.api.controllers.v1 import host as host_api
from fleet.db import api as db_api
from fleet.db.sqlalchemy import api as sa_api
from fleet.db.sqlalchemy import models
from fleet.tests.functional import test_db

synced = test_db.synced

T0 = datetime.datetime(2026, 1, 1)


@pytest.fixture
def dbapi(database, synced):
    engine = engines.create_engine(database.url)
    factory = enginefacade._TestTransactionFactory(
        engine, orm.get_maker(engine), apply_global=True
    )
    yield db_api.get_instance()
    factory.dispose_global()
    engine.dispose()


def test_every_sort_key_pages_every_row_once(dbapi):
    # 23 hosts: ties on kind/state, a third never updated (NULL), and
    # updated_at ties.
    for i in range(23):
        dbapi.create_host(
            {
                'name': f'h{i:02d}',
                'kind': ('compute', 'storage')[i % 2],
                'state': ('active', 'maintenance', 'failed')[i % 3],
            }
        )
    with sa_api._writer() as session:
        for i in range(23):
            session.execute(
                sa.update(models.Host)
                .where(models.Host.name == f'h{i:02d}')
                .values(
                    updated_at=None
                    if i % 3 == 0
                    else T0 + datetime.timedelta(seconds=i % 4),
                    created_at=T0 + datetime.timedelta(seconds=i % 5),
                )
            )
    everyone = dbapi.list_hosts()
    assert len(everyone) == 23
    for key in host_api.SORT_KEYS:
        for direction in ('asc', 'desc'):
            for limit in (1, 4, 7):
                seen, marker = [], None
                while True:
                    page = dbapi.list_hosts(
                        limit=limit,
                        marker=marker,
                        sort_key=key,
                        sort_dir=direction,
                    )
                    seen.extend(page)
                    if len(page) < limit:
                        break
                    marker = page[-1]['uuid']
                assert sorted(h['uuid'] for h in seen) == sorted(
                    h['uuid'] for h in everyone
                ), (key, direction, limit)
                values = [h[key] for h in seen]
                nulls = [v is None for v in values]
                if direction == 'asc':
                    # NULLs first, then ascending.
                    assert nulls == sorted(nulls, reverse=True), (key,)
                    rest = [v for v in values if v is not None]
                    assert rest == sorted(rest), (key, direction)
                else:
                    assert nulls == sorted(nulls), (key,)
                    rest = [v for v in values if v is not None]
                    assert rest == sorted(rest, reverse=True), (key,)
