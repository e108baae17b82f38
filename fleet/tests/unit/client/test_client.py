"""fleet.client against a real fleet API on a local port."""

import socket

from keystoneauth1 import fixture as ksa_fixture
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3
from requests_mock.contrib import fixture as rm_fixture

from fleet.client import client as fleet_client
from fleet.client import exceptions
from fleet.tests import base
from fleet.tests.unit.client import fixtures


class TestClientAgainstAPI(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.api = self.useFixture(fixtures.APIServer())
        self.client = fleet_client.Client(endpoint=self.api.url)

    def test_list_follows_pages(self):
        self.config(default_limit=2, group='api')
        for i in range(5):
            self.create_host(name=f'c{i}')
        hosts = self.client.hosts.list(sort_key='name')
        self.assertEqual(
            [f'c{i}' for i in range(5)], [h['name'] for h in hosts]
        )

    def test_list_limit_marker_sort(self):
        self.config(default_limit=2, group='api')
        made = [self.create_host(name=f'c{i}') for i in range(5)]
        hosts = self.client.hosts.list(limit=3)
        self.assertEqual(['c0', 'c1', 'c2'], [h['name'] for h in hosts])
        hosts = self.client.hosts.list(marker=made[2]['uuid'])
        self.assertEqual(['c3', 'c4'], [h['name'] for h in hosts])
        hosts = self.client.hosts.list(sort_key='name', sort_dir='desc')
        self.assertEqual('c4', hosts[0]['name'])

    def test_list_filters(self):
        self.create_host(name='c1', kind='compute', rack='r1')
        self.create_host(name='s1', kind='switch', rack='r1')
        self.create_host(name='c2', kind='compute', rack='r2')
        hosts = self.client.hosts.list(kind='compute', rack='r1')
        self.assertEqual(['c1'], [h['name'] for h in hosts])
        self.assertRaises(TypeError, self.client.hosts.list, label='x')

    def test_crud(self):
        host = self.client.hosts.create(
            'c9', kind='storage', rack='r1', labels={'a': '1', 'b': '2'}
        )
        self.assertEqual('storage', host['kind'])
        self.assertEqual(host, self.client.hosts.get(host['uuid']))
        host = self.client.hosts.update(
            'c9', labels={'a': None, 'c': '3'}, variables={'n': 1}
        )
        self.assertEqual({'b': '2', 'c': '3'}, host['labels'])
        self.assertEqual({'n': 1}, host['variables'])
        host = self.client.hosts.unmanage('c9', reason='RMA', owner='ops')
        self.assertEqual(
            ('unmanaged', 'RMA', 'ops'),
            (host['state'], host['state_reason'], host['owner']),
        )
        host = self.client.hosts.manage('c9')
        self.assertEqual(
            ('active', None), (host['state'], host['state_reason'])
        )
        self.client.hosts.delete('c9')
        self.assertEqual([], self.client.hosts.list())

    def test_error_is_one_readable_line(self):
        e = self.assertRaises(
            exceptions.FleetClientError, self.client.hosts.get, 'nope'
        )
        self.assertEqual(404, e.status_code)
        self.assertEqual('Host nope could not be found.', e.detail)
        self.assertTrue(e.request_id.startswith('req-'))
        self.assertEqual(
            f'Host nope could not be found. (HTTP 404) '
            f'(Request-ID: {e.request_id})',
            str(e),
        )

    def test_validation_error(self):
        e = self.assertRaises(
            exceptions.FleetClientError,
            self.client.hosts.create,
            'c1',
            kind='toaster',
        )
        self.assertEqual(400, e.status_code)
        self.assertIn('kind', e.detail)
        self.assertNotIn('\n', str(e))

    def test_explicit_version_is_sent(self):
        client = fleet_client.Client(endpoint=self.api.url, api_version='1.0')
        client.hosts.list()
        self.assertEqual('1.0', client.negotiated_version)

    def test_version_too_new_for_server(self):
        client = fleet_client.Client(endpoint=self.api.url, api_version='1.99')
        e = self.assertRaises(exceptions.FleetClientError, client.hosts.list)
        self.assertEqual(406, e.status_code)
        self.assertIn('1.99', e.detail)

    def test_latest_settles_on_server_version(self):
        self.client.hosts.list()
        self.assertIsNotNone(self.client.negotiated_version)
        self.assertEqual(
            self.client.negotiated_version, self.client.api_version
        )

    def test_executions_need_1_1(self):
        client = fleet_client.Client(endpoint=self.api.url, api_version='1.0')
        e = self.assertRaises(
            exceptions.FleetClientError, client.executions.list
        )
        self.assertIn('needs fleet API version 1.1', str(e))
        self.assertIn('1.0 was requested', str(e))

    def test_endpoint_with_v1_suffix(self):
        client = fleet_client.Client(endpoint=self.api.url + '/v1/')
        self.assertEqual([], client.hosts.list())

    def test_unreachable(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        client = fleet_client.Client(endpoint=f'http://127.0.0.1:{port}')
        e = self.assertRaises(exceptions.FleetClientError, client.hosts.list)
        self.assertIn(
            f'Cannot reach the fleet API at http://127.0.0.1:{port}', str(e)
        )
        self.assertIsNone(e.status_code)


class TestClientMocked(base.TestCase):
    """What a real server cannot easily be made to do."""

    URL = 'http://fleet.test:9880'

    def setUp(self):
        super().setUp()
        self.mock = self.useFixture(rm_fixture.Fixture())

    def test_negotiates_down_to_an_older_server(self):
        seen = []

        def hosts(request, context):
            seen.append(request.headers['OpenStack-API-Version'])
            if request.headers['OpenStack-API-Version'] != 'fleet 1.0':
                context.status_code = 406
                context.headers['OpenStack-API-Maximum-Version'] = '1.0'
                return {'errors': [{'status': 406, 'detail': 'too new'}]}
            context.headers['OpenStack-API-Version'] = 'fleet 1.0'
            return {'hosts': []}

        self.mock.get(self.URL + '/v1/hosts', json=hosts)
        client = fleet_client.Client(endpoint=self.URL)
        self.assertEqual([], client.hosts.list())
        newest = fleet_client.format_version(fleet_client.MAX_VERSION)
        self.assertEqual(
            [f'fleet {newest}', 'fleet 1.0'],
            seen,
        )
        self.assertEqual('1.0', client.api_version)
        # Executions need more than the server has: said before asking.
        e = self.assertRaises(
            exceptions.FleetClientError, client.executions.list
        )
        self.assertIn('supports at most 1.0', str(e))

    def test_error_documents(self):
        cases = [
            (
                {
                    'json': {
                        'errors': [
                            {
                                'status': 409,
                                'title': 'Conflict',
                                'detail': 'busy\n now',
                                'request_id': 'req-1',
                            }
                        ]
                    }
                },
                'busy now (HTTP 409) (Request-ID: req-1)',
            ),
            (
                {'json': {'badRequest': {'message': 'old style'}}},
                'old style (HTTP 409)',
            ),
            (
                {
                    'text': '<html>\n<b>Bad gateway</b></html>',
                    'headers': {'x-openstack-request-id': 'req-2'},
                },
                '<html> <b>Bad gateway</b></html> (HTTP 409) '
                '(Request-ID: req-2)',
            ),
            ({'text': ''}, 'Conflict (HTTP 409)'),
        ]
        client = fleet_client.Client(endpoint=self.URL)
        for response, expected in cases:
            self.mock.get(
                self.URL + '/v1/hosts/x',
                status_code=409,
                reason='Conflict',
                **response,
            )
            e = self.assertRaises(
                exceptions.FleetClientError, client.hosts.get, 'x'
            )
            self.assertEqual(expected, str(e))

    def _catalog_session(self, with_fleet=True):
        auth_url = 'http://keystone.test/identity/v3'
        token = ksa_fixture.V3Token()
        token.set_project_scope()
        token.add_service('compute').add_standard_endpoints(
            public='http://nova.test/v2.1', region='RegionOne'
        )
        if with_fleet:
            service = token.add_service('fleet')
            service.add_standard_endpoints(
                public=self.URL + '/v1',
                internal='http://internal:9880',
                region='RegionOne',
            )
        self.mock.post(
            auth_url + '/auth/tokens',
            json=token,
            headers={'X-Subject-Token': 'tok'},
        )
        auth = v3.Password(
            auth_url=auth_url,
            username='u',
            password='p',
            project_name='p',
            user_domain_id='default',
            project_domain_id='default',
        )
        return ksa_session.Session(auth=auth)

    def test_endpoint_from_catalog(self):
        self.mock.get(self.URL + '/v1/hosts', json={'hosts': []})
        client = fleet_client.Client(session=self._catalog_session())
        self.assertEqual([], client.hosts.list())
        self.assertEqual(self.URL, client.endpoint)
        self.assertEqual('tok', self.mock.last_request.headers['X-Auth-Token'])

    def test_no_endpoint_in_catalog(self):
        client = fleet_client.Client(
            session=self._catalog_session(with_fleet=False)
        )
        e = self.assertRaises(exceptions.FleetClientError, client.hosts.list)
        self.assertIn('no "fleet" endpoint', str(e))

    def test_needs_session_or_endpoint(self):
        self.assertRaises(exceptions.FleetClientError, fleet_client.Client)

    def test_invalid_version(self):
        e = self.assertRaises(
            exceptions.FleetClientError,
            fleet_client.Client,
            endpoint=self.URL,
            api_version='one',
        )
        self.assertIn("Invalid fleet API version 'one'", str(e))
