"""Tests of the SQLAlchemy database API on SQLite."""

import threading

import fixtures
from oslo_utils import uuidutils

from fleet.common import exception
from fleet.common import states
from fleet.tests import base

RUN_A = 'aaaaaaaa-0000-4000-8000-000000000001'
RUN_B = 'bbbbbbbb-0000-4000-8000-000000000002'


class TestHosts(base.DbTestCase):
    def test_create_defaults(self):
        host = self.dbapi.create_host({'name': 'c1'})
        self.assertTrue(uuidutils.is_uuid_like(host['uuid']))
        self.assertEqual('compute', host['kind'])
        self.assertEqual(states.HOST_ACTIVE, host['state'])
        self.assertEqual('api', host['source'])
        for key in ('labels', 'variables', 'facts', 'metrics'):
            self.assertEqual({}, host[key])
        self.assertIsNone(host['execution_uuid'])
        self.assertIsNotNone(host['created_at'])

    def test_create_keeps_given_uuid_and_json(self):
        uuid = uuidutils.generate_uuid()
        self.dbapi.create_host(
            {
                'uuid': uuid,
                'name': 'c1',
                'labels': {'a': 'b'},
                'facts': {'kernel': '6.8', 'packages': ['nova', 'libvirt']},
            }
        )
        host = self.dbapi.get_host(uuid)
        self.assertEqual({'a': 'b'}, host['labels'])
        self.assertEqual(['nova', 'libvirt'], host['facts']['packages'])

    def test_get_by_name_and_uuid(self):
        host = self.dbapi.create_host({'name': 'c1'})
        self.assertEqual(host, self.dbapi.get_host('c1'))
        self.assertEqual(host, self.dbapi.get_host(host['uuid']))

    def test_get_not_found(self):
        e = self.assertRaises(
            exception.HostNotFound, self.dbapi.get_host, 'nope'
        )
        self.assertEqual(404, e.code)
        self.assertIn('nope', e.message)
        self.assertRaises(
            exception.HostNotFound,
            self.dbapi.get_host,
            uuidutils.generate_uuid(),
        )

    def test_duplicate_name(self):
        self.dbapi.create_host({'name': 'c1'})
        e = self.assertRaises(
            exception.HostAlreadyExists, self.dbapi.create_host, {'name': 'c1'}
        )
        self.assertEqual(409, e.code)
        self.assertIn('c1', e.message)
        self.assertEqual(1, len(self.dbapi.list_hosts()))

    def test_duplicate_uuid(self):
        host = self.dbapi.create_host({'name': 'c1'})
        self.assertRaises(
            exception.HostAlreadyExists,
            self.dbapi.create_host,
            {'name': 'c2', 'uuid': host['uuid']},
        )

    def test_update(self):
        host = self.dbapi.create_host({'name': 'c1'})
        updated = self.dbapi.update_host(
            'c1', {'rack': 'r1', 'labels': {'x': 'y'}}
        )
        self.assertEqual('r1', updated['rack'])
        self.assertEqual({'x': 'y'}, self.dbapi.get_host('c1')['labels'])
        self.assertIsNotNone(updated['updated_at'])
        self.assertEqual(host['uuid'], updated['uuid'])

    def test_update_ignores_id_and_uuid(self):
        host = self.dbapi.create_host({'name': 'c1'})
        updated = self.dbapi.update_host(
            host['uuid'], {'id': 999, 'uuid': RUN_A, 'rack': 'r'}
        )
        self.assertEqual(host['id'], updated['id'])
        self.assertEqual(host['uuid'], updated['uuid'])

    def test_update_rename_to_taken_name(self):
        self.dbapi.create_host({'name': 'c1'})
        self.dbapi.create_host({'name': 'c2'})
        self.assertRaises(
            exception.HostAlreadyExists,
            self.dbapi.update_host,
            'c2',
            {'name': 'c1'},
        )

    def test_update_expected_state(self):
        self.dbapi.create_host({'name': 'c1'})
        updated = self.dbapi.update_host(
            'c1',
            {'state': states.HOST_DRAINING},
            expected_state=states.HOST_ACTIVE,
        )
        self.assertEqual(states.HOST_DRAINING, updated['state'])
        e = self.assertRaises(
            exception.InvalidState,
            self.dbapi.update_host,
            'c1',
            {'state': states.HOST_MAINTENANCE},
            expected_state=states.HOST_ACTIVE,
        )
        self.assertEqual(409, e.code)
        self.assertIn('draining', e.message)
        self.assertEqual(
            states.HOST_DRAINING, self.dbapi.get_host('c1')['state']
        )

    def test_update_not_found(self):
        self.assertRaises(
            exception.HostNotFound, self.dbapi.update_host, 'x', {'rack': 'r'}
        )

    def test_destroy(self):
        host = self.dbapi.create_host({'name': 'c1'})
        self.dbapi.destroy_host(host['uuid'])
        self.assertRaises(exception.HostNotFound, self.dbapi.get_host, 'c1')
        self.assertRaises(
            exception.HostNotFound, self.dbapi.destroy_host, 'c1'
        )

    def test_destroy_reserved(self):
        self.dbapi.create_host({'name': 'c1'})
        self.dbapi.reserve_host('c1', RUN_A)
        e = self.assertRaises(
            exception.HostBusy, self.dbapi.destroy_host, 'c1'
        )
        self.assertIn(RUN_A, e.message)
        self.dbapi.get_host('c1')


class TestReserveHost(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.host = self.dbapi.create_host({'name': 'c1'})

    def test_reserve(self):
        host = self.dbapi.reserve_host('c1', RUN_A)
        self.assertEqual(RUN_A, host['execution_uuid'])
        self.assertEqual(RUN_A, self.dbapi.get_host('c1')['execution_uuid'])

    def test_second_run_is_refused(self):
        self.dbapi.reserve_host('c1', RUN_A)
        e = self.assertRaises(
            exception.HostBusy, self.dbapi.reserve_host, 'c1', RUN_B
        )
        self.assertEqual(409, e.code)
        self.assertIn(RUN_A, e.message)
        self.assertEqual(RUN_A, self.dbapi.get_host('c1')['execution_uuid'])

    def test_same_run_may_reserve_again(self):
        self.dbapi.reserve_host('c1', RUN_A)
        host = self.dbapi.reserve_host(self.host['uuid'], RUN_A)
        self.assertEqual(RUN_A, host['execution_uuid'])

    def test_release_only_by_holder(self):
        self.dbapi.reserve_host('c1', RUN_A)
        self.dbapi.release_host('c1', RUN_B)
        self.assertEqual(RUN_A, self.dbapi.get_host('c1')['execution_uuid'])
        self.dbapi.release_host('c1', RUN_A)
        self.assertIsNone(self.dbapi.get_host('c1')['execution_uuid'])
        # Then another run may take it.
        self.dbapi.reserve_host('c1', RUN_B)

    def test_release_unreserved_is_a_noop(self):
        self.dbapi.release_host('c1', RUN_A)
        self.assertIsNone(self.dbapi.get_host('c1')['execution_uuid'])

    def test_reserve_unknown_host(self):
        self.assertRaises(
            exception.HostNotFound, self.dbapi.reserve_host, 'nope', RUN_A
        )

    def test_racing_runs_exactly_one_wins(self):
        # A database file: each thread gets its own connection, as with a
        # real server (the in-memory one is a single shared connection).
        tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(base.Database(f'sqlite:///{tmp}/race.sqlite'))
        self.dbapi.create_host({'name': 'c1'})
        runs = [f'{i:08d}-0000-4000-8000-000000000000' for i in range(8)]
        barrier = threading.Barrier(len(runs))
        won, busy, errors = [], [], []

        def reserve(run):
            barrier.wait()
            try:
                self.dbapi.reserve_host('c1', run)
                won.append(run)
            except exception.HostBusy:
                busy.append(run)
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=reserve, args=(r,)) for r in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([], errors)
        self.assertEqual(1, len(won))
        self.assertEqual(len(runs) - 1, len(busy))
        self.assertEqual(won[0], self.dbapi.get_host('c1')['execution_uuid'])


class TestListHosts(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.hosts = [
            self.dbapi.create_host(
                {
                    'name': f'h{i}',
                    'kind': 'compute' if i % 2 else 'network',
                    'availability_zone': f'az{i % 3}',
                    'source': 'fake' if i < 3 else 'api',
                }
            )
            for i in range(6)
        ]

    def names(self, hosts):
        return [h['name'] for h in hosts]

    def test_all(self):
        self.assertEqual(
            [f'h{i}' for i in range(6)], self.names(self.dbapi.list_hosts())
        )

    def test_pages(self):
        page1 = self.dbapi.list_hosts(limit=4)
        page2 = self.dbapi.list_hosts(limit=4, marker=page1[-1]['uuid'])
        self.assertEqual(['h0', 'h1', 'h2', 'h3'], self.names(page1))
        self.assertEqual(['h4', 'h5'], self.names(page2))

    def test_sorted_pages(self):
        page1 = self.dbapi.list_hosts(
            limit=3, sort_key='name', sort_dir='desc'
        )
        page2 = self.dbapi.list_hosts(
            limit=3, sort_key='name', sort_dir='desc', marker=page1[-1]['uuid']
        )
        self.assertEqual(
            ['h5', 'h4', 'h3', 'h2', 'h1', 'h0'],
            self.names(page1 + page2),
        )

    def test_pages_on_a_non_unique_key(self):
        seen, marker = [], None
        while True:
            page = self.dbapi.list_hosts(
                limit=2, sort_key='kind', marker=marker
            )
            seen.extend(self.names(page))
            if len(page) < 2:
                break
            marker = page[-1]['uuid']
        self.assertEqual(['h1', 'h3', 'h5', 'h0', 'h2', 'h4'], seen)

    def test_unknown_marker(self):
        marker = uuidutils.generate_uuid()
        e = self.assertRaises(
            exception.InvalidMarker, self.dbapi.list_hosts, marker=marker
        )
        self.assertEqual(400, e.code)
        self.assertIn(marker, e.message)

    def test_filters(self):
        self.assertEqual(
            ['h1', 'h3', 'h5'],
            self.names(self.dbapi.list_hosts(filters={'kind': 'compute'})),
        )
        self.assertEqual(
            ['h1', 'h4'],
            self.names(
                self.dbapi.list_hosts(filters={'availability_zone': 'az1'})
            ),
        )
        self.assertEqual(
            ['h0', 'h1', 'h2'],
            self.names(self.dbapi.list_hosts(filters={'source': ['fake']})),
        )
        self.assertEqual(
            ['h3'],
            self.names(
                self.dbapi.list_hosts(
                    filters={'kind': 'compute', 'source': ('api',)},
                    limit=1,
                )
            ),
        )

    def test_filter_by_execution(self):
        self.dbapi.reserve_host('h2', RUN_A)
        self.assertEqual(
            ['h2'],
            self.names(
                self.dbapi.list_hosts(filters={'execution_uuid': RUN_A})
            ),
        )

    def test_unknown_filter(self):
        e = self.assertRaises(
            exception.InvalidParameterValue,
            self.dbapi.list_hosts,
            filters={'colour': 'red'},
        )
        self.assertIn("'colour'", e.message)

    def test_unknown_sort_key(self):
        self.assertRaises(
            exception.InvalidParameterValue,
            self.dbapi.list_hosts,
            sort_key='nonexistent',
        )


class TestExecutions(base.DbTestCase):
    def create(self, **values):
        values.setdefault('kind', 'maintenance')
        values.setdefault('state', states.EXEC_PENDING)
        return self.dbapi.create_execution(values)

    def test_create_and_get(self):
        execution = self.create(host_uuid=RUN_B, parameters={'a': 1})
        self.assertTrue(uuidutils.is_uuid_like(execution['uuid']))
        self.assertEqual({}, execution['progress'])
        self.assertFalse(execution['cancel_requested'])
        got = self.dbapi.get_execution(execution['uuid'])
        self.assertEqual({'a': 1}, got['parameters'])
        self.assertEqual(RUN_B, got['host_uuid'])

    def test_get_not_found(self):
        self.assertRaises(
            exception.ExecutionNotFound, self.dbapi.get_execution, RUN_A
        )

    def test_update_expected_states(self):
        execution = self.create()
        updated = self.dbapi.update_execution(
            execution['uuid'],
            {'state': states.EXEC_RUNNING},
            expected_states=states.EXEC_ACTIVE_STATES,
        )
        self.assertEqual(states.EXEC_RUNNING, updated['state'])
        self.dbapi.update_execution(
            execution['uuid'], {'state': states.EXEC_SUCCEEDED}
        )
        e = self.assertRaises(
            exception.InvalidState,
            self.dbapi.update_execution,
            execution['uuid'],
            {'state': states.EXEC_CANCELLING},
            expected_states=states.EXEC_ACTIVE_STATES,
        )
        self.assertIn('succeeded', e.message)
        self.assertEqual(
            states.EXEC_SUCCEEDED,
            self.dbapi.get_execution(execution['uuid'])['state'],
        )

    def test_list_filters_and_pages(self):
        a = self.create(host_uuid=RUN_A)
        self.create(host_uuid=RUN_B, state=states.EXEC_FAILED)
        c = self.create(host_uuid=RUN_A)
        self.assertEqual(
            [a['uuid'], c['uuid']],
            [
                e['uuid']
                for e in self.dbapi.list_executions(
                    filters={'host_uuid': RUN_A}
                )
            ],
        )
        page = self.dbapi.list_executions(limit=1, marker=a['uuid'])
        self.assertEqual(states.EXEC_FAILED, page[0]['state'])
        self.assertRaises(
            exception.InvalidMarker, self.dbapi.list_executions, marker=RUN_B
        )

    def test_events_in_order(self):
        execution = self.create()
        self.dbapi.add_execution_event(execution['uuid'], 'first')
        self.dbapi.add_execution_event(
            execution['uuid'],
            'second',
            level='error',
            step='DisableComputeService',
            details={'code': 1},
        )
        events = self.dbapi.list_execution_events(execution['uuid'])
        self.assertEqual(['first', 'second'], [e['message'] for e in events])
        self.assertEqual('info', events[0]['level'])
        self.assertEqual({}, events[0]['details'])
        self.assertEqual('DisableComputeService', events[1]['step'])
        self.assertEqual({'code': 1}, events[1]['details'])

    def test_events_of_unknown_execution(self):
        self.assertRaises(
            exception.ExecutionNotFound,
            self.dbapi.add_execution_event,
            RUN_A,
            'x',
        )
        self.assertRaises(
            exception.ExecutionNotFound,
            self.dbapi.list_execution_events,
            RUN_A,
        )
