"""Capacity reservations: check and reserve in one transaction.

:func:`race_drains` is also run on MariaDB and PostgreSQL by
``fleet/tests/functional/test_db.py``.
"""

import threading

import fixtures

from fleet.common import states
from fleet.inventory import capacity
from fleet.tests import base


class Refused(Exception):
    pass


def _check(source, demand):
    def check(hosts, instances, reservations):
        result = capacity.check_drain(
            hosts, instances, source, demand, reservations=reservations
        )
        if not result['fits']:
            raise Refused(result['unplaced'])
        return {
            'availability_zone': result['availability_zone'],
            'instances': {
                d['uuid']: {k: v for k, v in d.items() if k != 'uuid'}
                for d in demand
            },
            'details': {'placement': result['placement']},
            **result['needed'],
        }

    return check


def make_cloud(dbapi, sources=4, prefix='', zone='az1'):
    """``sources`` full hosts with two 2-vCPU instances each, and one
    empty ``spare`` with room for exactly two of them, in ``zone``."""
    names = [f'{prefix}src{i}' for i in range(sources)]
    for name in names:
        dbapi.create_host(
            {
                'name': name,
                'kind': 'compute',
                'availability_zone': zone,
                'facts': {'vcpus': 4, 'memory_mb': 4096, 'disk_gb': 100},
            }
        )
        for n in range(2):
            dbapi.apply_instance(
                {
                    'uuid': f'{name}-vm{n}',
                    'host': name,
                    'vcpus': 2,
                    'memory_mb': 512,
                    'disk_gb': 10,
                }
            )
    dbapi.create_host(
        {
            'name': f'{prefix}spare',
            'kind': 'compute',
            'availability_zone': zone,
            'facts': {'vcpus': 8, 'memory_mb': 8192, 'disk_gb': 100},
        }
    )
    return names


def race_drains(dbapi, names):
    """Every host of ``names`` is drained at once, from its own thread;
    returns ``(won, refused, errors)`` (execution uuids, exceptions)."""
    runs = {}
    for name in names:
        host = dbapi.get_host(name)
        run = dbapi.create_execution(
            {
                'kind': 'drain',
                'state': states.EXEC_RUNNING,
                'host_uuid': host['uuid'],
            }
        )
        runs[run['uuid']] = name
    barrier = threading.Barrier(len(runs))
    won, refused, errors = [], [], []

    def drain(uuid, name):
        demand = capacity.demand_of(dbapi.list_instances({'host': name}))
        barrier.wait()
        try:
            dbapi.reserve_capacity(uuid, name, _check(name, demand))
            won.append(uuid)
        except Refused:
            refused.append(uuid)
        except Exception as e:  # reported, not lost in the thread
            errors.append(e)

    threads = [
        threading.Thread(target=drain, args=item) for item in runs.items()
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won, refused, errors


class TestReserveCapacity(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.names = make_cloud(self.dbapi, sources=2)
        self.run = self.dbapi.create_execution(
            {'kind': 'drain', 'state': states.EXEC_RUNNING}
        )['uuid']

    def demand(self, name):
        return capacity.demand_of(self.dbapi.list_instances({'host': name}))

    def test_reserve_records_the_check_answer(self):
        got = self.dbapi.reserve_capacity(
            self.run, 'src0', _check('src0', self.demand('src0'))
        )
        self.assertEqual('src0', got['host_name'])
        self.assertEqual('az1', got['availability_zone'])
        self.assertEqual(4, got['vcpus'])
        self.assertEqual({'src0-vm0', 'src0-vm1'}, set(got['instances']))
        self.assertEqual([got], self.dbapi.list_reservations())
        self.assertEqual(
            [got], self.dbapi.list_reservations({'host_name': 'src0'})
        )
        self.assertEqual([], self.dbapi.list_reservations({'host_name': 'x'}))

    def test_a_refusal_records_nothing(self):
        def refuse(hosts, instances, reservations):
            raise Refused('no')

        self.assertRaises(
            Refused, self.dbapi.reserve_capacity, self.run, 'src0', refuse
        )
        self.assertEqual([], self.dbapi.list_reservations())

    def test_the_check_sees_the_others_not_its_own(self):
        seen = []

        def spy(hosts, instances, reservations):
            seen.append(
                (
                    sorted(h['name'] for h in hosts),
                    len(instances),
                    [r['execution_uuid'] for r in reservations],
                )
            )
            return {}

        self.dbapi.reserve_capacity(self.run, 'src0', spy)
        self.dbapi.reserve_capacity(self.run, 'src0', spy)
        other = self.dbapi.create_execution(
            {'kind': 'drain', 'state': states.EXEC_RUNNING}
        )['uuid']
        self.dbapi.reserve_capacity(other, 'src1', spy)
        self.assertEqual(
            [
                (['spare', 'src0', 'src1'], 4, []),
                (['spare', 'src0', 'src1'], 4, []),
                (['spare', 'src0', 'src1'], 4, [self.run]),
            ],
            seen,
        )
        # The second call replaced the first: one per run.
        self.assertEqual(2, len(self.dbapi.list_reservations()))

    def test_release(self):
        self.dbapi.reserve_capacity(
            self.run, 'src0', _check('src0', self.demand('src0'))
        )
        self.assertEqual(1, self.dbapi.release_reservations(self.run))
        self.assertEqual(0, self.dbapi.release_reservations(self.run))
        self.assertEqual([], self.dbapi.list_reservations())

    def test_reservations_of_ended_runs_are_dropped(self):
        self.dbapi.reserve_capacity(
            self.run, 'src0', _check('src0', self.demand('src0'))
        )
        self.dbapi.update_execution(self.run, {'state': states.EXEC_CANCELLED})
        # Not listed (the API's what-if) even before it is dropped.
        self.assertEqual([], self.dbapi.list_reservations())
        other = self.dbapi.create_execution(
            {'kind': 'drain', 'state': states.EXEC_RUNNING}
        )['uuid']
        seen = []

        def spy(hosts, instances, reservations):
            seen.extend(reservations)
            return {}

        self.dbapi.reserve_capacity(other, 'src1', spy)
        self.assertEqual([], seen)
        self.assertEqual(
            [other],
            [r['execution_uuid'] for r in self.dbapi.list_reservations()],
        )

    def test_works_without_the_lock_row(self):
        # A database whose row was deleted (or never inserted): the first
        # check puts it back.
        from fleet.db.sqlalchemy import base as sa_base
        from fleet.db.sqlalchemy import models

        with sa_base.writer() as session:
            session.query(models.CapacityLock).delete()
        self.dbapi.reserve_capacity(
            self.run, 'src0', _check('src0', self.demand('src0'))
        )
        with sa_base.reader() as session:
            self.assertEqual(1, session.query(models.CapacityLock).count())


class TestConcurrentDrains(base.TestCase):
    """Real threads, each with its own connection to one SQLite file."""

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(base.Database(f'sqlite:///{tmp}/capacity.sqlite'))
        from fleet.db import api as db_api

        self.dbapi = db_api.get_instance()

    def test_only_as_many_drains_as_fit_reserve(self):
        for round_ in range(5):
            names = make_cloud(
                self.dbapi, 4, prefix=f'r{round_}-', zone=f'az{round_}'
            )
            won, refused, errors = race_drains(self.dbapi, names)
            self.assertEqual([], errors)
            # The spare has room for two hosts' instances, not four.
            self.assertEqual(2, len(won), round_)
            self.assertEqual(2, len(refused), round_)
            reserved = self.dbapi.list_reservations()
            self.assertEqual(
                sorted(won), sorted(r['execution_uuid'] for r in reserved)
            )
            self.assertEqual(8, sum(r['vcpus'] for r in reserved))
            for uuid in won:
                self.dbapi.release_reservations(uuid)
