"""Plans: expansion, the driver's steps, health gates and dry runs, on
the real database; a run's life is played by the lifecycle owner
(executions.mark_running / finish), as a conductor's flow would."""

import datetime

from fleet.common import exception
from fleet.common import executions
from fleet.common import states
from fleet.conductor import plans
from fleet.tests import base


class PlanTestCase(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.started = []
        self.addCleanup(executions.set_start_hook, None)
        executions.set_start_hook(self.start)
        for i in range(3):
            self.dbapi.create_host(
                {
                    'name': f'c{i}',
                    'kind': 'compute',
                    'availability_zone': 'az1',
                    'rack': f'r{i % 2}',
                }
            )
        self.dbapi.create_host({'name': 'ctl', 'kind': 'controller'})

    def start(self, uuid):
        self.started.append(uuid)
        return True

    def create(self, **body):
        body.setdefault('selector', {'availability_zone': 'az1'})
        body.setdefault('action', {'kind': 'drain'})
        return plans.create(self.dbapi, body, {'user_id': 'op'})

    def tick(self, plan):
        return plans.tick(self.dbapi, self.start, plan['uuid'])

    def end_run(self, host, event=states.EV_SUCCEED, reason='ok'):
        uuid = self.dbapi.get_host(host)['execution_uuid']
        executions.mark_running(self.dbapi, uuid)
        executions.finish(self.dbapi, uuid, event, reason)

    def hosts(self, plan):
        return {
            r['host_name']: r['state']
            for r in self.dbapi.list_plan_hosts(plan['uuid'])
        }

    def alert(self, status, name='NodeDown'):
        return self.dbapi.ingest_alerts(
            [
                {
                    'fingerprint': 'fp-' + name,
                    'name': name,
                    'source': 'alertmanager',
                    'severity': 'critical',
                    'status': status,
                    'labels': {'team': 'infra'},
                    'annotations': {},
                    'host_uuid': None,
                    'host_name': None,
                    'occurrence_key': f'{name}-{status}',
                    'at': datetime.datetime.utcnow(),
                    'silence': None,
                }
            ]
        )


class TestPlan(PlanTestCase):
    def test_one_host_at_a_time_to_the_end(self):
        plan = self.create()
        # By zone, rack, name.
        self.assertEqual(['c0', 'c2', 'c1'], list(self.hosts(plan)))
        self.tick(plan)
        self.assertEqual(
            {'c0': 'started', 'c2': 'queued', 'c1': 'queued'},
            self.hosts(plan),
        )
        self.assertEqual(1, len(self.started))
        # Nothing more starts while c0's run goes on.
        self.tick(plan)
        self.assertEqual(1, len(self.started))
        for host in ('c0', 'c2', 'c1'):
            self.end_run(host)
            plan = self.tick(plan)
        self.assertEqual(states.PLAN_SUCCEEDED, plan['state'])
        self.assertEqual('3 host(s) done, 0 failed', plan['state_reason'])
        self.assertEqual(3, len(self.started))
        for host in ('c0', 'c1', 'c2'):
            self.assertIsNone(self.dbapi.get_host(host)['execution_uuid'])
        shown = plans.show(self.dbapi, plan['uuid'])
        self.assertEqual({'succeeded': 3, 'total': 3}, shown['progress'])

    def test_a_plan_run_waits_for_the_shared_budget(self):
        # An API run holds the zone's only slot: the plan's first host
        # waits, visibly, and goes when the API run ends.
        self.config(max_out_per_az='1', group='budget')
        api_run = executions.create(
            self.dbapi,
            _Rpc(),
            None,
            self.dbapi.get_host('c2'),
            {'kind': 'drain'},
            {'user_id': 'u'},
        )
        self.assertEqual(states.EXEC_PENDING, api_run['state'])
        plan = self.create(selector={'hosts': ['c0', 'c1']})
        self.tick(plan)
        row = self.dbapi.list_plan_hosts(plan['uuid'])[0]
        run = self.dbapi.get_execution(row['execution_uuid'])
        self.assertEqual(states.EXEC_WAITING, run['state'])
        self.assertEqual(
            'availability zone az1 has 1 of 1 allowed hosts out of service '
            '(c2)',
            run['waiting_reason'],
        )
        self.end_run('c2')
        self.assertEqual(
            states.EXEC_PENDING,
            self.dbapi.get_execution(run['uuid'])['state'],
        )

    def test_a_firing_blocking_alert_pauses_and_its_resolve_resumes(self):
        plan = self.create(blocking_alerts={'labels': {'team': 'infra'}})
        self.tick(plan)
        self.alert('firing')
        self.end_run('c0')
        plan = self.tick(plan)
        self.assertEqual(states.PLAN_BLOCKED, plan['state'])
        self.assertEqual('succeeded', self.hosts(plan)['c0'])
        self.assertEqual(
            'blocking alert(s) firing: NodeDown on -; goes on when they '
            'resolve',
            plan['state_reason'],
        )
        self.assertEqual('queued', self.hosts(plan)['c2'])
        self.assertEqual(1, len(self.started))
        self.alert('resolved')
        plan = self.tick(plan)
        self.assertEqual(states.PLAN_RUNNING, plan['state'])
        self.assertEqual('started', self.hosts(plan)['c2'])

    def test_an_alert_not_matching_does_not_block(self):
        plan = self.create(blocking_alerts={'names': ['DiskFull']})
        self.alert('firing')
        plan = self.tick(plan)
        self.assertEqual(states.PLAN_RUNNING, plan['state'])

    def test_stops_after_max_failed_hosts_and_says_why(self):
        plan = self.create(budget={'max_at_once': 2}, max_failed_hosts=1)
        self.tick(plan)
        self.end_run('c0', states.EV_FAIL, 'migration of vm1 failed')
        plan = self.tick(plan)
        self.assertEqual(states.PLAN_FAILED, plan['state'])
        self.assertEqual(
            'stopped after 1 failed host(s) (max_failed_hosts 1): c0; '
            'last: c0: migration of vm1 failed',
            plan['state_reason'],
        )
        self.assertEqual('queued', self.hosts(plan)['c1'])
        # c2 was running: it finishes; nothing new starts.
        self.end_run('c2')
        plan = self.tick(plan)
        self.assertEqual(states.PLAN_FAILED, plan['state'])
        self.assertEqual(
            {'c0': 'failed', 'c2': 'succeeded', 'c1': 'queued'},
            self.hosts(plan),
        )

    def test_pause_resume_cancel(self):
        plan = self.create()
        plans.pause(self.dbapi, plan['uuid'], 'op')
        self.tick(plan)
        self.assertEqual([], self.started)
        self.assertRaises(
            exception.InvalidState, plans.pause, self.dbapi, plan['uuid'], 'x'
        )
        plans.resume(self.dbapi, plan['uuid'], 'op')
        self.tick(plan)
        self.assertEqual(1, len(self.started))
        plan = plans.cancel(self.dbapi, _Rpc(), None, plan['uuid'], 'op')
        self.assertEqual(states.PLAN_CANCELLED, plan['state'])
        self.end_run('c0')
        self.tick(plan)
        self.assertEqual(1, len(self.started))
        self.assertEqual('succeeded', self.hosts(plan)['c0'])

    def test_cancel_cancels_the_plans_waiting_runs(self):
        self.config(max_out_per_az='1', group='budget')
        executions.create(
            self.dbapi,
            _Rpc(),
            None,
            self.dbapi.get_host('c2'),
            {'kind': 'drain'},
            {'user_id': 'u'},
        )
        plan = self.create(selector={'hosts': ['c0']})
        self.tick(plan)
        plans.cancel(self.dbapi, _Rpc(), _Ctx(), plan['uuid'], 'op')
        self.assertIsNone(self.dbapi.get_host('c0')['execution_uuid'])

    def test_a_host_the_plan_already_holds_is_adopted_not_drained_twice(self):
        # A conductor died between asking for the run and recording it in
        # the plan: the next tick finds the host held by the plan's run.
        plan = self.create(selector={'hosts': ['c0']})
        run = executions.create(
            self.dbapi,
            _Rpc(),
            None,
            self.dbapi.get_host('c0'),
            plan['action'],
            {'user_id': None},
            plan_uuid=plan['uuid'],
        )
        self.tick(plan)
        row = self.dbapi.list_plan_hosts(plan['uuid'])[0]
        self.assertEqual(run['uuid'], row['execution_uuid'])
        self.assertEqual(
            1,
            len(
                self.dbapi.list_executions(
                    filters={'host_uuid': row['host_uuid']}
                )
            ),
        )

    def test_a_host_held_by_another_run_stays_queued(self):
        executions.create(
            self.dbapi,
            _Rpc(),
            None,
            self.dbapi.get_host('c0'),
            {'kind': 'drain'},
            {'user_id': 'u'},
        )
        plan = self.create(selector={'hosts': ['c0', 'c1']})
        self.tick(plan)
        self.assertEqual({'c0': 'queued', 'c1': 'started'}, self.hosts(plan))


class TestCreateAndDryRun(PlanTestCase):
    def test_bad_selectors_and_budgets_are_refused(self):
        for body, words in (
            ({'selector': {}}, 'needs a "selector"'),
            ({'selector': {'planet': 'x'}}, 'unknown: planet'),
            ({'selector': {'rack': 'nope'}}, 'matches no compute host'),
            ({'budget': {'max_out_per_az': 'lots'}}, 'neither a number'),
            ({'max_failed_hosts': 0}, 'max_failed_hosts'),
        ):
            e = self.assertRaises(exception.Invalid, self.create, **body)
            self.assertIn(words, str(e))
        self.assertRaises(
            exception.HostNotFound,
            self.create,
            selector={'hosts': ['nope']},
        )
        self.assertEqual([], self.dbapi.list_plans())

    def test_dry_run_orders_and_waves_within_the_budget(self):
        for host in ('c0', 'c1'):
            self.dbapi.apply_instance(
                {
                    'uuid': f'vm-{host}',
                    'host': host,
                    'server_group': 'g1',
                    'server_group_policy': 'anti-affinity',
                }
            )
        result = plans.dry_run(
            self.dbapi,
            {
                'selector': {'availability_zone': 'az1'},
                'action': {'kind': 'drain'},
                'budget': {'max_at_once': 2},
            },
        )
        # Ordered by zone, rack, name; c0 and c1 share an anti-affinity
        # group, so never in one wave.
        self.assertEqual(['c0', 'c2', 'c1'], result['hosts'])
        self.assertEqual([['c0', 'c2'], ['c1']], result['waves'])
        self.assertEqual([], self.dbapi.list_plans())

    def test_dry_run_eta_from_measured_migrations(self):
        body = {
            'selector': {'availability_zone': 'az1'},
            'budget': {'max_at_once': 2},
        }
        # Nothing measured yet: no ETA rather than a made-up one.
        self.assertIsNone(plans.dry_run(self.dbapi, body)['eta_s'])
        for host, count in (('c0', 3), ('c1', 1), ('c2', 2)):
            for n in range(count):
                self.dbapi.apply_instance(
                    {'uuid': f'{host}-{n}', 'host': host}
                )
        # One earlier run in az1 moved 2 instances in 10 s and 30 s.
        self.dbapi.create_execution(
            {
                'kind': 'drain',
                'state': states.EXEC_SUCCEEDED,
                'host_uuid': self.dbapi.get_host('c1')['uuid'],
                'progress': {
                    'instances': {
                        'a': {'state': 'migrated', 'seconds': 10},
                        'b': {'state': 'migrated', 'seconds': 30},
                        'c': {'state': 'skipped'},
                    }
                },
            }
        )
        result = plans.dry_run(self.dbapi, body)
        self.assertEqual([['c0', 'c2'], ['c1']], result['waves'])
        self.assertEqual({'az1': 20.0, 'None': 20.0}, result['per_instance_s'])
        # Wave 1: max(3, 2) x 20 s; wave 2: 1 x 20 s.
        self.assertEqual(80.0, result['eta_s'])

    def test_dry_run_honours_a_rack_limit(self):
        result = plans.dry_run(
            self.dbapi,
            {
                'selector': {'availability_zone': 'az1'},
                'budget': {'max_at_once': 3, 'max_out_per_rack': 1},
            },
        )
        self.assertEqual([['c0', 'c1'], ['c2']], result['waves'])


class _Rpc:
    def start_execution(self, context, uuid):
        pass

    def cancel_execution(self, context, uuid):
        pass


class _Ctx:
    user_id = 'op'


class TestWindows(PlanTestCase):
    # Saturday 2026-12-05 and the Sunday after, in UTC.
    SAT_23 = datetime.datetime(2026, 12, 5, 22, 30)  # 23:30 in Paris
    SUN_05 = datetime.datetime(2026, 12, 6, 4, 0)  # 05:00 in Paris
    SUN_07 = datetime.datetime(2026, 12, 6, 6, 30)  # 07:30 in Paris
    MON_23 = datetime.datetime(2026, 12, 7, 22, 30)  # Monday 23:30 Paris
    NIGHT = [
        {
            'days': ['sat'],
            'start': '22:00',
            'end': '06:00',
            'timezone': 'Europe/Paris',
        }
    ]

    def test_a_window_past_midnight_in_its_time_zone(self):
        windows = plans.check_windows(self.NIGHT)
        self.assertTrue(plans.in_windows(windows, self.SAT_23))
        self.assertTrue(plans.in_windows(windows, self.SUN_05))
        self.assertFalse(plans.in_windows(windows, self.SUN_07))
        self.assertFalse(plans.in_windows(windows, self.MON_23))
        self.assertTrue(plans.in_windows([], self.MON_23))
        day = plans.check_windows([{'start': '09:00', 'end': '17:00'}])
        self.assertEqual(list(plans.DAYS), day[0]['days'])
        self.assertEqual('UTC', day[0]['timezone'])
        self.assertTrue(
            plans.in_windows(day, datetime.datetime(2026, 12, 7, 9, 0))
        )
        self.assertFalse(
            plans.in_windows(day, datetime.datetime(2026, 12, 7, 17, 0))
        )

    def test_bad_windows_are_refused(self):
        e = self.assertRaises(
            exception.Invalid,
            plans.check_windows,
            [{'start': '22:00', 'end': '06:00', 'timezone': 'Mars/Olympus'}],
        )
        self.assertIn('Mars/Olympus', str(e))
        self.assertRaises(
            exception.Invalid,
            plans.check_windows,
            [{'start': '22:00', 'end': '22:00'}],
        )

    def test_starts_hosts_only_inside_and_resumes_where_it_stopped(self):
        plan = self.create(windows=self.NIGHT)
        plan = plans.tick(
            self.dbapi, self.start, plan['uuid'], now=self.SUN_07
        )
        self.assertEqual([], self.started)
        self.assertEqual(plans.OUTSIDE_WINDOWS, plan['state_reason'])
        self.assertEqual(states.PLAN_RUNNING, plan['state'])
        plans.tick(self.dbapi, self.start, plan['uuid'], now=self.SAT_23)
        self.assertEqual(1, len(self.started))
        # The window closes while c0 runs: c0 finishes, nothing new
        # starts.
        self.end_run('c0')
        plan = plans.tick(
            self.dbapi, self.start, plan['uuid'], now=self.SUN_07
        )
        self.assertEqual(
            {'c0': 'succeeded', 'c2': 'queued', 'c1': 'queued'},
            self.hosts(plan),
        )
        self.assertEqual(1, len(self.started))
        # Next window: it goes on with the next host, not from scratch.
        plans.tick(
            self.dbapi,
            self.start,
            plan['uuid'],
            now=self.SAT_23 + datetime.timedelta(days=7),
        )
        self.assertEqual(
            {'c0': 'succeeded', 'c2': 'started', 'c1': 'queued'},
            self.hosts(plan),
        )


class TestAuditSelector(PlanTestCase):
    """Plans over the hosts failing an audit rule."""

    def setUp(self):
        super().setUp()
        self.profile = self.dbapi.create_audit_profile(
            {
                'name': 'el9',
                'rules': [
                    {
                        'name': 'kernel',
                        'severity': 'critical',
                        'check': {'type': 'fact', 'fact': 'k'},
                    },
                    {
                        'name': 'ssh',
                        'severity': 'critical',
                        'check': {'type': 'fact', 'fact': 's'},
                    },
                ],
            }
        )

    def audit(self, rule, **results):
        self.dbapi.record_audit_results(
            self.profile,
            [
                {
                    'host_uuid': self.dbapi.get_host(host)['uuid'],
                    'host_name': host,
                    'rule': rule,
                    'severity': 'critical',
                    'result': result,
                    'evidence': {},
                    'message': None,
                }
                for host, result in results.items()
            ],
        )

    def selector(self, rule='kernel', **more):
        return dict({'audit': {'profile': 'el9', 'rule': rule}}, **more)

    def test_a_rule_with_no_findings_is_refused_and_says_why(self):
        e = self.assertRaises(
            exception.Invalid, self.create, selector=self.selector()
        )
        self.assertIn('no host fails rule kernel of audit profile el9', str(e))
        self.assertIn('audit the hosts first', str(e))
        # Findings, but every host passes: the counts say so.
        self.audit('kernel', c0='pass', c1='pass', c2='error')
        e = self.assertRaises(
            exception.Invalid, self.create, selector=self.selector()
        )
        self.assertIn('(1 error, 2 pass)', str(e))

    def test_unknown_profile_or_rule(self):
        e = self.assertRaises(
            exception.Invalid, self.create, selector=self.selector('nope')
        )
        self.assertIn('has no rule nope; its rules: kernel, ssh', str(e))
        e = self.assertRaises(
            exception.Invalid,
            self.create,
            selector={'audit': {'profile': 'ghost', 'rule': 'kernel'}},
        )
        self.assertIn("audit profile 'ghost'", str(e))

    def test_only_failing_hosts_once_each_and_with_other_keys(self):
        self.audit('kernel', c0='fail', c1='pass', c2='fail')
        self.audit('ssh', c0='fail', c1='fail', c2='pass')
        plan = self.create(selector=self.selector())
        self.assertEqual(['c0', 'c2'], list(self.hosts(plan)))
        # A host failing both rules is in the plan once.
        plan = self.create(selector=self.selector(['kernel', 'ssh']))
        self.assertEqual(['c0', 'c2', 'c1'], list(self.hosts(plan)))
        # Combined with another key: both must match.
        plan = self.create(
            selector=self.selector(['kernel', 'ssh'], rack='r1')
        )
        self.assertEqual(['c1'], list(self.hosts(plan)))
        self.assertRaises(
            exception.Invalid, self.create, selector=self.selector(rack='r1')
        )
        # A dry run resolves the same way.
        self.assertEqual(
            ['c0', 'c2'],
            plans.dry_run(self.dbapi, {'selector': self.selector()})['hosts'],
        )

    def test_a_host_fixed_since_the_plan_was_made_is_skipped(self):
        self.audit('kernel', c0='fail', c2='fail')
        plan = self.create(selector=self.selector())
        self.audit('kernel', c0='pass')  # fixed by hand meanwhile
        self.tick(plan)
        rows = {
            r['host_name']: r for r in self.dbapi.list_plan_hosts(plan['uuid'])
        }
        self.assertEqual('skipped', rows['c0']['state'])
        self.assertIn('passes audit rule kernel now', rows['c0']['result'])
        self.assertIsNone(self.dbapi.get_host('c0')['execution_uuid'])
        self.assertEqual('started', rows['c2']['state'])
        self.end_run('c2')
        self.assertEqual(states.PLAN_SUCCEEDED, self.tick(plan)['state'])


class TestProgress(PlanTestCase):
    """ETA and what is left of a running plan."""

    def measured(self, seconds=(10, 30)):
        self.dbapi.create_execution(
            {
                'kind': 'drain',
                'state': states.EXEC_SUCCEEDED,
                'host_uuid': self.dbapi.get_host('ctl')['uuid'],
                'progress': {
                    'instances': {
                        f'm{i}': {'state': 'migrated', 'seconds': s}
                        for i, s in enumerate(seconds)
                    }
                },
            }
        )

    def test_no_measure_no_made_up_eta(self):
        plan = self.create()
        eta = plans.show(self.dbapi, plan['uuid'])['eta']
        self.assertIsNone(eta['eta_s'])
        self.assertEqual(3, eta['remaining_hosts'])
        self.assertEqual(3, eta['remaining_waves'])

    def test_eta_follows_the_plan_as_it_goes(self):
        for host, count in (('c0', 3), ('c1', 1), ('c2', 2)):
            for n in range(count):
                self.dbapi.apply_instance(
                    {'uuid': f'{host}-{n}', 'host': host}
                )
        self.measured()  # 20 s per instance
        plan = self.create(budget={'max_at_once': 1})
        now = datetime.datetime(2026, 11, 30, 12, 0, 0)
        rows = self.dbapi.list_plan_hosts(plan['uuid'])
        eta = plans.estimate(
            self.dbapi, self.dbapi.get_plan(plan['uuid']), rows, now=now
        )
        # 3 waves of one: (3 + 2 + 1) x 20 s.
        self.assertEqual(120.0, eta['eta_s'])
        self.assertEqual('2026-11-30T12:02:00Z', eta['eta_at'])
        self.tick(plan)  # c0 starts; it has moved 2 of its 3 already
        self.dbapi.apply_instance({'uuid': 'c0-0', 'host': 'c1'})
        self.dbapi.apply_instance({'uuid': 'c0-1', 'host': 'c2'})
        shown = plans.show(self.dbapi, plan['uuid'])
        eta = shown['eta']
        self.assertEqual(1, eta['running_hosts'])
        self.assertEqual(3, eta['remaining_hosts'])
        self.assertEqual(3, eta['remaining_waves'])
        # c0: 1 left x 20; c2 now 3 x 20; c1 now 2 x 20.
        self.assertEqual(120.0, eta['eta_s'])
        self.end_run('c0')
        self.tick(plan)
        eta = plans.show(self.dbapi, plan['uuid'])['eta']
        self.assertEqual(2, eta['remaining_hosts'])
        # A paused plan keeps its working time, but no end time.
        plans.pause(self.dbapi, plan['uuid'], 'op')
        eta = plans.show(self.dbapi, plan['uuid'])['eta']
        self.assertIsNotNone(eta['eta_s'])
        self.assertIsNone(eta['eta_at'])

    def test_a_host_failing_twice_is_not_counted_as_left(self):
        # c0 fails; its row is final. A second plan over c0 that fails
        # again stops the plan (max_failed_hosts 1) and leaves nothing to
        # estimate.
        self.measured()
        for attempt in range(2):
            plan = self.create(selector={'hosts': ['c0']})
            self.tick(plan)
            self.end_run('c0', states.EV_FAIL, f'failure {attempt}')
            plan = self.tick(plan)
            self.assertEqual(states.PLAN_FAILED, plan['state'])
            self.assertIn(f'failure {attempt}', plan['state_reason'])
            shown = plans.show(self.dbapi, plan['uuid'])
            self.assertEqual(1, shown['progress']['failed'])
            self.assertEqual(0, shown['eta']['remaining_hosts'])
            self.assertIsNone(self.dbapi.get_host('c0')['execution_uuid'])


class TestPausedPlanRuns(PlanTestCase):
    def test_a_paused_plans_waiting_run_is_not_admitted(self):
        # The zone allows one host out: the plan's second run waits. The
        # plan is paused meanwhile; when the first ends, the second must
        # not slip in: a paused plan starts no host.
        self.config(max_out_per_az='1', group='budget')
        plan = self.create(budget={'max_at_once': 2})
        self.tick(plan)
        rows = self.dbapi.list_plan_hosts(plan['uuid'])
        first, second = (
            self.dbapi.get_execution(r['execution_uuid']) for r in rows[:2]
        )
        self.assertEqual(states.EXEC_PENDING, first['state'])
        self.assertEqual(states.EXEC_WAITING, second['state'])
        plans.pause(self.dbapi, plan['uuid'], 'op')
        self.end_run(rows[0]['host_name'])
        second = self.dbapi.get_execution(second['uuid'])
        self.assertEqual(states.EXEC_WAITING, second['state'])
        self.assertEqual(
            f'plan {plan["uuid"]} is paused; its hosts start when it runs',
            second['waiting_reason'],
        )
        plans.tick_all(self.dbapi, self.start)
        self.assertEqual(
            states.EXEC_WAITING,
            self.dbapi.get_execution(second['uuid'])['state'],
        )
        plans.resume(self.dbapi, plan['uuid'], 'op')
        plans.tick_all(self.dbapi, self.start)
        self.assertEqual(
            states.EXEC_PENDING,
            self.dbapi.get_execution(second['uuid'])['state'],
        )
        self.assertIn(second['uuid'], self.started)
