"""Tests of the Nova adapter, at the HTTP boundary.

A real keystoneauth session and a real novaclient talk to requests-mock:
the tests see the exact requests fleet sends (URLs, microversion headers,
bodies) and the answers Nova gives, including errors and retries.
"""

from keystoneauth1 import fixture as ks_fixture
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from oslo_config import fixture as config_fixture
import requests
from requests_mock.contrib import fixture as rm_fixture

from fleet.common import exception
from fleet.common import nova
from fleet.tests import base

AUTH_URL = 'http://keystone.test/v3'
NOVA_URL = 'http://nova.test/v2.1'
PLACEMENT_URL = 'http://placement.test'
SERVICE_UUID = '6a4f2d9e-0000-4000-8000-000000000001'
SERVER_UUID = '7b5e3e0f-0000-4000-8000-000000000002'
RP_UUID = '8c6f4f10-0000-4000-8000-000000000003'


def _token() -> dict:
    token = ks_fixture.V3Token()
    token.set_project_scope()
    for service_type, url in (
        ('compute', NOVA_URL),
        ('placement', PLACEMENT_URL),
    ):
        service = token.add_service(service_type)
        service.add_standard_endpoints(
            public=url, internal=url, region='RegionOne'
        )
    return token


class NovaTestCase(base.TestCase):
    """An adapter on a mocked Keystone catalog, Nova and Placement."""

    def setUp(self):
        super().setUp()
        self.http = self.useFixture(rm_fixture.Fixture())
        self.http.post(
            AUTH_URL + '/auth/tokens',
            json=_token(),
            headers={'X-Subject-Token': 'a-token'},
        )
        self.config(
            group='nova',
            region_name='RegionOne',
            max_retries=2,
            retry_delay=1.0,
            max_retry_delay=1.5,
        )
        self.session = ks_session.Session(
            auth=v3.Password(
                auth_url=AUTH_URL,
                username='fleet',
                password='secret',
                project_name='service',
                user_domain_id='default',
                project_domain_id='default',
            )
        )
        self.adapter = nova.NovaAdapter(session=self.session)
        self.sleeps = []
        self.adapter._sleep = self.sleeps.append

    def nova(self, method, path, responses=None, **kwargs):
        """Mock a Nova URL: one answer (kwargs) or a list in turn."""
        if responses is not None:
            return self.http.register_uri(method, NOVA_URL + path, responses)
        return self.http.register_uri(method, NOVA_URL + path, **kwargs)

    def placement(self, path, **kwargs):
        return self.http.get(PLACEMENT_URL + path, **kwargs)


class TestConfig(NovaTestCase):
    def test_parse_api_version(self):
        self.assertEqual('2.88', nova.parse_api_version('2.88').get_string())

    def test_parse_api_version_too_old(self):
        e = self.assertRaises(
            exception.ConfigInvalid, nova.parse_api_version, '2.52'
        )
        self.assertIn('2.59', str(e))

    def test_parse_api_version_too_new(self):
        self.assertRaises(
            exception.ConfigInvalid, nova.parse_api_version, '2.999'
        )

    def test_parse_api_version_malformed(self):
        self.assertRaises(
            exception.ConfigInvalid, nova.parse_api_version, 'latest-ish'
        )

    def test_load_session_without_auth_type(self):
        e = self.assertRaises(exception.ConfigInvalid, nova.load_session)
        self.assertIn('auth_type', str(e))

    def test_load_session_password(self):
        # keystoneauth registers the plugin's options (auth_url is
        # required) when it loads it: the fixture unregisters them after.
        self.useFixture(config_fixture.Config(base.CONF)).register_opts(
            ks_loading.get_auth_plugin_conf_options('password'), group='nova'
        )
        self.config(
            group='nova',
            auth_type='password',
            auth_url=AUTH_URL,
            username='fleet',
            password='secret',
            project_name='service',
        )
        session = nova.load_session()
        self.assertEqual(AUTH_URL, session.auth.auth_url)
        # fleet's default: a request never waits forever.
        self.assertEqual(60, session.timeout)

    def test_defaults(self):
        self.assertEqual('compute', base.CONF.nova.service_type)
        self.assertEqual(
            ['internal', 'public'], base.CONF.nova.valid_interfaces
        )
        self.assertEqual('2.88', base.CONF.nova.api_version)


class TestServices(NovaTestCase):
    def test_list_services_sends_microversion(self):
        self.nova(
            'GET',
            '/os-services?host=fc1&binary=nova-compute',
            json={'services': [{'id': SERVICE_UUID, 'host': 'fc1'}]},
        )
        services = self.adapter.list_services(
            host='fc1', binary='nova-compute'
        )
        self.assertEqual([{'id': SERVICE_UUID, 'host': 'fc1'}], services)
        request = self.http.last_request
        self.assertEqual(
            'compute 2.88', request.headers['OpenStack-API-Version']
        )
        self.assertEqual(
            {'host': ['fc1'], 'binary': ['nova-compute']}, request.qs
        )

    def test_disable_service_with_reason(self):
        self.nova(
            'PUT',
            '/os-services/' + SERVICE_UUID,
            json={
                'service': {
                    'id': SERVICE_UUID,
                    'status': 'disabled',
                    'disabled_reason': 'fleet: run 1',
                }
            },
        )
        service = self.adapter.disable_service(SERVICE_UUID, 'fleet: run 1')
        self.assertEqual('disabled', service['status'])
        self.assertEqual(
            {'status': 'disabled', 'disabled_reason': 'fleet: run 1'},
            self.http.last_request.json(),
        )

    def test_enable_service(self):
        self.nova(
            'PUT',
            '/os-services/' + SERVICE_UUID,
            json={'service': {'id': SERVICE_UUID, 'status': 'enabled'}},
        )
        self.adapter.enable_service(SERVICE_UUID)
        self.assertEqual({'status': 'enabled'}, self.http.last_request.json())

    def test_enable_unknown_service(self):
        self.nova(
            'PUT',
            '/os-services/' + SERVICE_UUID,
            status_code=404,
            json={'itemNotFound': {'code': 404, 'message': 'nope'}},
        )
        self.assertRaises(
            exception.HostNotFound, self.adapter.enable_service, SERVICE_UUID
        )


class TestServers(NovaTestCase):
    def test_list_servers_all_projects_all_pages(self):
        self.nova(
            'GET',
            '/servers/detail',
            [
                {'json': {'servers': [{'id': 'a'}, {'id': 'b'}]}},
                {'json': {'servers': [{'id': 'c'}]}},
                {'json': {'servers': []}},
            ],
        )
        servers = self.adapter.list_servers('fc1')
        self.assertEqual(['a', 'b', 'c'], [s['id'] for s in servers])
        queries = [r.qs for r in self.http.request_history[1:]]
        self.assertEqual(['fc1'], queries[0]['host'])
        self.assertEqual(['true'], queries[0]['all_tenants'])
        self.assertEqual(['b'], queries[1]['marker'])
        self.assertEqual(['c'], queries[2]['marker'])

    def test_list_servers_drops_a_server_repeated_across_pages(self):
        # Seen on Nova 2026.1: servers of one multi-create share their
        # created_at, and a marker page repeats one of them.
        self.nova(
            'GET',
            '/servers/detail',
            [
                {'json': {'servers': [{'id': 'a'}, {'id': 'b'}]}},
                {'json': {'servers': [{'id': 'c'}, {'id': 'b'}]}},
                {'json': {'servers': []}},
            ],
        )
        servers = self.adapter.list_servers('fc1')
        self.assertEqual(['a', 'b', 'c'], [s['id'] for s in servers])

    def test_shelve_offload(self):
        self.nova('POST', f'/servers/{SERVER_UUID}/action', status_code=202)
        self.adapter.shelve_offload(SERVER_UUID)
        self.assertEqual(
            {'shelveOffload': None}, self.http.last_request.json()
        )

    def test_get_server_not_found(self):
        self.nova('GET', '/servers/' + SERVER_UUID, status_code=404)
        e = self.assertRaises(
            exception.InstanceNotFound, self.adapter.get_server, SERVER_UUID
        )
        self.assertIn(SERVER_UUID, str(e))

    def test_live_migrate_scheduler_chooses(self):
        self.nova('POST', f'/servers/{SERVER_UUID}/action', status_code=202)
        self.adapter.live_migrate(SERVER_UUID)
        self.assertEqual(
            {'os-migrateLive': {'host': None, 'block_migration': 'auto'}},
            self.http.last_request.json(),
        )

    def test_live_migrate_to_host(self):
        self.nova('POST', f'/servers/{SERVER_UUID}/action', status_code=202)
        self.adapter.live_migrate(SERVER_UUID, 'fc2')
        self.assertEqual(
            'fc2', self.http.last_request.json()['os-migrateLive']['host']
        )

    def test_live_migrate_conflict(self):
        self.nova(
            'POST',
            f'/servers/{SERVER_UUID}/action',
            status_code=409,
            json={
                'conflictingRequest': {
                    'code': 409,
                    'message': "Cannot 'os-migrateLive' instance while it "
                    'is in task_state migrating',
                }
            },
            headers={'x-compute-request-id': 'req-123'},
        )
        e = self.assertRaises(
            exception.ComputeConflict, self.adapter.live_migrate, SERVER_UUID
        )
        self.assertIn('task_state migrating', str(e))
        self.assertIn('req-123', str(e))
        self.assertEqual(409, e.code)

    def test_cold_migrate_and_confirm(self):
        m = self.nova(
            'POST', f'/servers/{SERVER_UUID}/action', status_code=202
        )
        self.adapter.migrate(SERVER_UUID, 'fc3')
        self.assertEqual(
            {'migrate': {'host': 'fc3'}}, self.http.last_request.json()
        )
        self.adapter.confirm_resize(SERVER_UUID)
        self.assertEqual(
            {'confirmResize': None}, self.http.last_request.json()
        )
        self.assertEqual(2, m.call_count)


class TestMigrations(NovaTestCase):
    def test_list_migrations_filters(self):
        self.nova(
            'GET',
            '/os-migrations',
            json={'migrations': [{'id': 7, 'status': 'completed'}]},
        )
        migrations = self.adapter.list_migrations(
            SERVER_UUID, 'live-migration'
        )
        self.assertEqual(7, migrations[0]['id'])
        self.assertEqual(
            {
                'instance_uuid': [SERVER_UUID],
                'migration_type': ['live-migration'],
            },
            self.http.last_request.qs,
        )

    def test_abort(self):
        self.nova(
            'DELETE', f'/servers/{SERVER_UUID}/migrations/7', status_code=202
        )
        self.adapter.abort_live_migration(SERVER_UUID, 7)
        self.assertEqual('DELETE', self.http.last_request.method)

    def test_abort_unknown(self):
        self.nova(
            'DELETE', f'/servers/{SERVER_UUID}/migrations/7', status_code=404
        )
        self.assertRaises(
            exception.MigrationNotFound,
            self.adapter.abort_live_migration,
            SERVER_UUID,
            7,
        )

    def test_abort_not_abortable(self):
        self.nova(
            'DELETE',
            f'/servers/{SERVER_UUID}/migrations/7',
            status_code=400,
            json={'badRequest': {'code': 400, 'message': 'completed'}},
        )
        e = self.assertRaises(
            exception.ComputeError,
            self.adapter.abort_live_migration,
            SERVER_UUID,
            7,
        )
        self.assertIn('HTTP 400', str(e))


class TestRetries(NovaTestCase):
    def test_transient_errors_are_retried_with_backoff(self):
        m = self.nova(
            'GET',
            '/os-services',
            [
                {'status_code': 503},
                {'status_code': 502},
                {'json': {'services': []}},
            ],
        )
        self.assertEqual([], self.adapter.list_services())
        self.assertEqual(3, m.call_count)
        self.assertEqual(2, len(self.sleeps))
        # Exponential, jittered, capped by max_retry_delay.
        self.assertTrue(0.8 <= self.sleeps[0] <= 1.0, self.sleeps)
        self.assertTrue(1.2 <= self.sleeps[1] <= 1.5, self.sleeps)

    def test_retries_are_bounded(self):
        m = self.nova('GET', '/os-services', status_code=504)
        e = self.assertRaises(
            exception.ComputeUnavailable, self.adapter.list_services
        )
        self.assertEqual(3, m.call_count)
        self.assertIn('HTTP 504', str(e))
        self.assertEqual(503, e.code)

    def test_internal_error_is_not_retried(self):
        m = self.nova('GET', '/os-services', status_code=500)
        self.assertRaises(
            exception.ComputeUnavailable, self.adapter.list_services
        )
        self.assertEqual(1, m.call_count)

    def test_connection_error_is_retried(self):
        m = self.nova(
            'GET',
            '/os-services',
            [
                {'exc': requests.exceptions.ConnectionError('reset')},
                {'json': {'services': []}},
            ],
        )
        self.assertEqual([], self.adapter.list_services())
        self.assertEqual(2, m.call_count)

    def test_unreachable(self):
        self.nova(
            'GET',
            '/os-services',
            exc=requests.exceptions.ConnectionError('Connection refused'),
        )
        e = self.assertRaises(
            exception.ComputeUnavailable, self.adapter.list_services
        )
        self.assertIn('Connection refused', str(e))

    def test_migration_not_repeated_after_gateway_timeout(self):
        # Nova may have started it: a repeat could migrate twice.
        m = self.nova(
            'POST', f'/servers/{SERVER_UUID}/action', status_code=504
        )
        self.assertRaises(
            exception.ComputeUnavailable,
            self.adapter.live_migrate,
            SERVER_UUID,
        )
        self.assertEqual(1, m.call_count)

    def test_migration_not_repeated_after_read_timeout(self):
        m = self.nova(
            'POST',
            f'/servers/{SERVER_UUID}/action',
            exc=requests.exceptions.ReadTimeout('read timed out'),
        )
        self.assertRaises(
            exception.ComputeUnavailable,
            self.adapter.live_migrate,
            SERVER_UUID,
        )
        self.assertEqual(1, m.call_count)

    def test_migration_repeated_after_service_unavailable(self):
        m = self.nova(
            'POST',
            f'/servers/{SERVER_UUID}/action',
            [{'status_code': 503}, {'status_code': 202}],
        )
        self.adapter.live_migrate(SERVER_UUID)
        self.assertEqual(2, m.call_count)

    def test_migration_repeated_after_connection_refused(self):
        m = self.nova(
            'POST',
            f'/servers/{SERVER_UUID}/action',
            [
                {
                    'exc': requests.exceptions.ConnectionError(
                        '[Errno 111] Connection refused'
                    )
                },
                {'status_code': 202},
            ],
        )
        self.adapter.live_migrate(SERVER_UUID)
        self.assertEqual(2, m.call_count)

    def test_forbidden_names_the_role(self):
        self.nova('GET', '/os-services', status_code=403)
        e = self.assertRaises(
            exception.ComputeError, self.adapter.list_services
        )
        self.assertIn('admin role', str(e))

    def test_no_endpoint_is_a_config_error(self):
        self.config(group='nova', region_name='NoSuchRegion')
        adapter = nova.NovaAdapter(session=self.session)
        e = self.assertRaises(exception.ConfigInvalid, adapter.list_services)
        self.assertIn('region_name', str(e))


class TestPlacement(NovaTestCase):
    def test_find_resource_providers_by_name(self):
        self.placement(
            '/resource_providers?name=fc1',
            json={'resource_providers': [{'uuid': RP_UUID, 'name': 'fc1'}]},
        )
        self.assertEqual(
            [{'uuid': RP_UUID, 'name': 'fc1'}],
            self.adapter.find_resource_providers('fc1'),
        )
        self.assertEqual(
            'placement 1.0',
            self.http.last_request.headers['OpenStack-API-Version'],
        )

    def test_find_resource_providers_through_hypervisors(self):
        self.placement(
            '/resource_providers?name=fc1', json={'resource_providers': []}
        )
        self.nova(
            'GET',
            '/os-hypervisors/detail?hypervisor_hostname_pattern=fc1',
            json={
                'hypervisors': [
                    {
                        'id': RP_UUID,
                        'hypervisor_hostname': 'fc1.example.org',
                        'service': {'host': 'fc1'},
                    },
                    {
                        'id': 'other',
                        'hypervisor_hostname': 'fc10.example.org',
                        'service': {'host': 'fc10'},
                    },
                ]
            },
        )
        self.assertEqual(
            [{'uuid': RP_UUID, 'name': 'fc1.example.org'}],
            self.adapter.find_resource_providers('fc1'),
        )

    def test_find_resource_providers_none(self):
        self.placement(
            '/resource_providers?name=nope', json={'resource_providers': []}
        )
        self.nova(
            'GET',
            '/os-hypervisors/detail?hypervisor_hostname_pattern=nope',
            status_code=404,
        )
        self.assertEqual([], self.adapter.find_resource_providers('nope'))

    def test_provider_usage(self):
        self.placement(
            f'/resource_providers/{RP_UUID}/inventories',
            json={'inventories': {'VCPU': {'total': 8}}},
        )
        self.placement(
            f'/resource_providers/{RP_UUID}/usages',
            json={'usages': {'VCPU': 3}},
        )
        self.assertEqual(
            {'inventories': {'VCPU': {'total': 8}}, 'usages': {'VCPU': 3}},
            self.adapter.get_provider_usage(RP_UUID),
        )

    def test_placement_errors_are_translated(self):
        self.placement(
            f'/resource_providers/{RP_UUID}/inventories', status_code=503
        )
        self.assertRaises(
            exception.ComputeUnavailable,
            self.adapter.get_provider_usage,
            RP_UUID,
        )
        self.assertEqual(2, len(self.sleeps))


class TestGetAdapter(base.TestCase):
    def test_built_once(self):
        self.addCleanup(nova.reset)
        nova.reset()
        created = []

        class Fake:
            def __init__(self):
                created.append(self)

        self.patch(nova, 'NovaAdapter', Fake)
        self.assertIs(nova.get_adapter(), nova.get_adapter())
        self.assertEqual(1, len(created))
