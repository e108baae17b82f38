"""The API wrapper against a fake fleet at the HTTP boundary
(requests-mock): endpoint from the token's catalog, the user's token,
the microversion header, errors turned into Horizon's exceptions."""

from horizon import exceptions as horizon_exc
from openstack_auth import utils as auth_utils
from openstack_dashboard.test import helpers
import requests_mock

from fleet_dashboard.api import fleet as api
from fleet_dashboard.tests import base

URL = 'http://public.fleet.example.com:9880'


class ApiTests(base.FleetAdminTestCase):
    def setUp(self):
        super().setUp()
        # The active user (Horizon's helpers patch get_user to return it).
        self.request.user = auth_utils.get_user(self.request)
        self.mocker = requests_mock.Mocker()
        self.mocker.start()
        self.addCleanup(self.mocker.stop)

    def test_host_list_sends_token_and_version(self):
        self.mocker.get(
            f'{URL}/v1/hosts',
            json={'hosts': [{'uuid': 'u1', 'name': 'cmp-1'}], 'next': None},
        )
        hosts = api.host_list(self.request, state='active', name='')
        self.assertEqual(['cmp-1'], [h['name'] for h in hosts])
        sent = self.mocker.request_history[0]
        self.assertEqual(self.token.id, sent.headers['X-Auth-Token'])
        self.assertEqual('fleet 1.8', sent.headers['OpenStack-API-Version'])
        # Empty filters are not sent.
        self.assertEqual({'state': ['active']}, sent.qs)

    def test_release_posts_reason(self):
        self.mocker.post(
            f'{URL}/v1/hosts/cmp-1/release',
            json={'name': 'cmp-1', 'state': 'unmanaged'},
        )
        api.host_release(self.request, 'cmp-1', reason='stuck')
        self.assertEqual(
            {'reason': 'stuck'}, self.mocker.request_history[0].json()
        )

    def test_start_maintenance_body(self):
        self.mocker.post(f'{URL}/v1/executions', json={'uuid': 'r1'})
        api.execution_create(
            self.request, 'cmp-1', kind='drain', max_parallel=None, action=''
        )
        self.assertEqual(
            {'host': 'cmp-1', 'kind': 'drain'},
            self.mocker.request_history[0].json(),
        )

    def test_conflict_is_recoverable_with_fleets_message(self):
        self.mocker.post(
            f'{URL}/v1/executions',
            status_code=409,
            json={
                'errors': [
                    {
                        'status': 409,
                        'title': 'Conflict',
                        'detail': 'Host cmp-1 is held by run r0.',
                    }
                ]
            },
        )
        with self.assertRaises(api.FleetRequestError) as ctx:
            api.execution_create(self.request, 'cmp-1')
        self.assertIsInstance(ctx.exception, horizon_exc.BadRequest)
        self.assertEqual(
            'Host cmp-1 is held by run r0. (HTTP 409)', str(ctx.exception)
        )
        self.assertEqual(409, ctx.exception.status_code)

    def test_not_found(self):
        self.mocker.get(
            f'{URL}/v1/hosts/nope',
            status_code=404,
            json={'errors': [{'detail': 'Host nope could not be found.'}]},
        )
        with self.assertRaises(api.FleetNotFound):
            api.host_get(self.request, 'nope')

    def test_unauthorized_logs_out(self):
        self.mocker.get(f'{URL}/v1/hosts/x', status_code=401, text='no')
        with self.assertRaises(api.FleetUnauthorized) as ctx:
            api.host_get(self.request, 'x')
        self.assertIsInstance(ctx.exception, horizon_exc.NotAuthorized)

    def test_server_error_is_unavailable(self):
        self.mocker.get(f'{URL}/v1/hosts/x', status_code=500, text='boom')
        with self.assertRaises(api.FleetUnavailable) as ctx:
            api.host_get(self.request, 'x')
        self.assertIsInstance(ctx.exception, horizon_exc.NotAvailable)

    def test_instance_counts(self):
        self.mocker.get(
            f'{URL}/v1/capacity',
            json={'hosts': [{'name': 'cmp-1', 'instances': 4}], 'total': {}},
        )
        self.assertEqual({'cmp-1': 4}, api.instance_counts(self.request))


class NoCatalogTests(helpers.BaseAdminViewTests):
    def test_no_fleet_in_catalog(self):
        self.request.user = auth_utils.get_user(self.request)
        with self.assertRaises(horizon_exc.ServiceCatalogException):
            api.host_list(self.request)


class NewerApiTests(ApiTests):
    """Calls of API 1.6-1.8 and the runbook toggle, at the HTTP boundary."""

    def test_runbook_toggle_puts_the_runbook_back_with_enabled_changed(self):
        self.mocker.get(
            f'{URL}/v1/runbooks/disk',
            json={
                'uuid': 'rb-1',
                'name': 'disk',
                'description': None,
                'enabled': True,
                'match': {'alert_name': 'DiskFailing'},
                'threshold': {'count': 2, 'window': 600},
                'cooldown': 0,
                'remediation': {'action': 'maintenance', 'kind': 'drain'},
                'approval': 'admin',
                'limits': {},
                'created_at': '2026-11-30T10:00:00Z',
                'updated_at': None,
                'links': [{'rel': 'self', 'href': 'x'}],
                'actions': [{'action': 'execution'}],
            },
        )
        self.mocker.put(
            f'{URL}/v1/runbooks/rb-1', json={'name': 'disk', 'enabled': False}
        )
        api.runbook_set_enabled(self.request, 'disk', False)
        put = self.mocker.request_history[1]
        self.assertEqual('PUT', put.method)
        # Only what PUT takes (its schema refuses read-only fields and a
        # null description); the rest unchanged.
        self.assertEqual(
            {
                'name': 'disk',
                'enabled': False,
                'match': {'alert_name': 'DiskFailing'},
                'threshold': {'count': 2, 'window': 600},
                'cooldown': 0,
                'remediation': {'action': 'maintenance', 'kind': 'drain'},
                'approval': 'admin',
                'limits': {},
            },
            put.json(),
        )

    def test_runbook_toggle_of_a_deleted_runbook_is_not_found(self):
        self.mocker.get(
            f'{URL}/v1/runbooks/gone',
            status_code=404,
            json={'errors': [{'status': 404, 'detail': 'No runbook gone.'}]},
        )
        with self.assertRaises(api.FleetNotFound):
            api.runbook_set_enabled(self.request, 'gone', True)
        self.assertEqual(1, len(self.mocker.request_history))

    def test_facts_not_gathered_is_none(self):
        self.mocker.get(
            f'{URL}/v1/hosts/h-1/facts',
            status_code=404,
            json={'errors': [{'status': 404, 'detail': 'No facts yet.'}]},
        )
        self.assertIsNone(api.host_facts(self.request, 'h-1'))

    def test_findings_of_a_host_and_metrics(self):
        self.mocker.get(
            f'{URL}/v1/findings',
            json={'findings': [{'uuid': 'f-1', 'rule': 'r'}]},
        )
        self.mocker.get(
            f'{URL}/v1/hosts/h-1/metrics',
            json={'metrics': [{'name': 'cpu', 'value': 0.5}]},
        )
        self.assertEqual(
            ['f-1'],
            [f['uuid'] for f in api.finding_list(self.request, host='h-1')],
        )
        self.assertEqual({'host': ['h-1']}, self.mocker.request_history[0].qs)
        self.assertEqual(
            [{'name': 'cpu', 'value': 0.5}],
            api.host_metrics(self.request, 'h-1'),
        )

    def test_plan_pause_and_unsilence_post(self):
        self.mocker.post(f'{URL}/v1/plans/p-1/pause', json={'uuid': 'p-1'})
        self.mocker.post(f'{URL}/v1/alerts/a-1/unsilence', json={})
        api.plan_pause(self.request, 'p-1')
        api.alert_unsilence(self.request, 'a-1')
        self.assertEqual(
            ['/v1/plans/p-1/pause', '/v1/alerts/a-1/unsilence'],
            [r.path for r in self.mocker.request_history],
        )
