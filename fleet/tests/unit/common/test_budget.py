"""Disruption budgets at the one admission point.

:func:`race_admissions` is also run on MariaDB by
``fleet/tests/functional/test_db.py``.
"""

import threading
from unittest import mock

import fixtures

from fleet.common import budget
from fleet.common import exception
from fleet.common import executions
from fleet.common import states
from fleet.tests import base


def make_hosts(dbapi, count, prefix='h', zone='az1', rack=None):
    names = []
    for i in range(count):
        name = f'{prefix}{i}'
        dbapi.create_host(
            {
                'name': name,
                'kind': 'compute',
                'availability_zone': zone,
                'rack': rack,
            }
        )
        names.append(name)
    return names


def race_admissions(dbapi, names, rpcapi=None):
    """A drain of every host of ``names`` asked at once, each from its
    own thread, through executions.create (the API's path); returns
    ``(runs, errors)``."""
    rpcapi = rpcapi or mock.Mock()
    params = {'kind': 'drain'}
    barrier = threading.Barrier(len(names))
    runs, errors = [], []

    def ask(name):
        host = dbapi.get_host(name)
        barrier.wait()
        try:
            runs.append(
                executions.create(
                    dbapi, rpcapi, None, host, dict(params), {'user_id': 'u'}
                )
            )
        except Exception as e:  # reported, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=ask, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return runs, errors


def by_state(dbapi, state):
    return dbapi.list_executions(filters={'state': state})


class TestCheck(base.TestCase):
    """The rule alone, on plain dicts."""

    def hosts(self, *specs):
        return [
            {
                'uuid': name,
                'name': name,
                'state': state,
                'availability_zone': 'az1',
                'cell': None,
                'rack': rack,
                'facts': {'aggregates': aggs},
                'nova_service_status': 'enabled',
            }
            for name, state, rack, aggs in specs
        ]

    def run_on(self, host, plan=None):
        return {'uuid': f'run-{host}', 'host_uuid': host, 'plan_uuid': plan}

    def test_a_percentage_rounds_down_but_allows_one(self):
        self.assertEqual(1, budget.parse_limit('10%', 5))
        self.assertEqual(2, budget.parse_limit('10%', 29))
        self.assertEqual(3, budget.parse_limit(3, 100))
        self.assertIsNone(budget.parse_limit('', 100))
        for bad in ('0', '-1', 'two', '0%', '150%'):
            self.assertRaises(exception.Invalid, budget.parse_limit, bad, 9)

    def test_a_rack_full_of_outages_makes_the_next_wait(self):
        hosts = self.hosts(
            ('a', 'maintenance', 'r1', []),
            ('b', 'active', 'r1', []),
            ('c', 'active', 'r2', []),
        )
        limits = {'max_out_per_rack': '1', 'anti_affinity': True}
        reason = budget.check(self.run_on('b'), hosts, [], [], limits)
        self.assertEqual(
            'rack r1 has 1 of 1 allowed hosts out of service (a)', reason
        )
        self.assertIsNone(
            budget.check(self.run_on('c'), hosts, [], [], limits)
        )

    def test_an_aggregate_counts_every_aggregate_of_the_host(self):
        hosts = self.hosts(
            ('a', 'active', None, ['gpu']),
            ('b', 'active', None, ['gpu', 'ssd']),
        )
        admitted = [self.run_on('a')]
        limits = {'max_out_per_aggregate': '50%'}
        self.assertEqual(
            'aggregate gpu has 1 of 1 allowed hosts out of service (a)',
            budget.check(self.run_on('b'), hosts, admitted, [], limits),
        )

    def test_a_disabled_compute_counts_as_out(self):
        hosts = self.hosts(
            ('a', 'active', None, []), ('b', 'active', None, [])
        )
        hosts[0]['nova_service_status'] = 'disabled'
        self.assertIn(
            'availability zone az1 has 1 of 1',
            budget.check(
                self.run_on('b'), hosts, [], [], {'max_out_per_az': 1}
            ),
        )

    def test_a_host_already_out_adds_nothing_to_its_domains(self):
        # Draining a host an operator already took out disrupts nothing
        # more: it must not wait forever behind itself.
        hosts = self.hosts(('a', 'unmanaged', None, []))
        self.assertIsNone(
            budget.check(
                self.run_on('a'), hosts, [], [], {'max_out_per_az': 1}
            )
        )

    def test_anti_affinity_members_are_never_out_together(self):
        hosts = self.hosts(
            ('a', 'active', None, []),
            ('b', 'active', None, []),
            ('c', 'active', None, []),
        )
        instances = [
            {
                'host': 'a',
                'server_group': 'g1',
                'server_group_policy': 'anti-affinity',
            },
            {
                'host': 'b',
                'server_group': 'g1',
                'server_group_policy': 'anti-affinity',
            },
            {
                'host': 'c',
                'server_group': 'g2',
                'server_group_policy': 'affinity',
            },
        ]
        admitted = [self.run_on('a')]
        limits = {'anti_affinity': True}
        self.assertEqual(
            'server group g1 (anti-affinity) has members on a, out of '
            'service; b also holds one',
            budget.check(self.run_on('b'), hosts, admitted, instances, limits),
        )
        # An affinity group is not kept apart.
        self.assertIsNone(
            budget.check(self.run_on('c'), hosts, admitted, instances, limits)
        )
        # Turned off by a plan's budget: b may go.
        self.assertIsNone(
            budget.check(
                self.run_on('b'),
                hosts,
                admitted,
                instances,
                {'anti_affinity': False},
            )
        )

    def test_a_plan_has_its_own_limit(self):
        hosts = self.hosts(*((n, 'active', None, []) for n in 'abc'))
        admitted = [self.run_on('a', plan='p1'), self.run_on('b', plan='p2')]
        limits = {'max_at_once': 1}
        self.assertEqual(
            'plan p1 has 1 of 1 allowed hosts out at once (a)',
            budget.check(self.run_on('c', 'p1'), hosts, admitted, [], limits),
        )
        self.assertIsNone(
            budget.check(self.run_on('c', 'p3'), hosts, admitted, [], limits)
        )

    def test_validate_refuses_unknown_keys_and_bad_limits(self):
        e = self.assertRaises(
            exception.Invalid, budget.validate, {'max_out_per_planet': 1}
        )
        self.assertIn('max_out_per_planet', str(e))
        self.assertRaises(
            exception.Invalid, budget.validate, {'max_at_once': '50%'}
        )
        self.assertRaises(
            exception.Invalid, budget.validate, {'max_out_per_az': 'x'}
        )


class TestAdmission(base.DbTestCase):
    """executions.create/finish with the real database."""

    def setUp(self):
        super().setUp()
        self.config(max_out_per_az='2', group='budget')
        self.rpcapi = mock.Mock()
        self.addCleanup(executions.set_start_hook, None)

    def create(self, name, **kw):
        return executions.create(
            self.dbapi,
            self.rpcapi,
            None,
            self.dbapi.get_host(name),
            {'kind': 'drain'},
            {'user_id': 'u'},
            **kw,
        )

    def test_twenty_at_once_against_a_budget_of_two(self):
        # Real threads, each with its own connection to one SQLite file.
        tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(base.Database(f'sqlite:///{tmp}/admission.sqlite'))
        names = make_hosts(self.dbapi, 20)
        runs, errors = race_admissions(self.dbapi, names, self.rpcapi)
        self.assertEqual([], errors)
        self.assertEqual(20, len(runs))
        self.assertEqual(
            [states.EXEC_PENDING] * 2 + [states.EXEC_WAITING] * 18,
            sorted(r["state"] for r in self.dbapi.list_executions()),
        )
        waiting = by_state(self.dbapi, states.EXEC_WAITING)
        self.assertEqual(18, len(waiting))
        for run in waiting:
            self.assertTrue(
                run['waiting_reason'].startswith(
                    'availability zone az1 has 2 of 2 allowed hosts out'
                ),
                run['waiting_reason'],
            )
        # Only admitted runs were handed to a conductor.
        self.assertEqual(2, self.rpcapi.start_execution.call_count)
        # Every host is held by its own run, waiting or not: no other
        # run can take it meanwhile.
        for run in runs:
            host = self.dbapi.get_host(run['host_uuid'])
            self.assertEqual(run['uuid'], host['execution_uuid'])

    def test_a_waiting_run_is_admitted_when_another_ends(self):
        make_hosts(self.dbapi, 3)
        first, second = self.create('h0'), self.create('h1')
        third = self.create('h2')
        self.assertEqual(states.EXEC_WAITING, third['state'])
        started = []
        executions.set_start_hook(lambda uuid: started.append(uuid) or True)
        executions.mark_running(self.dbapi, first['uuid'])
        executions.finish(self.dbapi, first['uuid'], states.EV_FAIL, 'boom')
        third = self.dbapi.get_execution(third['uuid'])
        self.assertEqual(states.EXEC_PENDING, third['state'])
        self.assertIsNone(third['waiting_reason'])
        self.assertEqual([third['uuid']], started)
        messages = [
            e['message']
            for e in self.dbapi.list_execution_events(third['uuid'])
        ]
        self.assertIn(
            'Waiting: availability zone az1 has 2 of 2 allowed hosts out '
            'of service (h0, h1).',
            messages,
        )
        self.assertIn('Admitted: every disruption budget has room.', messages)
        self.assertEqual(
            states.EXEC_PENDING,
            self.dbapi.get_execution(second['uuid'])['state'],
        )

    def test_a_waiting_run_can_be_cancelled_and_frees_its_host(self):
        make_hosts(self.dbapi, 3)
        self.create('h0'), self.create('h1')
        third = self.create('h2')
        ctx = mock.Mock(user_id='op')
        ended = executions.request_cancel(
            self.dbapi, self.rpcapi, ctx, third['uuid']
        )
        self.assertEqual(states.EXEC_CANCELLED, ended['state'])
        self.assertIsNone(self.dbapi.get_host('h2')['execution_uuid'])

    def test_anti_affinity_keeps_the_second_holder_waiting(self):
        self.config(max_out_per_az=None, group='budget')
        make_hosts(self.dbapi, 3)
        for host in ('h0', 'h1'):
            self.dbapi.apply_instance(
                {
                    'uuid': f'vm-{host}',
                    'host': host,
                    'server_group': 'g1',
                    'server_group_policy': 'anti-affinity',
                }
            )
        first = self.create('h0')
        second = self.create('h1')
        other = self.create('h2')
        self.assertEqual(states.EXEC_PENDING, first['state'])
        self.assertEqual(states.EXEC_WAITING, second['state'])
        self.assertIn('server group g1', second['waiting_reason'])
        self.assertEqual(states.EXEC_PENDING, other['state'])
        executions.mark_running(self.dbapi, first['uuid'])
        executions.finish(self.dbapi, first['uuid'], states.EV_SUCCEED, 'ok')
        self.assertEqual(
            states.EXEC_PENDING,
            self.dbapi.get_execution(second['uuid'])['state'],
        )

    def test_an_approved_run_goes_through_the_budgets(self):
        make_hosts(self.dbapi, 3)
        self.create('h0'), self.create('h1')
        held = self.create('h2', awaiting_approval=True)
        ctx = mock.Mock(user_id='op')
        approved = executions.approve(
            self.dbapi, self.rpcapi, ctx, held['uuid']
        )
        self.assertEqual(states.EXEC_WAITING, approved['state'])
        self.assertEqual(2, self.rpcapi.start_execution.call_count)

    def test_an_admitted_run_that_cannot_be_cast_fails_and_frees_room(self):
        make_hosts(self.dbapi, 3)
        self.rpcapi.start_execution.side_effect = RuntimeError('no bus')
        run = self.create('h0')
        self.assertEqual(states.EXEC_FAILED, run['state'])
        self.assertIn('no bus', run['result'])
        self.assertIsNone(self.dbapi.get_host('h0')['execution_uuid'])
