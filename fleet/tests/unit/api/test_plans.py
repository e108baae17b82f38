"""/v1/plans through the API, and a waiting run's reason as the API
shows it."""

from unittest import mock

from fleet.common import executions
from fleet.conductor import rpcapi
from fleet.tests.unit.api import base

V = 'fleet 1.8'


class TestPlansAPI(base.APITestCase):
    def setUp(self):
        super().setUp()
        for i in range(3):
            self.create_host(
                name=f'cmp-{i}', kind='compute', availability_zone='az1'
            )
        patcher = mock.patch.object(rpcapi.ConductorAPI, 'start_execution')
        self.start = patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(executions.set_start_hook, None)

    def test_create_show_list_pause_resume_cancel(self):
        body = self.request(
            'POST',
            '/v1/plans',
            {
                'name': 'kernel',
                'selector': {'availability_zone': 'az1'},
                'action': {'kind': 'drain'},
                'budget': {'max_at_once': 2, 'max_out_per_az': '50%'},
                'blocking_alerts': {'severities': ['critical']},
            },
            version=V,
            status=201,
        ).json
        self.assertEqual('running', body['state'])
        self.assertEqual(
            ['cmp-0', 'cmp-1', 'cmp-2'],
            [h['host_name'] for h in body['hosts']],
        )
        self.assertEqual({'queued': 3, 'total': 3}, body['progress'])
        self.assertEqual(2, body['budget']['max_at_once'])
        uuid = body['uuid']
        listed = self.get('/v1/plans?state=running', version=V).json
        self.assertEqual([uuid], [p['uuid'] for p in listed['plans']])
        paused = self.request(
            'POST', f'/v1/plans/{uuid}/pause', version=V, status=200
        ).json
        self.assertEqual('paused', paused['state'])
        self.assertIn('paused by', paused['state_reason'])
        # Pausing twice is a conflict with a reason, not a silent no-op.
        self.assert_fault(
            self.request(
                'POST', f'/v1/plans/{uuid}/pause', version=V, status=409
            ),
            409,
        )
        self.request('POST', f'/v1/plans/{uuid}/resume', version=V)
        done = self.request('POST', f'/v1/plans/{uuid}/cancel', version=V).json
        self.assertEqual('cancelled', done['state'])
        self.assertIsNotNone(done['finished_at'])

    def test_dry_run_records_nothing(self):
        body = self.request(
            'POST',
            '/v1/plans',
            {
                'selector': {'hosts': ['cmp-2', 'cmp-0']},
                'budget': {'max_at_once': 1},
                'dry_run': True,
            },
            version=V,
            status=200,
        ).json
        self.assertEqual(['cmp-0', 'cmp-2'], body['hosts'])
        self.assertEqual([['cmp-0'], ['cmp-2']], body['waves'])
        self.assertEqual([], self.get('/v1/plans', version=V).json['plans'])

    def test_bad_bodies_get_a_reason(self):
        for body, words in (
            ({}, "'selector' is a required property"),
            ({'selector': {'rack': 'r9'}}, 'matches no compute host'),
            (
                {'selector': {'rack': 'r9'}, 'budget': {'max_at_once': 0}},
                'max_at_once',
            ),
            (
                {
                    'selector': {'availability_zone': 'az1'},
                    'action': {'executor_args': {'cmd': 'rm'}},
                },
                'executor_args',
            ),
        ):
            response = self.request(
                'POST', '/v1/plans', body, version=V, status=400
            )
            self.assert_fault(response, 400, words)

    def test_plans_need_1_7(self):
        self.assert_fault(
            self.request('GET', '/v1/plans', version='fleet 1.5', status=404),
            404,
            '1.8',
        )

    def test_a_waiting_run_shows_why(self):
        self.config(max_out_per_az='1', group='budget')
        first = self.request(
            'POST',
            '/v1/executions',
            {'host': 'cmp-0', 'kind': 'drain'},
            version='fleet 1.1',
            status=202,
        ).json
        self.assertEqual('pending', first['state'])
        second = self.request(
            'POST',
            '/v1/executions',
            {'host': 'cmp-1', 'kind': 'drain'},
            version='fleet 1.1',
            status=202,
        ).json
        self.assertEqual('waiting', second['state'])
        self.assertEqual(
            'availability zone az1 has 1 of 1 allowed hosts out of service '
            '(cmp-0)',
            second['waiting_reason'],
        )
        self.assertEqual(1, self.start.call_count)
        # Cancelling the admitted run (before a conductor took it) frees
        # the zone: the waiting one is admitted and cast.
        self.request(
            'POST',
            f'/v1/executions/{first["uuid"]}/cancel',
            version='fleet 1.1',
            status=202,
        )
        shown = self.get(
            f'/v1/executions/{second["uuid"]}', version='fleet 1.1'
        ).json
        self.assertEqual('pending', shown['state'])
        self.assertIsNone(shown['waiting_reason'])
        self.assertEqual(2, self.start.call_count)


V10 = 'fleet 1.10'


class TestPlansAPI110(base.APITestCase):
    """1.10: audit selector, capacity_headroom and eta."""

    def setUp(self):
        super().setUp()
        for i in range(3):
            self.create_host(
                name=f'cmp-{i}', kind='compute', availability_zone='az1'
            )
        patcher = mock.patch.object(rpcapi.ConductorAPI, 'start_execution')
        self.start = patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(executions.set_start_hook, None)
        self.profile = self.dbapi.create_audit_profile(
            {
                'name': 'el9',
                'rules': [
                    {
                        'name': 'kernel',
                        'severity': 'critical',
                        'check': {'type': 'fact', 'fact': 'k'},
                    }
                ],
            }
        )

    def fail(self, *hosts):
        self.dbapi.record_audit_results(
            self.profile,
            [
                {
                    'host_uuid': self.dbapi.get_host(h)['uuid'],
                    'host_name': h,
                    'rule': 'kernel',
                    'severity': 'critical',
                    'result': 'fail',
                    'evidence': {},
                    'message': None,
                }
                for h in hosts
            ],
        )

    def test_new_fields_need_1_10(self):
        self.fail('cmp-1')
        for body, words in (
            (
                {'selector': {'audit': {'profile': 'el9', 'rule': 'kernel'}}},
                'selector.audit needs API version 1.10',
            ),
            (
                {
                    'selector': {'availability_zone': 'az1'},
                    'budget': {'capacity_headroom': False},
                },
                'budget.capacity_headroom needs API version 1.10',
            ),
        ):
            self.assert_fault(
                self.request('POST', '/v1/plans', body, version=V, status=400),
                400,
                words,
            )
        plan = self.request(
            'POST',
            '/v1/plans',
            {'selector': {'availability_zone': 'az1'}},
            version=V,
            status=201,
        ).json
        self.assertNotIn('eta', plan)
        self.assertNotIn(
            'eta', self.get(f'/v1/plans/{plan["uuid"]}', version=V).json
        )

    def test_audit_selector_and_eta(self):
        self.fail('cmp-2', 'cmp-0')
        plan = self.request(
            'POST',
            '/v1/plans',
            {
                'selector': {'audit': {'profile': 'el9', 'rule': ['kernel']}},
                'budget': {'capacity_headroom': False, 'max_at_once': 1},
            },
            version=V10,
            status=201,
        ).json
        self.assertEqual(
            ['cmp-0', 'cmp-2'], [h['host_name'] for h in plan['hosts']]
        )
        self.assertFalse(plan['budget']['capacity_headroom'])
        shown = self.get(f'/v1/plans/{plan["uuid"]}', version=V10).json
        self.assertEqual(
            {
                'remaining_hosts': 2,
                'running_hosts': 0,
                'remaining_waves': 2,
                'eta_s': None,
                'eta_at': None,
                'per_instance_s': {},
            },
            shown['eta'],
        )

    def test_audit_selector_refusals(self):
        for selector, status, words in (
            (
                {'audit': {'profile': 'el9', 'rule': 'kernel'}},
                400,
                'no host fails rule kernel of audit profile el9',
            ),
            (
                {'audit': {'profile': 'el9', 'rule': 'nope'}},
                400,
                'has no rule nope',
            ),
            ({'audit': {'profile': 'el9'}}, 400, "'rule' is a required"),
        ):
            self.assert_fault(
                self.request(
                    'POST',
                    '/v1/plans',
                    {'selector': selector},
                    version=V10,
                    status=status,
                ),
                status,
                words,
            )
        self.request(
            'POST',
            '/v1/plans',
            {'selector': {'audit': {'profile': 'el9', 'rule': []}}},
            version=V10,
            status=400,
        )
