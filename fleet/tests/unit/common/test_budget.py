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


class FakeReader:
    """What the admission transaction reads on demand, from lists."""

    def __init__(self, instances, reservations=()):
        self._instances = instances
        self._reservations = list(reservations)
        self.asked = []

    def instances(self, names):
        self.asked.append(sorted(names))
        return [i for i in self._instances if i['host'] in set(names)]

    def reservations(self):
        return list(self._reservations)

    def plan_state(self, uuid):
        return None


def sized_host(name, vcpus=8, memory_mb=8192, zone='az1', **kw):
    host = {
        'uuid': name,
        'name': name,
        'state': 'active',
        'availability_zone': zone,
        'cell': None,
        'rack': None,
        'region': None,
        'facts': {'vcpus': vcpus, 'memory_mb': memory_mb, 'disk_gb': 100},
        'nova_service_status': 'enabled',
        'nova_service_state': 'up',
    }
    host.update(kw)
    return host


def vm(uuid, host, vcpus=2, memory_mb=2048, **kw):
    return dict(
        {
            'uuid': uuid,
            'host': host,
            'status': 'ACTIVE',
            'vcpus': vcpus,
            'memory_mb': memory_mb,
            'disk_gb': 10,
            'server_group': None,
            'server_group_policy': None,
        },
        **kw,
    )


class TestHeadroom(base.TestCase):
    """Capacity headroom at admission, on plain dicts."""

    LIMITS = {'capacity_headroom': True, 'anti_affinity': True}

    def run_on(self, host, uuid=None):
        return {
            'uuid': uuid or f'run-{host}',
            'host_uuid': host,
            'plan_uuid': None,
        }

    def check(self, run, hosts, admitted, reader, **limits):
        return budget.check(
            run, hosts, admitted, [], dict(self.LIMITS, **limits), reader
        )

    def test_instances_that_fit_nowhere_make_the_run_wait(self):
        # a holds 6 GiB; b and c have 3 GiB free each: 3 + 3 >= 6 in
        # sum, but an instance of 4 GiB cannot be split.
        hosts = [sized_host('a'), sized_host('b'), sized_host('c')]
        reader = FakeReader(
            [
                vm('v1', 'a', memory_mb=4096),
                vm('v2', 'a', memory_mb=2048),
                vm('v3', 'b', memory_mb=5120),
                vm('v4', 'c', memory_mb=5120),
            ]
        )
        reason = self.check(self.run_on('a'), hosts, [], reader)
        self.assertIsNotNone(reason)
        self.assertTrue(
            reason.startswith(
                'capacity headroom: 1 of 2 instance(s) of a would not fit '
                'on the in-service hosts of availability zone az1'
            ),
            reason,
        )
        # Only the zone's hosts were read.
        self.assertEqual([['a', 'b', 'c']], reader.asked)

    def test_a_second_host_no_longer_fits_once_the_first_is_out(self):
        # Mid-plan: a fits on b+c; once a's run is admitted (its
        # instances not moved yet), b's would need the room a's take.
        hosts = [sized_host('a'), sized_host('b'), sized_host('c')]
        reader = FakeReader(
            [
                vm('v1', 'a', memory_mb=6144),
                vm('v2', 'b', memory_mb=6144),
                vm('v3', 'c', memory_mb=1024),
            ]
        )
        self.assertIsNone(self.check(self.run_on('a'), hosts, [], reader))
        reason = self.check(
            self.run_on('b'), hosts, [self.run_on('a')], reader
        )
        self.assertIn('capacity headroom: 1 of 1 instance(s) of b', reason)
        self.assertIn('after 1 other run(s)', reason)

    def test_a_reserved_drain_counts_what_it_has_left_only(self):
        # a's drain reserved v1 and has moved it to c already: its room
        # on c is counted as c's use, not twice.
        hosts = [sized_host('a'), sized_host('b'), sized_host('c')]
        reader = FakeReader(
            [
                vm('v1', 'c', memory_mb=4096),
                vm('v2', 'b', memory_mb=4096),
            ],
            reservations=[
                {
                    'execution_uuid': 'run-a',
                    'host_name': 'a',
                    'availability_zone': 'az1',
                    'instances': {
                        'v1': {'vcpus': 2, 'memory_mb': 4096, 'disk_gb': 10}
                    },
                }
            ],
        )
        self.assertIsNone(
            self.check(self.run_on('b'), hosts, [self.run_on('a')], reader)
        )

    def test_out_of_service_hosts_are_no_destinations(self):
        hosts = [
            sized_host('a'),
            sized_host('b', nova_service_status='disabled'),
            sized_host('c', state='maintenance'),
        ]
        reader = FakeReader([vm('v1', 'a')])
        reason = self.check(self.run_on('a'), hosts, [], reader)
        self.assertIn('(0 destination(s)', reason)

    def test_other_zones_do_not_help(self):
        hosts = [sized_host('a'), sized_host('b', zone='az2')]
        reader = FakeReader([vm('v1', 'a')])
        self.assertIn(
            'availability zone az1',
            self.check(self.run_on('a'), hosts, [], reader),
        )

    def test_unknown_capacity_and_empty_hosts_are_not_judged(self):
        blind = [
            dict(sized_host('a'), facts={}),
            dict(sized_host('b'), facts={}),
        ]
        self.assertIsNone(
            self.check(
                self.run_on('a'), blind, [], FakeReader([vm('v1', 'a')])
            )
        )
        hosts = [sized_host('a'), sized_host('b', memory_mb=1)]
        self.assertIsNone(
            self.check(self.run_on('a'), hosts, [], FakeReader([]))
        )

    def test_it_can_be_turned_off(self):
        hosts = [sized_host('a'), sized_host('b', memory_mb=1)]
        reader = FakeReader([vm('v1', 'a')])
        self.assertIsNotNone(self.check(self.run_on('a'), hosts, [], reader))
        self.assertIsNone(
            self.check(
                self.run_on('a'), hosts, [], reader, capacity_headroom=False
            )
        )
        # And a host already out of service is not judged either.
        hosts[0]['state'] = 'unmanaged'
        self.assertIsNone(self.check(self.run_on('a'), hosts, [], reader))

    def test_a_target_host_is_the_only_destination(self):
        hosts = [
            sized_host('a'),
            sized_host('b'),
            sized_host('t', memory_mb=1024, zone='az2'),
        ]
        reader = FakeReader([vm('v1', 'a')])
        reason = self.check(
            self.run_on('a'), hosts, [], reader, target_host='t'
        )
        self.assertIn('would not fit on host t', reason)

    def test_validate_takes_booleans_only(self):
        self.assertEqual(
            {'capacity_headroom': False},
            budget.validate({'capacity_headroom': False}),
        )
        self.assertRaises(
            exception.Invalid, budget.validate, {'capacity_headroom': 'no'}
        )


class TestRunbookLimit(base.TestCase):
    def hosts(self):
        return [
            sized_host('a', rack='r1'),
            sized_host('b', rack='r1'),
            sized_host('c', rack='r2'),
        ]

    def run_on(self, host, runbook=None):
        return {
            'uuid': f'run-{host}',
            'host_uuid': host,
            'plan_uuid': None,
            'requested_by': {'runbook_uuid': runbook} if runbook else {},
        }

    def limits(self, per=None, max_hosts=1):
        return {
            'runbook': {
                'runbook_uuid': 'rb1',
                'runbook': 'mem-drain',
                'max_hosts': max_hosts,
                'per': per,
            }
        }

    def test_only_the_runbooks_own_runs_count(self):
        hosts = self.hosts()
        # An operator's run and another runbook's run: not this one's.
        admitted = [self.run_on('a'), self.run_on('c', runbook='rb2')]
        self.assertIsNone(
            budget.check(
                self.run_on('b', 'rb1'), hosts, admitted, [], self.limits()
            )
        )
        admitted = [self.run_on('a', runbook='rb1')]
        self.assertEqual(
            'runbook mem-drain has 1 of 1 allowed hosts in remediation (a)',
            budget.check(
                self.run_on('b', 'rb1'), hosts, admitted, [], self.limits()
            ),
        )

    def test_per_domain(self):
        hosts = self.hosts()
        admitted = [self.run_on('a', runbook='rb1')]
        limits = self.limits(per='rack')
        self.assertEqual(
            'runbook mem-drain has 1 of 1 allowed hosts in remediation in '
            'rack r1 (a)',
            budget.check(self.run_on('b', 'rb1'), hosts, admitted, [], limits),
        )
        self.assertIsNone(
            budget.check(self.run_on('c', 'rb1'), hosts, admitted, [], limits)
        )

    def test_recorded_from_the_runbook(self):
        self.assertIsNone(budget.runbook_limit({'uuid': 'x', 'limits': None}))
        self.assertEqual(
            {
                'runbook_uuid': 'x',
                'runbook': 'n',
                'max_hosts': 2,
                'per': 'cell',
            },
            budget.runbook_limit(
                {
                    'uuid': 'x',
                    'name': 'n',
                    'limits': {'max_hosts': 2, 'per': 'cell'},
                }
            ),
        )


class TestHeadroomAdmission(base.DbTestCase):
    """The headroom through executions.create on the real database."""

    def setUp(self):
        super().setUp()
        self.rpcapi = mock.Mock()
        self.addCleanup(executions.set_start_hook, None)
        for name in ('a', 'b', 'c'):
            self.dbapi.create_host(
                {
                    'name': name,
                    'kind': 'compute',
                    'availability_zone': 'az1',
                    'facts': {'vcpus': 8, 'memory_mb': 8192, 'disk_gb': 100},
                }
            )
        for uuid, host, mem in (
            ('v1', 'a', 6144),
            ('v2', 'b', 6144),
            ('v3', 'c', 1024),
        ):
            self.dbapi.apply_instance(
                {
                    'uuid': uuid,
                    'host': host,
                    'vcpus': 2,
                    'memory_mb': mem,
                    'disk_gb': 10,
                }
            )

    def create(self, name):
        return executions.create(
            self.dbapi,
            self.rpcapi,
            None,
            self.dbapi.get_host(name),
            {'kind': 'drain'},
            {'user_id': 'u'},
        )

    def test_waits_while_it_does_not_fit_then_goes(self):
        first = self.create('a')
        self.assertEqual(states.EXEC_PENDING, first['state'])
        second = self.create('b')
        self.assertEqual(states.EXEC_WAITING, second['state'])
        self.assertIn(
            'capacity headroom: 1 of 1 instance(s) of b would not fit',
            second['waiting_reason'],
        )
        messages = [
            e['message']
            for e in self.dbapi.list_execution_events(second['uuid'])
        ]
        self.assertTrue(
            any(m.startswith('Waiting: capacity headroom') for m in messages)
        )
        # a's drain moves v1 to c and ends: b's instance fits on a now.
        self.dbapi.apply_instance({'uuid': 'v1', 'host': 'c'})
        started = []
        executions.set_start_hook(lambda uuid: started.append(uuid) or True)
        executions.mark_running(self.dbapi, first['uuid'])
        executions.finish(
            self.dbapi, first['uuid'], states.EV_SUCCEED, 'drained'
        )
        self.assertEqual([second['uuid']], started)
        self.assertIsNone(
            self.dbapi.get_execution(second['uuid'])['waiting_reason']
        )

    def test_off_by_config(self):
        self.config(capacity_headroom=False, group='budget')
        self.create('a')
        self.assertEqual(states.EXEC_PENDING, self.create('b')['state'])

    def test_a_conductor_dying_mid_admission_leaves_the_run_waiting(self):
        # The admission transaction is cut short (the process dies while
        # it reads the zone's instances): nothing of it is committed. The
        # run is still waiting and holds its host; the next re-check (any
        # conductor's periodic) admits it, once.
        from fleet.db.sqlalchemy import plans as plans_db

        self.config(capacity_headroom=False, group='budget')
        waiting = self.create('b')
        self.assertEqual(states.EXEC_PENDING, waiting['state'])
        self.config(capacity_headroom=True, group='budget')
        run = self.create('a')
        self.assertEqual(states.EXEC_WAITING, run['state'])
        reason = run['waiting_reason']
        self.assertIn('capacity headroom', reason)

        class Died(BaseException):
            """Not an Exception: nothing in fleet catches it."""

        # b's drain ends (its instance moved to c), so a would fit now.
        self.dbapi.apply_instance({'uuid': 'v2', 'host': 'c'})
        with mock.patch.object(
            plans_db._AdmissionReader, 'instances', side_effect=Died
        ):
            executions.mark_running(self.dbapi, waiting['uuid'])
            self.assertRaises(
                Died,
                executions.finish,
                self.dbapi,
                waiting['uuid'],
                states.EV_SUCCEED,
                'drained',
            )
        run = self.dbapi.get_execution(run['uuid'])
        self.assertEqual(states.EXEC_WAITING, run['state'])
        self.assertEqual(reason, run['waiting_reason'])
        self.assertEqual(
            run['uuid'], self.dbapi.get_host('a')['execution_uuid']
        )
        self.assertNotIn(
            'Admitted: every disruption budget has room.',
            [
                e['message']
                for e in self.dbapi.list_execution_events(run['uuid'])
            ],
        )
        # The finished run's own end was committed before the re-check.
        self.assertEqual(
            states.EXEC_SUCCEEDED,
            self.dbapi.get_execution(waiting['uuid'])['state'],
        )
        started = []
        self.assertEqual(
            [run['uuid']],
            executions.admit_waiting(
                self.dbapi, start=lambda u: started.append(u) or True
            ),
        )
        self.assertEqual([run['uuid']], started)
        self.assertEqual(
            [], executions.admit_waiting(self.dbapi, start=started.append)
        )
