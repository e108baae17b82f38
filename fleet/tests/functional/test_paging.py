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


def test_metric_sort_and_filter_page_every_host_once(dbapi):
    # API 1.9: sort_key=metric:<name> outer-joins host_metrics; a third
    # of the hosts has no value (NULL), the others tie in fours.
    cpu = {}
    for i in range(23):
        host = dbapi.create_host({'name': f'm{i:02d}', 'kind': 'compute'})
        if i % 3:
            cpu[host['uuid']] = float(i % 4)
            dbapi.set_host_metrics(
                host['uuid'],
                {'cpu_used_percent': {'value': cpu[host['uuid']],
                                      'sampled_at': T0}},
                'test',
            )  # fmt: skip
        # Another metric on every host must not leak into the order.
        dbapi.set_host_metrics(
            host['uuid'],
            {'power_watts': {'value': 100.0 - i, 'sampled_at': T0}},
            'test',
        )
    everyone = dbapi.list_hosts()
    for direction in ('asc', 'desc'):
        for limit in (1, 4, 7):
            seen, marker = [], None
            while True:
                page = dbapi.list_hosts(
                    limit=limit,
                    marker=marker,
                    sort_key='metric:cpu_used_percent',
                    sort_dir=direction,
                )
                seen.extend(page)
                if len(page) < limit:
                    break
                marker = page[-1]['uuid']
            assert sorted(h['uuid'] for h in seen) == sorted(
                h['uuid'] for h in everyone
            ), (direction, limit)
            keys = [(cpu.get(h['uuid']) is not None, cpu.get(h['uuid'], 0),
                     h['id']) for h in seen]  # fmt: skip
            assert keys == sorted(keys, reverse=direction == 'desc')
    hot = dbapi.list_hosts(
        filters={'metrics': [('cpu_used_percent', 'gte', 2.0)]}
    )
    assert sorted(h['uuid'] for h in hot) == sorted(
        u for u, v in cpu.items() if v >= 2.0
    )
