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

    def test_capacity_scope(self):
        params = self.post({'host': 'cmp-1'}).json['parameters']
        self.assertNotIn('capacity_scope', params)
        self.dbapi.release_host(
            'cmp-1', self.dbapi.get_host('cmp-1')['execution_uuid']
        )
        body = self.post({'host': 'cmp-1', 'capacity_scope': 'aggregate'})
        self.assertEqual(
            'aggregate', body.json['parameters']['capacity_scope']
        )
        self.dbapi.release_host('cmp-1', body.json['uuid'])
        response = self.post(
            {'host': 'cmp-1', 'capacity_scope': 'rack'}, status=400
        )
        self.assertIn('capacity_scope', response.json['errors'][0]['detail'])

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

    def test_cancel_of_a_pending_run_no_conductor_took_closes_it(self):
        uuid = self.post({'host': 'cmp-1'}).json['uuid']
        body = self.request(
            'POST', f'/v1/executions/{uuid}/cancel', version=V, status=202
        ).json
        self.assertEqual(states.EXEC_CANCELLED, body['state'])
        self.assertIn('cancelled by', body['result'])
        self.assertIsNone(self.dbapi.get_host('cmp-1')['execution_uuid'])
        # The host is free: PATCH and DELETE no longer answer 409.
        self.request(
            'PATCH',
            '/v1/hosts/cmp-1',
            {'state': 'retired'},
            version=V,
            status=200,
        )


class TestHostReleaseAPI(base.APITestCase):
    R = 'fleet 1.5'

    def setUp(self):
        super().setUp()
        self.create_host(name='cmp-1', kind='compute')
        for name in ('start_execution', 'release_host'):
            patcher = mock.patch.object(rpcapi.ConductorAPI, name)
            setattr(self, name, patcher.start())
            self.addCleanup(patcher.stop)

    def release(self, body=None, version=None, status=200, host='cmp-1'):
        return self.request(
            'POST',
            f'/v1/hosts/{host}/release',
            body,
            version=version or self.R,
            status=status,
        )

    def test_below_1_5_is_404(self):
        response = self.release(
            {'reason': 'x'}, version='fleet 1.4', status=404
        )
        self.assert_fault(response, 404, '"release" (API 1.5)')

    def test_release_ends_the_run_and_hands_the_host_over(self):
        run = self.request(
            'POST', '/v1/executions', {'host': 'cmp-1'}, version=V, status=202
        ).json
        # A conductor took it and then died.
        self.dbapi.update_execution(
            run['uuid'], {'state': states.EXEC_RUNNING, 'conductor': 'dead'}
        )
        body = self.release({'reason': 'conductor died'}).json
        self.assertEqual(run['uuid'], body['released_execution'])
        self.assertEqual(states.HOST_UNMANAGED, body['state'])
        self.assertIn('conductor died', body['state_reason'])
        self.assertIsNone(body['execution'])
        execution = self.dbapi.get_execution(run['uuid'])
        self.assertEqual(states.EXEC_CANCELLED, execution['state'])
        self.assertIn('force-released by', execution['result'])
        self.release_host.assert_called_once_with(
            mock.ANY, 'cmp-1', 'conductor died'
        )
        history = self.get('/v1/hosts/cmp-1/history', version=self.R).json[
            'history'
        ]
        self.assertEqual('release', history[0]['action'])
        self.assertEqual('conductor died', history[0]['reason'])

    def test_release_of_a_free_host_and_bad_bodies(self):
        body = self.release().json
        self.assertIsNone(body['released_execution'])
        self.assertIn('no reason given', body['state_reason'])
        self.release({'why': 'x'}, status=400)
        self.release({'reason': ''}, status=400)
        self.release({'reason': 'x'}, host='nope', status=404)
