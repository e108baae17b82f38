"""/v1/actions and runs that name catalogued actions (API 1.4); ad-hoc
executor arguments refused at every version."""

import os
import sys
from unittest import mock

import fixtures
import yaml

from fleet.conductor import rpcapi
from fleet.tests.unit.api import base

V = 'fleet 1.4'

CATALOG = {
    'noop': {'executor': 'noop', 'description': 'Nothing.'},
    'show-args': {
        'executor': 'script',
        'description': 'Print the arguments.',
        'timeout': 30,
        'command': [sys.executable, '-c', 'print(1)', '--', '{value}'],
        'parameters': {
            'type': 'object',
            'properties': {'value': {'type': 'string', 'maxLength': 64}},
            'required': ['value'],
        },
    },
}


class ActionsAPITestCase(base.APITestCase):
    def setUp(self):
        super().setUp()
        directory = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(directory, 'test.yaml'), 'w') as f:
            yaml.safe_dump(CATALOG, f)
        self.config(executor=['noop', 'script'], group='drivers')
        self.config(actions_dir=directory, group='executor')
        self.host = self.create_host(name='cmp-1', kind='compute')
        patcher = mock.patch.object(rpcapi.ConductorAPI, 'start_execution')
        self.start = patcher.start()
        self.addCleanup(patcher.stop)

    def run_request(self, body, status, version=V):
        return self.request(
            'POST', '/v1/executions', body, version=version, status=status
        )

    def assert_nothing_recorded(self):
        self.assertEqual([], self.dbapi.list_executions())
        self.assertIsNone(self.dbapi.get_host('cmp-1')['execution_uuid'])
        self.assertFalse(self.start.called)


class TestActionsResource(ActionsAPITestCase):
    def test_list(self):
        body = self.get('/v1/actions', version=V).json
        self.assertEqual(
            ['noop', 'show-args'], [a['name'] for a in body['actions']]
        )
        show = body['actions'][1]
        self.assertEqual('script', show['executor'])
        self.assertFalse(show['parameters']['additionalProperties'])
        self.assertEqual(['value'], show['parameters']['required'])
        self.assertTrue(
            show['links'][0]['href'].endswith('/v1/actions/show-args')
        )
        self.assertNotIn('errors', body)

    def test_show_and_404(self):
        body = self.get('/v1/actions/noop', version=V).json
        self.assertEqual('noop', body['name'])
        response = self.get('/v1/actions/rm-rf', version=V, status=404)
        self.assert_fault(response, 404, 'rm-rf')

    def test_below_1_4_is_404(self):
        self.get('/v1/actions', version='fleet 1.3', status=404)
        self.get('/v1/actions/noop', version='fleet 1.3', status=404)

    def test_broken_definitions_are_reported(self):
        self.config(executor=['noop'], group='drivers')
        body = self.get('/v1/actions', version=V).json
        self.assertEqual(['noop'], [a['name'] for a in body['actions']])
        self.assertEqual('show-args', body['errors'][0]['name'])
        self.assertIn('not enabled', body['errors'][0]['error'])

    def test_version_document_lists_actions(self):
        body = self.get('/v1/', version=V).json
        self.assertIn('actions', body['resources'])
        body = self.get('/v1/', version='fleet 1.3').json
        self.assertNotIn('actions', body['resources'])


class TestRunsNameActions(ActionsAPITestCase):
    def test_ad_hoc_command_refused_at_every_version(self):
        for version in ('fleet 1.1', 'fleet 1.3', V):
            for args in (
                {'command': ['sh', '-c', 'id']},
                {'command': 'rm -rf /', 'shell': True},
                {'playbook': '/tmp/evil.yml'},
            ):
                response = self.run_request(
                    {
                        'host': 'cmp-1',
                        'kind': 'drain_patch_reboot',
                        'executor': 'script',
                        'executor_args': args,
                    },
                    400,
                    version=version,
                )
                error = self.assert_fault(response, 400, 'actions_dir')
                self.assertIn('executor_args', error['detail'])
        self.assert_nothing_recorded()

    def test_action_runs_and_records_its_definition(self):
        body = self.run_request(
            {
                'host': 'cmp-1',
                'action': 'show-args',
                'action_parameters': {'value': '-rf; $(id)'},
            },
            202,
        ).json
        params = body['parameters']
        self.assertEqual('drain_patch_reboot', body['kind'])
        self.assertEqual('script', params['executor'])
        self.assertEqual('show-args', params['action'])
        self.assertEqual({'value': '-rf; $(id)'}, params['action_parameters'])
        self.assertEqual(
            CATALOG['show-args']['command'],
            params['action_definition']['command'],
        )
        self.assertEqual(30, params['executor_timeout'])
        self.assertEqual({}, params['executor_args'])
        self.start.assert_called_once_with(mock.ANY, body['uuid'])

    def test_bad_parameters_refused_before_recording(self):
        for values, fragment in (
            ({'value': 'x', 'extra': '--evil'}, 'extra'),
            ({}, 'value'),
            ({'value': 'x' * 65}, 'value'),
            ({'value': 3}, 'value'),
        ):
            response = self.run_request(
                {
                    'host': 'cmp-1',
                    'action': 'show-args',
                    'action_parameters': values,
                },
                400,
            )
            self.assert_fault(response, 400, fragment)
        self.assert_nothing_recorded()

    def test_unknown_action(self):
        response = self.run_request({'host': 'cmp-1', 'action': 'rm-rf'}, 400)
        self.assert_fault(response, 400, 'actions_dir')
        self.assert_nothing_recorded()

    def test_action_needs_1_4(self):
        response = self.run_request(
            {'host': 'cmp-1', 'action': 'noop'}, 400, version='fleet 1.3'
        )
        self.assert_fault(response, 400, 'fleet 1.4')
        self.assert_nothing_recorded()

    def test_action_in_a_drain_only_run(self):
        response = self.run_request(
            {'host': 'cmp-1', 'action': 'noop', 'kind': 'drain'}, 400
        )
        self.assert_fault(response, 400, 'drain_patch_reboot')
        self.assert_nothing_recorded()

    def test_executor_must_match_the_action(self):
        response = self.run_request(
            {'host': 'cmp-1', 'action': 'noop', 'executor': 'script'}, 400
        )
        self.assert_fault(response, 400, 'executor')
        self.assert_nothing_recorded()

    def test_parameters_without_action(self):
        response = self.run_request(
            {'host': 'cmp-1', 'action_parameters': {'value': 'x'}}, 400
        )
        self.assert_fault(response, 400, '"action"')

    def test_executor_without_action_needs_one(self):
        # Older clients: a patch step with an executor that needs
        # arguments cannot run without an action.
        response = self.run_request(
            {
                'host': 'cmp-1',
                'kind': 'drain_patch_reboot',
                'executor': 'script',
            },
            400,
            version='fleet 1.1',
        )
        self.assert_fault(response, 400, 'needs an action')
        self.assert_nothing_recorded()

    def test_old_clients_noop_patch_still_works(self):
        body = self.run_request(
            {
                'host': 'cmp-1',
                'kind': 'drain_patch_reboot',
                'executor': 'noop',
            },
            202,
            version='fleet 1.1',
        ).json
        self.assertEqual('noop', body['parameters']['executor'])
        self.assertIsNone(body['parameters']['action'])


class TestRunbooksNameActions(ActionsAPITestCase):
    def runbook(self, parameters, status, kind='drain_patch_reboot'):
        body = {
            'name': 'rb',
            'match': {'alert_name': 'X'},
            'remediation': {
                'action': 'maintenance',
                'kind': kind,
                'parameters': parameters,
            },
        }
        return self.request(
            'POST', '/v1/runbooks', body, version=V, status=status
        )

    def test_ad_hoc_command_refused(self):
        response = self.runbook(
            {'executor': 'script', 'executor_args': {'command': 'id'}}, 400
        )
        self.assert_fault(response, 400, 'actions_dir')
        self.assertEqual([], self.dbapi.list_runbooks())

    def test_unknown_action_and_bad_parameters(self):
        self.assert_fault(self.runbook({'action': 'nope'}, 400), 400, 'nope')
        self.assert_fault(
            self.runbook({'action': 'show-args'}, 400), 400, 'value'
        )
        self.assert_fault(
            self.runbook({'action': 'noop'}, 400, kind='drain'),
            400,
            'drain_patch_reboot',
        )
        self.assertEqual([], self.dbapi.list_runbooks())

    def test_catalogued_action(self):
        body = self.runbook(
            {'action': 'show-args', 'action_parameters': {'value': 'a b'}},
            201,
        ).json
        self.assertEqual(
            'show-args', body['remediation']['parameters']['action']
        )
