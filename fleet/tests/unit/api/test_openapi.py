"""The OpenAPI description: served, public, complete, and built from the
schemas the API validates with."""

import jsonschema
from pecan import rest

from fleet.api import openapi
from fleet.api.controllers import root
from fleet.api.controllers.v1 import versions
from fleet.api.schemas import host as host_schema
from fleet.api.schemas import responses
from fleet.tests.unit.api import base


def _controller_paths(controller, prefix=''):
    """Every path of a RestController attribute in the pecan tree."""
    found = []
    for name in dir(type(controller)):
        if name.startswith('_'):
            continue
        child = getattr(type(controller), name, None)
        if isinstance(child, rest.RestController):
            path = f'{prefix}/{name}'
            found.append(path)
            found.extend(_controller_paths(child, path))
    return found


class TestDocument(base.APITestCase):
    def test_served_at_every_version(self):
        for version in (None, 'fleet 1.0', 'fleet latest'):
            doc = self.get('/v1/openapi.json', version=version).json
            self.assertEqual('3.1.0', doc['openapi'])
            self.assertEqual(
                versions.MAX_VERSION_STRING, doc['info']['version']
            )
            self.assertEqual('http://localhost', doc['servers'][0]['url'])

    def test_every_controller_is_described(self):
        paths = openapi.build()['paths']
        prefixes = {p.split('{')[0].rstrip('/') for p in paths}
        for path in _controller_paths(root.RootController()):
            if path in ('/v1',):
                continue
            self.assertTrue(
                path in prefixes
                or any(p.startswith(path + '/') for p in prefixes),
                f'{path} has no operation in fleet.api.openapi: add one '
                f'(see the module docstring)',
            )

    def test_request_schemas_are_the_validators(self):
        ops = {(o.method, o.path): o for o in openapi.OPERATIONS}
        self.assertIs(host_schema.CREATE, ops[('post', '/v1/hosts')].request)
        self.assertIs(
            host_schema.UPDATE, ops[('patch', '/v1/hosts/{ident}')].request
        )

    def test_every_microversion_is_covered(self):
        doc = openapi.build()
        firsts = {
            op['x-openstack-microversion']['min_version']
            for path in doc['paths'].values()
            for op in path.values()
        } | {
            changed
            for path in doc['paths'].values()
            for op in path.values()
            for changed in op['x-openstack-microversion'].get('changes', {})
        }
        # A version may add only query parameters (1.9: the host list's
        # metric filters).
        firsts |= {
            param['x-openstack-microversion']['min_version']
            for path in doc['paths'].values()
            for op in path.values()
            for param in op.get('parameters', ())
            if 'x-openstack-microversion' in param
        }
        expected = {
            f'1.{m}'
            for m in range(
                versions.MINOR_MIN_VERSION, versions.MINOR_MAX_VERSION + 1
            )
        }
        self.assertEqual(expected, firsts)

    def test_operation_ids_unique_and_links_resolve(self):
        doc = openapi.build()
        ids = [
            op['operationId']
            for path in doc['paths'].values()
            for op in path.values()
        ]
        self.assertEqual(len(ids), len(set(ids)))
        for path in doc['paths'].values():
            for op in path.values():
                for response in op['responses'].values():
                    for link in response.get('links', {}).values():
                        self.assertIn(link['operationId'], ids)

    def test_schemas_are_valid_json_schemas(self):
        doc = openapi.build()
        for path in doc['paths'].values():
            for op in path.values():
                body = op.get('requestBody', {}).get('content', {})
                for media in body.values():
                    jsonschema.Draft202012Validator.check_schema(
                        media['schema']
                    )

    def test_responses_match_their_schemas(self):
        body = self.get('/v1/hosts', version='fleet latest').json
        jsonschema.validate(
            body, responses.collection('hosts', responses.HOST)
        )
        created = self.request(
            'POST', '/v1/hosts', {'name': 'h1'}, status=201
        ).json
        jsonschema.validate(created, responses.HOST_DETAIL)
        fault = self.get('/v1/hosts/nope', status=404).json
        jsonschema.validate(fault, responses.FAULT)


class TestAllow(base.APITestCase):
    def test_405_names_the_described_methods(self):
        for method, path, allow in (
            ('PUT', '/v1/hosts', 'GET, POST'),
            ('DELETE', '/v1/inventory/ansible', 'GET'),
            ('POST', '/v1/runbooks/export', 'GET'),
            ('PUT', '/', 'GET'),
        ):
            response = self.request(
                method, path, body='x', version='fleet latest', status=405
            )
            self.assert_fault(response, 405)
            self.assertEqual(allow, response.headers['Allow'])

    def test_empty_body_of_any_type_is_no_body(self):
        for content_type in ('text/plain', 'multipart/form-data'):
            response = self.request(
                'POST',
                '/v1/hosts',
                body=b'',
                headers={'Content-Type': content_type},
                status=400,
            )
            self.assert_fault(response, 400, 'no body')

    def test_415_for_a_form_body(self):
        response = self.request(
            'POST',
            '/v1/hosts',
            body='a=b',
            headers={'Content-Type': 'multipart/form-data'},
            status=415,
        )
        self.assert_fault(response, 415, 'application/json')


class TestPublic(base.KeystoneAPITestCase):
    def test_no_token_needed(self):
        doc = self.get('/v1/openapi.json').json
        self.assertIn('/v1/hosts', doc['paths'])
        self.get('/v1/hosts', status=401)


class TestDeleteAcceptsJSON(base.APITestCase):
    def test_delete_with_accept_json(self):
        # openstacksdk and most clients send "Accept: application/json"
        # on every request: a DELETE answered 406.
        v = 'fleet 1.3'
        accept = {'Accept': 'application/json'}
        self.request('POST', '/v1/hosts', {'name': 'h1'}, status=201)
        self.request(
            'POST',
            '/v1/places',
            {'name': 'r1', 'kind': 'rack'},
            version=v,
            status=201,
        )
        self.request(
            'POST',
            '/v1/runbooks',
            {'name': 'rb', 'match': {}, 'remediation': {'action': 'handoff'}},
            version=v,
            status=201,
        )
        for path in ('/v1/hosts/h1', '/v1/places/r1', '/v1/runbooks/rb'):
            for headers in (accept, {}):
                response = self.request(
                    'DELETE', path, version=v, headers=headers
                )
                if headers:
                    self.assertEqual(204, response.status_int, path)
                    self.assertEqual(b'', response.body)
                else:
                    self.assert_fault(response, 404)
