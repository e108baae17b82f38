"""Tests of the outermost fault middleware."""

import fixtures
import webob
import webtest

from fleet.api.middleware import faults
from fleet.tests.unit.api import base


def _crashing_app(environ, start_response):
    raise RuntimeError('boom at /srv/secret.py')


def _html_error_app(environ, start_response):
    response = webob.Response(
        status=502,
        body=b'<html><body>Bad gateway</body></html>',
        content_type='text/html',
    )
    response.headers['Allow'] = 'GET'
    return response(environ, start_response)


def _json_error_app(environ, start_response):
    response = webob.Response(status=401, content_type='application/json')
    response.json_body = {'error': {'code': 401, 'message': 'Token expired.'}}
    response.headers['WWW-Authenticate'] = 'Keystone uri="http://k"'
    return response(environ, start_response)


def _ok_app(environ, start_response):
    return webob.Response(json_body={'ok': True})(environ, start_response)


class TestFaultWrapper(base.APITestCase):
    def wrap(self, app):
        return webtest.TestApp(faults.FaultWrapper(app))

    def test_crash_is_a_500_fault_without_traceback(self):
        logger = self.useFixture(fixtures.FakeLogger('fleet.api'))
        response = self.wrap(_crashing_app).get('/x', expect_errors=True)
        self.assertEqual(500, response.status_int)
        self.assertEqual('application/json', response.content_type)
        error = response.json['errors'][0]
        self.assertEqual(500, error['status'])
        self.assertEqual('Internal Server Error', error['title'])
        self.assertNotIn('boom', response.text)
        self.assertNotIn('secret', response.text)
        self.assertIn('boom at /srv/secret.py', logger.output)

    def test_html_error_becomes_a_fault(self):
        response = self.wrap(_html_error_app).get('/x', expect_errors=True)
        self.assertEqual(502, response.status_int)
        self.assertEqual('application/json', response.content_type)
        self.assertEqual(
            '502 Bad Gateway', response.json['errors'][0]['detail']
        )
        self.assertNotIn('<html>', response.text)
        self.assertEqual('GET', response.headers['Allow'])

    def test_keystone_style_error_keeps_message_and_challenge(self):
        response = self.wrap(_json_error_app).get('/x', expect_errors=True)
        self.assertEqual(401, response.status_int)
        self.assertEqual(
            'Token expired.', response.json['errors'][0]['detail']
        )
        self.assertEqual(
            'Keystone uri="http://k"', response.headers['WWW-Authenticate']
        )

    def test_success_passes_through(self):
        response = self.wrap(_ok_app).get('/x')
        self.assertEqual({'ok': True}, response.json)

    def test_crash_in_the_full_pipeline_has_a_request_id(self):
        self.useFixture(fixtures.FakeLogger('fleet.api'))

        def explode(self, state):
            raise RuntimeError('hook exploded')

        # A crash outside any controller (here: in a hook's after()).
        self.useFixture(
            fixtures.MonkeyPatch(
                'fleet.api.hooks.MicroversionHook.after', explode
            )
        )
        self.app = self.make_app()
        response = self.get('/v1/hosts', status=500)
        self.assert_fault(response, 500)
        self.assertNotIn('hook exploded', response.text)
