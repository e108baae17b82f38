"""The built-in server (cheroot) serves the real pipeline on a socket."""

import concurrent.futures
import http.client
import json

from fleet.api import service
from fleet.tests import base


class TestAPIService(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(base.RPCFixture())
        self.config(auth_strategy='noauth', group='api')
        self.config(port=0, workers=4, backlog=256, group='api')
        self.service = service.APIService()
        self.service.start()
        self.addCleanup(self.service.stop)

    def _get(self, path, headers=None):
        conn = http.client.HTTPConnection(
            '127.0.0.1', self.service.server_port, timeout=30
        )
        try:
            conn.request('GET', path, headers=headers or {})
            response = conn.getresponse()
            return (
                response.status,
                dict(response.getheaders()),
                (response.read()),
            )
        finally:
            conn.close()

    def test_serves_json_and_faults(self):
        status, headers, body = self._get('/v1/hosts')
        self.assertEqual(200, status)
        self.assertIn('hosts', json.loads(body))
        status, headers, body = self._get('/v1/hosts?limit=1&limit=2')
        self.assertEqual(400, status)
        self.assertEqual('application/json', headers['Content-Type'][:16])
        self.assertIn('errors', json.loads(body))

    def test_more_clients_than_threads(self):
        # 40 connections at once on 4 threads: queued, none refused.
        with concurrent.futures.ThreadPoolExecutor(40) as pool:
            results = list(pool.map(lambda _: self._get('/v1/')[0], range(40)))
        self.assertEqual([200] * 40, results)

    def test_port_in_use_fails_start(self):
        self.config(port=self.service.server_port, group='api')
        other = service.APIService()
        self.assertRaises(OSError, other.start)

    def test_204_has_no_body_on_keep_alive(self):
        # DELETE answered "null" with its 204: on the same connection the
        # next response then began with those bytes.
        conn = http.client.HTTPConnection(
            '127.0.0.1', self.service.server_port, timeout=30
        )
        self.addCleanup(conn.close)
        headers = {
            'OpenStack-API-Version': 'fleet 1.3',
            'Content-Type': 'application/json',
        }
        body = json.dumps(
            {'name': 'rb1', 'match': {}, 'remediation': {'action': 'handoff'}}
        )
        conn.request('POST', '/v1/runbooks', body=body, headers=headers)
        created = conn.getresponse()
        created.read()
        self.assertEqual(201, created.status)
        conn.request('DELETE', '/v1/runbooks/rb1', headers=headers)
        response = conn.getresponse()
        self.assertEqual(204, response.status)
        self.assertEqual(b'', response.read())
        conn.request('GET', '/v1/runbooks/rb1', headers=headers)
        response = conn.getresponse()
        self.assertEqual(404, response.status)
        self.assertIn('errors', json.loads(response.read()))
