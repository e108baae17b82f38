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
