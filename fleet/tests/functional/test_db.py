"""fleet's schema and database API on real MariaDB and PostgreSQL.

Each test gets a throwaway database (see the ``database`` fixture), runs
the real ``fleet-dbsync`` against it, then uses :mod:`fleet.db.api` on it.
"""

import os
import threading

from alembic import script as alembic_script
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import engines
from oslo_db.sqlalchemy import orm
import pytest

from fleet.common import exception
from fleet.db import api as db_api
from fleet.db import migration
from fleet.tests.functional import base


def head_revision():
    location = os.path.join(
        os.path.dirname(migration.__file__), 'sqlalchemy', 'alembic'
    )
    return alembic_script.ScriptDirectory(location).get_current_head()


@pytest.fixture
def synced(database, tmp_path):
    """The database after ``fleet-dbsync upgrade``; returns its config."""
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {'database': {'connection': database.url}},
    )
    result = base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    assert head_revision() in result.stdout
    return conf


@pytest.fixture
def dbapi(database, synced):
    """fleet.db.api bound to the throwaway database."""
    engine = engines.create_engine(database.url)
    factory = enginefacade._TestTransactionFactory(
        engine, orm.get_maker(engine), apply_global=True
    )
    yield db_api.get_instance()
    factory.dispose_global()
    engine.dispose()


def test_dbsync_version_is_head(synced):
    dbsync = base.fleet_command('fleet-dbsync')
    result = base.run([dbsync, '--config-file', synced, 'version'])
    assert result.stdout.strip() == head_revision()
    # A second upgrade finds nothing to do and keeps the head.
    base.run([dbsync, '--config-file', synced, 'upgrade'])
    result = base.run([dbsync, '--config-file', synced, 'version'])
    assert result.stdout.strip() == head_revision()


def test_version_of_empty_database(database, tmp_path):
    conf = base.write_config(
        tmp_path / 'fleet.conf', {'database': {'connection': database.url}}
    )
    result = base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'version']
    )
    assert 'empty' in result.stdout


def test_hosts(dbapi):
    first = dbapi.create_host(
        {
            'name': 'compute-1',
            'kind': 'compute',
            'state': 'active',
            'source': 'api',
            'labels': {'rack': 'r1', 'gpu': 'no'},
            'facts': {'kernel': '6.1.0'},
        }
    )
    dbapi.create_host(
        {'name': 'compute-2', 'kind': 'compute', 'source': 'api'}
    )
    dbapi.create_host({'name': 'ctl-1', 'kind': 'controller', 'source': 'api'})

    assert dbapi.get_host('compute-1')['uuid'] == first['uuid']
    assert dbapi.get_host(first['uuid'])['labels'] == {
        'rack': 'r1',
        'gpu': 'no',
    }
    names = [h['name'] for h in dbapi.list_hosts()]
    assert names == ['compute-1', 'compute-2', 'ctl-1']
    computes = dbapi.list_hosts(filters={'kind': 'compute'})
    assert [h['name'] for h in computes] == ['compute-1', 'compute-2']
    page = dbapi.list_hosts(limit=2)
    rest = dbapi.list_hosts(limit=2, marker=page[-1]['uuid'])
    assert [h['name'] for h in page + rest] == names

    with pytest.raises(exception.HostAlreadyExists):
        dbapi.create_host({'name': 'compute-1', 'source': 'api'})
    with pytest.raises(exception.HostNotFound):
        dbapi.get_host('nowhere')


def test_reserve_host_conflict(dbapi):
    host = dbapi.create_host({'name': 'compute-9', 'source': 'api'})
    run_a, run_b = base.unique('run-a-'), base.unique('run-b-')

    held = dbapi.reserve_host(host['uuid'], run_a)
    assert held['execution_uuid'] == run_a
    # The same run may ask again; another run is refused.
    assert dbapi.reserve_host('compute-9', run_a)['execution_uuid'] == run_a
    with pytest.raises(exception.HostBusy):
        dbapi.reserve_host('compute-9', run_b)
    with pytest.raises(exception.HostBusy):
        dbapi.destroy_host('compute-9')

    # Releasing for another run changes nothing; the holder's release does.
    dbapi.release_host('compute-9', run_b)
    assert dbapi.get_host('compute-9')['execution_uuid'] == run_a
    dbapi.release_host('compute-9', run_a)
    assert dbapi.get_host('compute-9')['execution_uuid'] is None
    assert dbapi.reserve_host('compute-9', run_b)['execution_uuid'] == run_b


def test_reserve_host_race(dbapi):
    """Of many runs racing for one host on a real server exactly one
    wins."""
    dbapi.create_host({'name': 'compute-race', 'source': 'api'})
    runs = [base.unique('run-') for _ in range(8)]
    barrier = threading.Barrier(len(runs))
    won, busy, errors = [], [], []

    def reserve(run):
        barrier.wait()
        try:
            dbapi.reserve_host('compute-race', run)
            won.append(run)
        except exception.HostBusy:
            busy.append(run)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=reserve, args=(r,)) for r in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(won) == 1, won
    assert len(busy) == len(runs) - 1
    assert dbapi.get_host('compute-race')['execution_uuid'] == won[0]


def test_concurrent_drains_reserve_capacity(dbapi):
    """Drains racing for the same spare room on a real server: the check
    and the reservation are one transaction under one lock, so only as
    many drains as fit reserve (2 of 4), round after round."""
    from fleet.tests.unit.db.sqlalchemy import test_capacity

    for round_ in range(5):
        names = test_capacity.make_cloud(
            dbapi, 4, prefix=f'r{round_}-', zone=f'az{round_}'
        )
        won, refused, errors = test_capacity.race_drains(dbapi, names)
        assert errors == []
        assert len(won) == 2, (round_, won, refused)
        assert len(refused) == 2
        reserved = dbapi.list_reservations()
        assert sorted(r['execution_uuid'] for r in reserved) == sorted(won)
        assert sum(r['vcpus'] for r in reserved) == 8
        for uuid in won:
            assert dbapi.release_reservations(uuid) == 1


def test_twenty_admissions_against_a_budget_of_two(dbapi):
    """Twenty drains asked at once, each from its own thread and
    connection, against ``[budget] max_out_per_az = 2`` on a real server:
    the budget check and the admission are one transaction under the
    admission lock row, so never three hosts are out."""
    from oslo_config import cfg

    from fleet.common import states
    from fleet.tests.unit.common import test_budget

    cfg.CONF.set_override('max_out_per_az', '2', group='budget')
    try:
        names = test_budget.make_hosts(dbapi, 20, prefix='adm-')
        runs, errors = test_budget.race_admissions(dbapi, names)
    finally:
        cfg.CONF.clear_override('max_out_per_az', group='budget')
    assert errors == []
    got = sorted(r['state'] for r in dbapi.list_executions())
    assert got == [states.EXEC_PENDING] * 2 + [states.EXEC_WAITING] * 18


def test_twenty_runbook_triggers_against_max_hosts_two(dbapi):
    """Twenty alerts of one runbook (``limits.max_hosts`` 2) evaluated at
    once, each from its own thread and connection, on a real server: the
    runbook's limit is enforced at the admission point, so never three of
    its hosts are out and the other runs wait with the reason."""
    from fleet.tests.unit.alerts import test_runbook_limits as t
    from fleet.tests.unit.common import test_budget

    names = test_budget.make_hosts(dbapi, 20, prefix='rbk-')
    runbook, decisions, errors = t.race_runbook_triggers(dbapi, names)
    t.check_race(dbapi, runbook, decisions, errors, 20)
