"""Tests of the version discovery documents at / and /v1/."""

from fleet.api.controllers.v1 import versions
from fleet.tests.unit.api import base


class TestRoot(base.APITestCase):
    def test_root(self):
        body = self.get('/').json
        self.assertEqual('OpenStack fleet API', body['name'])
        self.assertEqual(1, len(body['versions']))
        version = body['versions'][0]
        self.assertEqual(
            {
                'id': 'v1',
                'status': 'CURRENT',
                'min_version': versions.MIN_VERSION_STRING,
                'version': versions.MAX_VERSION_STRING,
                'links': [{'rel': 'self', 'href': 'http://localhost/v1/'}],
            },
            version,
        )
        self.assertEqual(version, body['default_version'])

    def test_root_is_not_versioned(self):
        response = self.get('/', version='fleet 1.99')
        self.assertNotIn(versions.HEADER, response.headers)

    def test_v1(self):
        for path in ('/v1', '/v1/'):
            body = self.get(path).json
            self.assertEqual('v1', body['id'])
            self.assertEqual(
                {
                    'hosts': {'href': 'http://localhost/v1/hosts'},
                    'openapi': {'href': 'http://localhost/v1/openapi.json'},
                },
                body['resources'],
            )

    def test_links_honour_proxy_headers(self):
        self.config(enable_proxy_headers_parsing=True, group='oslo_middleware')
        self.app = self.make_app()
        headers = {
            'X-Forwarded-Proto': 'https',
            'X-Forwarded-Host': 'fleet.example.org',
        }
        body = self.get('/', headers=headers).json
        self.assertEqual(
            'https://fleet.example.org/v1/',
            body['versions'][0]['links'][0]['href'],
        )
