"""Keyset paging on real MariaDB and PostgreSQL: NULLs sort first
ascending and last descending on both (PostgreSQL's own order is the
opposite), and every row comes exactly once."""

import datetime

from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import engines
from oslo_db.sqlalchemy import orm
from oslo_db.sqlalchemy import types as db_types
import pytest
import sqlalchemy as sa

from fleet.api.controllers.v1 import host as host_api
from fleet.db import api as db_api
from fleet.db.sqlalchemy import api as sa_api
from fleet.db.sqlalchemy import models
from fleet.db.sqlalchemy import paging
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


#: Values MariaDB's JSON functions must carry through unchanged.
AWKWARD = (
    'quote " backslash \\ slash / newline \n tab \t',
    'control \x01 \x1a \x7f, separator \u2028',
    'accents é ß, CJK 漢字, emoji 😀',
    '',
)


def _plain(dbapi, monkeypatch, **kwargs):
    """list_hosts through the one-column-per-value query."""
    with monkeypatch.context() as m:
        m.setattr(paging, '_fetch_as_json', lambda *a: None)
        return dbapi.list_hosts(**kwargs)


def _as_json_calls(monkeypatch):
    """What each _fetch_as_json call returned (None: it declined)."""
    results = []
    real = paging._fetch_as_json

    def spy(*args):
        rows = real(*args)
        results.append(rows)
        return rows

    monkeypatch.setattr(paging, '_fetch_as_json', spy)
    return results


def test_rows_read_as_json_are_the_rows_read_column_by_column(
    dbapi, database, monkeypatch
):
    # On MariaDB a page is fetched as JSON built by the server; it must
    # be, value for value and key for key, what the plain query gives.
    for i, text in enumerate(AWKWARD):
        dbapi.create_host(
            {
                'name': f'awk{i}',
                'state_reason': text,
                'labels': {text: text, 'n': i},
                'variables': {
                    'big': 123456789012345678901234567890,
                    'float': 1.0,
                    'exp': 1e300,
                    'neg': -0.0,
                    'list': [None, True, False, [], {}],
                },
                'facts': {'nested': {'a': {'b': [1, 2.5, text]}}},
            }
        )
    with sa_api._writer() as session:
        session.execute(
            sa.update(models.Host)
            .where(models.Host.name == 'awk1')
            .values(updated_at=None, created_at=T0)
        )
    calls = _as_json_calls(monkeypatch)
    for kwargs in (
        {},
        {'limit': 2},
        {'limit': 2, 'sort_key': 'updated_at', 'sort_dir': 'desc'},
        {'limit': 3, 'sort_key': 'name', 'sort_dir': 'asc'},
        {'limit': 10, 'filters': {'state': 'active'}},
        {'limit': 10, 'filters': {'labels': {'n': None}}},
    ):
        calls.clear()
        got = dbapi.list_hosts(**kwargs)
        want = _plain(dbapi, monkeypatch, **kwargs)
        assert got == want, kwargs
        assert [list(h) for h in got] == [list(h) for h in want], kwargs
        assert got, kwargs
        if database.backend == 'mysql':
            assert calls and calls[-1] is not None, kwargs
        else:
            assert calls == [], kwargs


def test_documents_mariadb_cannot_parse_fall_back(
    dbapi, database, monkeypatch
):
    # NaN and a lone surrogate escape are JSON to Python's json (and old
    # rows may hold them), not to MariaDB: JSON_EXTRACT gives NULL. The
    # page is then read column by column, not served with {} or null.
    for name in ('a', 'b', 'c'):
        dbapi.create_host({'name': name, 'labels': {'k': name}})
    with sa_api._writer() as session:
        # Bound as text, past the column type's JSON encoding.
        for name, column, text in (
            ('b', 'labels', '{"x": NaN}'),
            ('c', 'facts', '{"s": "\\ud800"}'),
        ):
            session.execute(
                sa.update(models.Host.__table__)
                .where(models.Host.name == name)
                .values({column: sa.literal(text, sa.Text)})
            )
    calls = _as_json_calls(monkeypatch)
    hosts = {h['name']: h for h in dbapi.list_hosts(limit=10)}
    assert hosts['b']['labels']['x'] != hosts['b']['labels']['x']  # NaN
    assert hosts['c']['facts'] == {'s': '\ud800'}
    assert hosts['a']['labels'] == {'k': 'a'}
    assert calls == ([None] if database.backend == 'mysql' else [])
    calls.clear()
    # Only a's row: served from JSON.
    page = dbapi.list_hosts(limit=1)
    assert [h['name'] for h in page] == ['a']
    if database.backend == 'mysql':
        assert calls[-1] is not None


def test_page_longer_than_group_concat_max_len_is_read_row_by_row(
    dbapi, database, monkeypatch
):
    if not database.backend == 'mysql':
        pytest.skip('JSON_ARRAYAGG is read on MariaDB only')
    for i in range(5):
        dbapi.create_host({'name': f'h{i}', 'facts': {'pad': 'x' * 400}})
    want = _plain(dbapi, monkeypatch, limit=5)
    aggregates = []
    real = paging._aggregate

    def small(session, *args):
        # A connection whose aggregates stop at 1,024 bytes: the page's
        # JSON array is cut (with a warning), not valid JSON.
        conn = session.connection()
        conn.exec_driver_sql('SET SESSION group_concat_max_len = 1024')
        conn.info['fleet_group_concat_max_len'] = True
        aggregates.append(real(session, *args))
        return aggregates[-1]

    monkeypatch.setattr(paging, '_aggregate', small)
    calls = _as_json_calls(monkeypatch)
    assert dbapi.list_hosts(limit=5) == want
    assert aggregates == [None]
    assert calls[-1] is not None
    # An empty page: the aggregate of no rows is NULL, the page [].
    aggregates.clear()
    assert dbapi.list_hosts(limit=5, filters={'rack': 'nowhere'}) == []
    assert aggregates == [None]


def _row(table, i):
    """Values for every column of ``table``: awkward, distinct per i,
    NULL in nullable columns of every third row."""
    values = {}
    for column in table.columns:
        if column.primary_key:
            continue
        if column.nullable and i % 3 == 2:
            values[column.name] = None
        elif isinstance(column.type, db_types.JsonEncodedType):
            values[column.name] = column.type.type(
                {'k': [1.0, 1e5, 'é\n😀', None, i]}
                if column.type.type is dict
                else [1.0, {'a': 'b"\\'}, i]
            )
        elif isinstance(column.type, sa.DateTime):
            values[column.name] = T0 + datetime.timedelta(seconds=i)
        elif isinstance(column.type, sa.Integer):
            values[column.name] = i
        else:
            text = f'{i}-{column.name} "é\\ 😀\n'
            length = getattr(column.type, 'length', None)
            values[column.name] = text[:length] if length else text
    return values


@pytest.mark.parametrize(
    'model',
    [
        models.Host,
        models.Alert,
        models.Place,
        models.Plan,
        models.AuditFinding,
    ],
    ids=lambda m: m.__name__,
)
def test_every_list_read_as_json_matches_the_plain_read(
    dbapi, database, monkeypatch, model
):
    # Every list whose columns MariaDB renders faithfully takes the JSON
    # read there; each must give what the plain read gives.
    table = model.__table__
    with sa_api._writer() as session:
        session.execute(sa.insert(table), [_row(table, i) for i in range(7)])
    calls = _as_json_calls(monkeypatch)
    for sort_key in ('id', 'uuid'):
        for sort_dir in ('asc', 'desc'):
            for limit in (None, 3):
                calls.clear()
                with sa_api._reader() as session:
                    got = paging.paginate(
                        session,
                        model,
                        sa.select(model),
                        limit,
                        None,
                        sort_key,
                        sort_dir,
                        'row',
                    )
                with monkeypatch.context() as m:
                    m.setattr(paging, '_fetch_as_json', lambda *a: None)
                    with sa_api._reader() as session:
                        want = paging.paginate(
                            session,
                            model,
                            sa.select(model),
                            limit,
                            None,
                            sort_key,
                            sort_dir,
                            'row',
                        )
                assert len(want) == (limit or 7)
                assert got == want, (sort_key, sort_dir, limit)
                assert [list(r) for r in got] == [list(r) for r in want]
                if database.backend == 'mysql':
                    assert calls and calls[-1] is not None
