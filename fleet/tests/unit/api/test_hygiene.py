"""Hostile but ordinary requests: each class of input gets a 4xx
OpenStack fault, never a 500 nor a stored value the API cannot serve."""

import json

from oslo_utils import uuidutils

from fleet.api import hygiene
from fleet.common import exception
from fleet.tests import base as test_base
from fleet.tests.unit.api import base

V = 'fleet 1.3'
#: Every list endpoint, and the microversion it needs.
LISTS = (
    '/v1/hosts',
    '/v1/executions',
    '/v1/alerts',
    '/v1/places',
    '/v1/runbooks',
    '/v1/capacity',
)


class TestDuplicatedQueryParameters(base.APITestCase):
    def test_every_list_refuses_a_repeated_parameter(self):
        for path in LISTS:
            for query in ('limit=1&limit=2', 'sort_dir=asc&sort_dir=desc'):
                if path == '/v1/capacity':
                    query = 'without=a&without=b'
                response = self.get(f'{path}?{query}', version=V, status=400)
                self.assert_fault(response, 400, 'more than once')

    def test_labels_and_variables_may_repeat(self):
        self.get('/v1/hosts?label=a=1&label=b=2', version=V, status=200)
        self.get('/v1/hosts?variable=a&variable=b', version=V, status=200)

    def test_show_refuses_a_repeated_kind(self):
        response = self.get(
            '/v1/places/x?kind=rack&kind=cell', version=V, status=400
        )
        self.assert_fault(response, 400, 'kind')

    def test_control_character_in_query(self):
        for query in ('name=%00', 'name=a%0Ab', 'na%01me=x'):
            response = self.get(f'/v1/hosts?{query}', status=400)
            self.assert_fault(response, 400, 'control character')


class TestPaths(base.APITestCase):
    def test_encoded_slash_is_not_found(self):
        for path in (
            '/v1/hosts/%2F',
            '/v1/hosts//',
            '/v1/hosts/%2F/history',
            '/v1/places/%2F',
            '/v1/runbooks/%2F',
        ):
            response = self.get(path, version=V, status=404)
            self.assert_fault(response, 404, 'path segment is empty')

    def test_nul_in_path(self):
        response = self.get('/v1/hosts/a%00b', status=400)
        self.assert_fault(response, 400, 'control character')

    def test_trailing_slash_still_lists(self):
        self.get('/v1/hosts/', status=200)

    def test_collection_put_and_delete_are_405_with_allow(self):
        for path in LISTS[:5]:
            for method in ('PUT', 'DELETE', 'PATCH'):
                response = self.request(
                    method, path, body='{}', version=V, status=405
                )
                self.assert_fault(response, 405)
                self.assertIn('Allow', response.headers, f'{method} {path}')
                self.assertIn('GET', response.headers['Allow'])


class TestIntegers(base.APITestCase):
    def test_limit_bounds(self):
        for limit in ('0', '-1', '9' * 20, '18446744073709551616', '1e3'):
            for path in LISTS[:5]:
                response = self.get(
                    f'{path}?limit={limit}', version=V, status=400
                )
                self.assert_fault(response, 400, 'limit must be an integer')

    def test_limit_above_max_is_reduced(self):
        for name in ('h1', 'h2', 'h3'):
            self.request('POST', '/v1/hosts', {'name': name}, status=201)
        self.config(max_limit=2, group='api')
        body = self.get('/v1/hosts?limit=9223372036854775807').json
        self.assertEqual(2, len(body['hosts']))

    def test_history_limit(self):
        response = self.get(
            '/v1/hosts/sim-compute-001/history?limit=' + '9' * 30,
            version=V,
            status=400,
        )
        self.assert_fault(response, 400, 'limit must be an integer')
        response = self.get(
            '/v1/hosts/sim-compute-001/history?limit=1&limit=2',
            version=V,
            status=400,
        )
        self.assert_fault(response, 400, 'more than once')
        self.get(
            '/v1/hosts/sim-compute-001/history?sort_key=id',
            version=V,
            status=400,
        )

    def test_integer_beyond_64_bits_in_body(self):
        response = self.request(
            'POST',
            '/v1/hosts',
            body='{"name": "h1", "variables": {"x": %d}}' % 2**64,
            status=400,
        )
        self.assert_fault(response, 400, '64-bit')

    def test_unbounded_integers_have_a_maximum(self):
        for field in ('executor_timeout', 'max_parallel'):
            response = self.request(
                'POST',
                '/v1/executions',
                body={'host': 'sim-compute-001', field: 2**62},
                version=V,
                status=400,
            )
            self.assert_fault(response, 400, field)

    def test_microversion_beyond_64_bits_is_406(self):
        response = self.get(
            '/v1/hosts', version='fleet 1.' + '9' * 25, status=406
        )
        self.assert_fault(response, 406)
        self.assertIn('OpenStack-API-Maximum-Version', response.headers)

    def test_microversion_with_extra_words_is_400(self):
        response = self.get('/v1/hosts', version='fleet 1.3 extra', status=400)
        self.assert_fault(response, 400, 'fleet 1.N')


class TestJSONBodies(base.APITestCase):
    def post_host(self, text, status=400):
        return self.request('POST', '/v1/hosts', body=text, status=status)

    def test_nan_and_infinity(self):
        for literal in ('NaN', 'Infinity', '-Infinity', '1e999', '-1e400'):
            response = self.post_host(
                '{"name": "h1", "variables": {"x": %s}}' % literal
            )
            self.assert_fault(response, 400)
        # Nothing was stored, and the list is still valid JSON.
        body = json.loads(self.get('/v1/hosts').text)
        self.assertNotIn('h1', [h['name'] for h in body['hosts']])

    def test_lone_surrogate(self):
        for text in (
            '{"name": "h1", "labels": {"x": "\\ud800"}}',
            '{"name": "h1", "variables": {"\\udfff": 1}}',
            '{"name": "h1", "variables": {"x": ["ok", "\\ud83d"]}}',
        ):
            response = self.post_host(text)
            self.assert_fault(response, 400, 'surrogate')
        # A surrogate pair is one valid character.
        self.post_host(
            '{"name": "h1", "variables": {"x": "\\ud83d\\ude00"}}', 201
        )

    def test_nul_in_a_string(self):
        response = self.post_host(
            '{"name": "h1", "variables": {"x": "a\\u0000"}}'
        )
        self.assert_fault(response, 400, 'NUL')

    def test_deep_nesting(self):
        # 100,000 levels (200 KB) fit fleet's default body size limit
        # (1 MiB, for Alertmanager's payloads): refused for their depth.
        deep = '{"name": "h1", "variables": {"x": %s}}' % (
            '[' * 100000 + ']' * 100000
        )
        self.assert_fault(self.post_host(deep), 400, 'nested deeper')
        # Unterminated, and just past the bound.
        self.assert_fault(self.post_host('[' * 100000), 400)
        over = '{"name": "h1", "variables": {"x": %s}}' % ('[' * 31 + ']' * 31)
        self.assert_fault(self.post_host(over), 400, 'nested deeper')
        ok = '{"name": "h1", "variables": {"x": %s}}' % ('[' * 29 + ']' * 29)
        self.post_host(ok, 201)

    def test_body_size_limit(self):
        self.assertEqual(
            1024 * 1024, base.CONF.oslo_middleware.max_request_body_size
        )
        self.config(max_request_body_size=1000, group='oslo_middleware')
        self.app = self.make_app()
        body = '{"name": "h1", "variables": {"x": "%s"}}' % ('a' * 2000)
        response = self.post_host(body, status=413)
        self.assert_fault(response, 413, 'max_request_body_size')

    def test_empty_body(self):
        response = self.request('POST', '/v1/hosts', body=b'', status=400)
        self.assert_fault(response, 400, 'no body')

    def test_not_utf8(self):
        response = self.request(
            'POST', '/v1/hosts', body=b'{"name": "\xff"}', status=400
        )
        self.assert_fault(response, 400, 'UTF-8')

    def test_control_characters_in_names(self):
        cases = [
            ('/v1/hosts', {'name': 'abc\n'}),
            ('/v1/hosts', {'name': 'h1', 'labels': {'a\n': 'x'}}),
            ('/v1/places', {'name': 'r\x01', 'kind': 'rack'}),
            ('/v1/alerts', {'name': 'Disk\x1bFailing'}),
            ('/v1/executions', {'host': 'sim-compute-001\x7f'}),
            (
                '/v1/runbooks',
                {
                    'name': 'rb\t1',
                    'match': {},
                    'remediation': {'action': 'handoff'},
                },
            ),
        ]
        for path, body in cases:
            response = self.request(
                'POST', path, body=body, version=V, status=400
            )
            self.assert_fault(response, 400)

    def test_yaml_runbook_with_nan_or_aliases(self):
        nan = (
            'name: rb1\nmatch: {}\nremediation:\n  action: maintenance\n'
            '  parameters: {expected_facts: {x: .nan}}\n'
        )
        # A billion laughs: 10**9 values from a few hundred bytes.
        lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
        for i in range(8):
            name, prev = chr(98 + i), chr(97 + i)
            refs = ', '.join([f'*{prev}'] * 10)
            lines.append(f'{name}: &{name} [{refs}]')
        bomb = '\n'.join(lines) + '\n'

        for text in (nan, bomb):
            response = self.request(
                'POST',
                '/v1/runbooks',
                body=text,
                version=V,
                headers={'Content-Type': 'application/yaml'},
                status=400,
            )
            self.assert_fault(response, 400)


class TestPlaceParents(base.APITestCase):
    def post(self, body, status=201):
        return self.request(
            'POST', '/v1/places', body, version=V, status=status
        )

    def patch(self, ident, body, status=200):
        return self.request(
            'PATCH', f'/v1/places/{ident}', body, version=V, status=status
        )

    def test_parent_must_exist(self):
        missing = uuidutils.generate_uuid()
        response = self.post(
            {'name': 'r1', 'kind': 'rack', 'parent_uuid': missing}, 400
        )
        self.assert_fault(response, 400, 'names no place')
        response = self.post(
            {'name': 'r1', 'kind': 'rack', 'parent_uuid': 'nope'}, 400
        )
        self.assert_fault(response, 400, 'uuid of a place')
        az = self.post({'name': 'az1', 'kind': 'availability_zone'}).json
        self.patch('az1', {'parent_uuid': missing}, 400)
        self.post({'name': 'r1', 'kind': 'rack', 'parent_uuid': az['uuid']})

    def test_no_cycles(self):
        region = self.post({'name': 'reg', 'kind': 'region'}).json
        az = self.post(
            {
                'name': 'az1',
                'kind': 'availability_zone',
                'parent_uuid': region['uuid'],
            }
        ).json
        rack = self.post(
            {'name': 'r1', 'kind': 'rack', 'parent_uuid': az['uuid']}
        ).json
        for ident, parent in (
            ('reg', region['uuid']),
            ('reg', rack['uuid']),
            ('az1', rack['uuid']),
        ):
            response = self.patch(ident, {'parent_uuid': parent}, 400)
            self.assert_fault(response, 400, 'loop')
        self.patch('r1', {'parent_uuid': region['uuid']})
        self.patch('r1', {'parent_uuid': None})


class TestPublicEndpoint(base.APITestCase):
    def test_links_use_public_endpoint(self):
        self.config(
            public_endpoint='https://fleet.example.org/fleet/', group='api'
        )
        # The endpoint is read when the app is built (a middleware).
        self.app = self.make_app()
        for name in ('h1', 'h2'):
            self.request('POST', '/v1/hosts', {'name': name}, status=201)
        body = self.get('/v1/hosts?limit=1').json
        self.assertTrue(
            body['hosts'][0]['links'][0]['href'].startswith(
                'https://fleet.example.org/fleet/v1/hosts/'
            )
        )
        self.assertTrue(
            body['next'].startswith('https://fleet.example.org/fleet/v1/')
        )
        root = self.get('/').json
        self.assertEqual(
            'https://fleet.example.org/fleet/v1/',
            root['versions'][0]['links'][0]['href'],
        )
        created = self.request('POST', '/v1/hosts', {'name': 'h3'}, status=201)
        self.assertTrue(
            created.headers['Location'].startswith(
                'https://fleet.example.org/fleet/v1/hosts/'
            )
        )


class TestHygieneModule(test_base.TestCase):
    def test_loads_accepts_plain_json(self):
        doc = {'a': [1, 2.5, 'x', None, True], 'b': {'c': -(2**63)}}
        self.assertEqual(doc, hygiene.loads(json.dumps(doc).encode()))

    def test_check_value_refuses_non_json_types(self):
        import datetime

        for value in (
            {'a': datetime.date(2026, 1, 1)},
            {1: 'x'},
            {'a': {1, 2}},
            b'x',
        ):
            self.assertRaises(exception.Invalid, hygiene.check_value, value)

    def test_parse_int(self):
        self.assertEqual(7, hygiene.parse_int('n', '7', minimum=1))
        self.assertEqual(
            2**63 - 1, hygiene.parse_int('n', str(2**63 - 1), minimum=1)
        )
        for value in ('', ' 7', '7 ', '+7', '0x7', '٣', str(2**63), None):
            self.assertRaises(
                exception.InvalidParameterValue,
                hygiene.parse_int,
                'n',
                value,
                minimum=1,
            )
