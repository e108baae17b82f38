"""Tests of the pecan hooks through the whole application: microversion
negotiation, request context and JSON faults."""

import fixtures

from fleet.api import hooks
from fleet.api.controllers.v1 import versions
from fleet.common import exception
from fleet.tests.unit.api import base

MAX = versions.MAX_VERSION_STRING
MIN = versions.MIN_VERSION_STRING


class TestMicroversionHook(base.APITestCase):
    def assert_version_headers(self, response, version):
        self.assertEqual(f'fleet {version}', response.headers[versions.HEADER])
        self.assertEqual(
            MIN, response.headers['OpenStack-API-Minimum-Version']
        )
        self.assertEqual(
            MAX, response.headers['OpenStack-API-Maximum-Version']
        )
        self.assertIn(versions.HEADER, response.headers['Vary'])

    def test_no_header_gets_the_minimum(self):
        self.assert_version_headers(self.get('/v1/hosts'), MIN)

    def test_latest(self):
        response = self.get('/v1/hosts', version='fleet latest')
        self.assert_version_headers(response, MAX)

    def test_exact(self):
        response = self.get('/v1/hosts', version=f'fleet {MAX}')
        self.assert_version_headers(response, MAX)

    def test_unsupported_version(self):
        response = self.get('/v1/hosts', version='fleet 1.99', status=406)
        self.assert_fault(response, 406, 'Version 1.99 was requested')
        self.assertEqual(
            MIN, response.headers['OpenStack-API-Minimum-Version']
        )
        self.assertEqual(
            MAX, response.headers['OpenStack-API-Maximum-Version']
        )

    def test_unsupported_version_runs_nothing(self):
        response = self.request(
            'POST',
            '/v1/hosts',
            {'name': 'c1'},
            version='fleet 1.99',
            status=406,
        )
        self.assert_fault(response, 406)
        self.assertEqual([], self.dbapi.list_hosts())

    def test_malformed(self):
        for value in ('fleet 1', 'fleet one.two', 'fleet 1.0.0'):
            response = self.get('/v1/hosts', version=value, status=400)
            self.assert_fault(response, 400, 'is not of the form')

    def test_other_services_header_is_ignored(self):
        response = self.get('/v1/hosts', version='compute 2.95')
        self.assert_version_headers(response, MIN)

    def test_errors_are_versioned_too(self):
        response = self.get('/v1/hosts/nope', status=404)
        self.assert_version_headers(response, MIN)


class TestContextHook(base.APITestCase):
    def test_noauth_is_admin(self):
        seen = []
        original = hooks.ContextHook.before

        def spy(hook, state):
            original(hook, state)
            seen.append(state.request.context)

        self.useFixture(
            fixtures.MonkeyPatch('fleet.api.hooks.ContextHook.before', spy)
        )
        response = self.get('/v1/hosts')
        ctx = seen[0]
        self.assertTrue(ctx.is_admin)
        self.assertEqual('noauth', ctx.user_id)
        self.assertEqual(['admin', 'member', 'reader'], sorted(ctx.roles))
        self.assertEqual(
            response.headers['x-openstack-request-id'], ctx.request_id
        )


class TestFaultHook(base.APITestCase):
    def break_list_hosts(self, exc):
        def list_hosts(*args, **kwargs):
            raise exc

        self.useFixture(
            fixtures.MonkeyPatch(
                'fleet.db.sqlalchemy.api.Connection.list_hosts', list_hosts
            )
        )

    def test_crash_in_a_controller_is_a_500_fault(self):
        self.break_list_hosts(RuntimeError('secret internals /etc/passwd'))
        logger = self.useFixture(fixtures.FakeLogger('fleet.api.hooks'))
        response = self.get('/v1/hosts', status=500)
        error = self.assert_fault(response, 500)
        self.assertIn(error['request_id'], error['detail'])
        self.assertNotIn('secret', response.text)
        self.assertNotIn('RuntimeError', response.text)
        self.assertNotIn('.py', response.text)
        # The operator finds the traceback in the log, under the id.
        self.assertIn('Unexpected error in GET /v1/hosts', logger.output)
        self.assertIn('secret internals', logger.output)

    def test_unsafe_fleet_exception_is_hidden(self):
        # A FleetException that is not marked safe (a driver or config
        # error) may carry internals: it is a 500 like any bug.
        self.break_list_hosts(
            exception.DriverLoadError(
                name='x', namespace='fleet.inventory', reason='password=1'
            )
        )
        self.useFixture(fixtures.FakeLogger('fleet.api.hooks'))
        response = self.get('/v1/hosts', status=500)
        self.assert_fault(response, 500)
        self.assertNotIn('password', response.text)

    def test_safe_fleet_exception_keeps_its_code_and_message(self):
        self.break_list_hosts(
            exception.ServiceUnavailable(reason='the conductor is away')
        )
        response = self.get('/v1/hosts', status=503)
        self.assert_fault(response, 503, 'the conductor is away')

    def test_unknown_route_is_a_json_404(self):
        for path in ('/v1/nothing', '/v2/', '/v1/hosts/a/b'):
            response = self.get(path, status=404)
            self.assert_fault(response, 404)

    def test_unsupported_method_is_a_json_405(self):
        response = self.request('PUT', '/v1/hosts', {'name': 'x'})
        self.assert_fault(response, 405)
        self.assertIn('POST', response.headers['Allow'])

    def test_collection_has_no_patch_or_delete(self):
        self.create_host(name='c1')
        for method in ('PATCH', 'DELETE'):
            response = self.request(method, '/v1/hosts', {'rack': 'r'})
            self.assert_fault(response, 405)
            self.assertEqual('GET, POST', response.headers['Allow'])
        self.assertIsNone(self.dbapi.get_host('c1')['rack'])

    def test_no_request_gives_a_500(self):
        """Odd requests end in 4xx faults, never in a crash."""
        self.create_host(name='c1')
        cases = [
            ('GET', '/v1/hosts?limit=%ff', None),
            ('GET', '/v1/hosts?sort_key=', None),
            ('GET', '/v1/hosts?marker=', None),
            ('GET', '/v1/hosts/%00', None),
            ('POST', '/v1/hosts', '\xff\xfe'),
            ('POST', '/v1/hosts', {'name': 'c2', 'labels': []}),
            ('POST', '/v1/hosts', {'name': 'c2', 'variables': 'x'}),
            ('POST', '/v1/hosts', {'name': 7}),
            ('PATCH', '/v1/hosts', {'rack': 'r'}),
            ('PATCH', '/v1/hosts/c1', []),
            ('PATCH', '/v1/hosts/c1', {'labels': None}),
            ('PATCH', '/v1/hosts/c1', {'state': None}),
            ('DELETE', '/v1/hosts', None),
            ('POST', '/v1/hosts/c1', {}),
            ('GET', '/v1/hosts/c1/labels', None),
        ]
        for method, path, body in cases:
            response = self.request(method, path, body)
            self.assertGreaterEqual(response.status_int, 400, path)
            self.assertLess(
                response.status_int,
                500,
                f'{method} {path} {body!r}: {response.text}',
            )
            self.assert_fault(response, response.status_int)
