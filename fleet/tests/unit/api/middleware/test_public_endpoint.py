"""Links from ``[api] public_endpoint``: every URL fleet returns starts
with it, whatever the request's host, scheme or proxy headers say."""

from fleet.common import exception
from fleet.tests.unit.api import base

PUBLIC = 'https://cloud.example.com/fleet'


class TestPublicEndpoint(base.APITestCase):
    def make_app(self):
        self.config(public_endpoint=PUBLIC + '/', group='api')
        self.config(enable_proxy_headers_parsing=True, group='oslo_middleware')
        return super().make_app()

    def test_links_use_it(self):
        headers = {'X-Forwarded-Proto': 'http', 'Host': 'internal:9880'}
        root = self.get('/', headers=headers).json
        self.assertEqual(
            PUBLIC + '/v1/', root['versions'][0]['links'][0]['href']
        )
        v1 = self.get('/v1/', headers=headers).json
        self.assertEqual(
            PUBLIC + '/v1/hosts', v1['resources']['hosts']['href']
        )
        response = self.request(
            'POST', '/v1/hosts', {'name': 'h1'}, headers=headers, status=201
        )
        self.assertTrue(
            response.json['links'][0]['href'].startswith(PUBLIC + '/v1/hosts/')
        )
        self.assertTrue(response.headers['Location'].startswith(PUBLIC))
        self.create_host(name='h2')
        page = self.get('/v1/hosts?limit=1', headers=headers).json
        self.assertTrue(page['next'].startswith(PUBLIC + '/v1/hosts?'))


class TestPublicEndpointUnset(base.APITestCase):
    def test_request_url(self):
        root = self.get('/').json
        self.assertEqual(
            'http://localhost/v1/', root['versions'][0]['links'][0]['href']
        )


class TestBadPublicEndpoint(base.APITestCase):
    def make_app(self):
        return None

    def test_refused_at_start(self):
        for bad in ('cloud.example.com', 'ftp://x/', 'https://x/?a=1'):
            self.config(public_endpoint=bad, group='api')
            self.assertRaises(exception.ConfigInvalid, super().make_app)
