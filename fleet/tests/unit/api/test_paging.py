"""Following the next links of GET /v1/hosts returns every host once,
for every sort key and direction (the DB property test covers the rest)."""

import urllib.parse

from fleet.api.controllers.v1 import host as host_api
from fleet.tests.unit.api import base


class TestNextLinks(base.APITestCase):
    def test_every_host_once_by_every_sort_key(self):
        for i in range(7):
            self.request('POST', '/v1/hosts', {'name': f'h{i}'}, status=201)
        # Some updated (updated_at set, with ties on kind/state), some not.
        for i in (1, 4, 5):
            self.request(
                'PATCH', f'/v1/hosts/h{i}', {'labels': {'a': 'b'}}, status=200
            )
        everyone = {h['uuid'] for h in self.get('/v1/hosts').json['hosts']}
        self.assertGreaterEqual(len(everyone), 7)
        for key in host_api.SORT_KEYS:
            for direction in ('asc', 'desc'):
                path = f'/v1/hosts?limit=2&sort_key={key}&sort_dir={direction}'
                seen = []
                while path:
                    body = self.get(path).json
                    seen.extend(h['uuid'] for h in body['hosts'])
                    nxt = body.get('next')
                    path = None
                    if nxt:
                        parts = urllib.parse.urlsplit(nxt)
                        path = f'{parts.path}?{parts.query}'
                self.assertEqual(len(everyone), len(seen), (key, direction))
                self.assertEqual(everyone, set(seen), (key, direction))
