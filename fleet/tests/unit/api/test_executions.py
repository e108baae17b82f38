"""/v1/executions: microversion, validation, one run per host, cancel."""

from unittest import mock

from fleet.common import states
from fleet.conductor import rpcapi
from fleet.tests.unit.api import base

V = 'fleet 1.1'


class TestExecutionsAPI(base.APITestCase):
    def setUp(self):
        super().setUp()
        self.host = self.create_host(name='cmp-1', kind='compute')
        patcher = mock.patch.object(rpcapi.ConductorAPI, 'start_execution')
        self.start = patcher.start()
        self.addCleanup(patcher.stop)

    def post(self, body, status=202):
        return self.request(
            'POST', '/v1/executions', body, version=V, status=status
        )

    def test_below_1_1_is_404(self):
        self.request('GET', '/v1/executions', version='fleet 1.0', status=404)
        self.request('GET', '/v1/executions', status=404)
        self.request('POST', '/v1/executions', {'host': 'cmp-1'}, status=404)

    def test_create_defaults_and_cast(self):
        body = self.post({'host': 'cmp-1'}).json
        self.assertEqual(states.EXEC_PENDING, body['state'])
        self.assertEqual('drain', body['kind'])
        params = body['parameters']
        self.assertEqual(2, params['max_parallel'])
        self.assertEqual(
            {'retries': 1, 'then': 'abort'}, params['on_instance_failure']
        )
        self.assertTrue(params['reenable'])
        self.assertEqual('noop', params['executor'])
        self.start.assert_called_once_with(mock.ANY, body['uuid'])
        host = self.dbapi.get_host('cmp-1')
        self.assertEqual(body['uuid'], host['execution_uuid'])

    def test_state_policies_default_from_config_and_override(self):
        self.config(error_policy='leave', group='maintenance')
        params = self.post(
            {'host': 'cmp-1', 'state_policies': {'suspended': 'abort'}}
        ).json['parameters']
        self.assertEqual(
            {
                'suspended': 'abort',
                'rescued': 'skip',
                'shelved': 'offload',
                'error': 'leave',
            },
            params['state_policies'],
        )

    def test_bad_state_policy_is_400_and_names_the_choices(self):
        for policies in (
            {'suspended': 'offload'},
            {'stopped': 'skip'},
            {'error': 'delete'},
        ):
            response = self.post(
                {'host': 'cmp-1', 'state_policies': policies}, status=400
            )
            self.assertIn(
                'state_policies', response.json['errors'][0]['detail']
            )
        self.assertFalse(self.start.called)

    def test_second_run_on_host_is_409(self):
        self.post({'host': 'cmp-1'})
        response = self.post({'host': 'cmp-1'}, status=409)
        self.assertIn('already in run', response.json['errors'][0]['detail'])
        self.assertEqual(1, self.start.call_count)

    def test_validation_errors(self):
        for body in (
            {},
            {'host': 'cmp-1', 'kind': 'reboot'},
            {'host': 'cmp-1', 'max_parallel': 0},
            {'host': 'cmp-1', 'on_instance_failure': {'then': 'delete'}},
            {'host': 'cmp-1', 'unknown': 1},
            {'host': 'cmp-1', 'reenable': 'yes'},
        ):
            response = self.post(body, status=400)
            self.assertEqual(400, response.json['errors'][0]['status'])
        self.post({'host': 'cmp-1', 'max_parallel': 1000}, status=400)
        self.post({'host': 'cmp-1', 'executor': 'ansible'}, status=400)
        self.post({'host': 'nope'}, status=404)
        self.assertFalse(self.start.called)
        self.assertIsNone(self.dbapi.get_host('cmp-1')['execution_uuid'])

    def test_show_and_list(self):
        uuid = self.post({'host': 'cmp-1'}).json['uuid']
        self.dbapi.update_execution_progress(
            uuid, 'instances', 'i1', {'state': 'migrated'}
        )
        self.dbapi.update_execution_progress(
            uuid, 'instances', 'i2', {'state': 'migrating'}
        )
        body = self.get(f'/v1/executions/{uuid}', version=V).json
        summary = body['progress']['instances_summary']
        self.assertEqual(2, summary['total'])
        self.assertEqual(1, summary['moved'])
        self.assertIn('requested', body['events'][0]['message'])
        listed = self.get('/v1/executions?host=cmp-1', version=V).json
        self.assertEqual([uuid], [e['uuid'] for e in listed['executions']])
        self.get('/v1/executions?state=bogus', version=V, status=400)
        self.get('/v1/executions/not-a-uuid', version=V, status=400)

    def test_cancel(self):
        uuid = self.post({'host': 'cmp-1'}).json['uuid']
        self.dbapi.update_execution(uuid, {'state': states.EXEC_RUNNING})
        body = self.request(
            'POST', f'/v1/executions/{uuid}/cancel', version=V, status=202
        ).json
        self.assertTrue(body['cancel_requested'])
        self.assertEqual(states.EXEC_CANCELLING, body['state'])
        self.dbapi.update_execution(uuid, {'state': states.EXEC_CANCELLED})
        self.request(
            'POST', f'/v1/executions/{uuid}/cancel', version=V, status=409
        )
        self.request(
            'POST', f'/v1/executions/{uuid}/bogus', version=V, status=404
        )
