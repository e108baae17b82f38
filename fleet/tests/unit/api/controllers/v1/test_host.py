"""Tests of /v1/hosts."""

from unittest import mock
import urllib.parse

from oslo_utils import uuidutils

from fleet.common import states
from fleet.conductor import rpcapi
from fleet.tests.unit.api import base

EXECUTION = '5f1d3c1e-6a57-4c0b-9a43-0d4c2d1b9e01'


class HostAPITestCase(base.APITestCase):
    def create_hosts(self, count, **values):
        return [
            self.create_host(name=f'compute-{i:02d}', **values)
            for i in range(count)
        ]

    def names(self, response):
        return [h['name'] for h in response.json['hosts']]


class TestListHosts(HostAPITestCase):
    def test_empty(self):
        response = self.get('/v1/hosts')
        self.assertEqual({'hosts': []}, response.json)

    def test_list_shows_api_fields(self):
        host = self.create_host(name='c1', execution_uuid=EXECUTION)
        body = self.get('/v1/hosts').json['hosts'][0]
        self.assertEqual(host['uuid'], body['uuid'])
        self.assertEqual(EXECUTION, body['execution'])
        # The database id and the raw column stay private.
        self.assertNotIn('id', body)
        self.assertNotIn('execution_uuid', body)
        self.assertTrue(body['created_at'].endswith('Z'))
        self.assertEqual(
            [
                {
                    'rel': 'self',
                    'href': f'http://localhost/v1/hosts/{host["uuid"]}',
                }
            ],
            body['links'],
        )

    def test_pagination_follows_next_links(self):
        self.create_hosts(5)
        response = self.get('/v1/hosts?limit=2')
        self.assertEqual(['compute-00', 'compute-01'], self.names(response))
        seen = self.names(response)
        pages = 1
        while 'next' in response.json:
            url = urllib.parse.urlsplit(response.json['next'])
            self.assertEqual('/v1/hosts', url.path)
            response = self.get(f'{url.path}?{url.query}')
            seen.extend(self.names(response))
            pages += 1
        self.assertEqual([f'compute-{i:02d}' for i in range(5)], seen)
        self.assertEqual(3, pages)

    def test_no_next_link_on_short_page(self):
        self.create_hosts(2)
        response = self.get('/v1/hosts?limit=3')
        self.assertNotIn('next', response.json)

    def test_next_link_keeps_filters_and_marker(self):
        hosts = self.create_hosts(3, availability_zone='az1')
        response = self.get('/v1/hosts?availability_zone=az1&limit=1')
        query = urllib.parse.parse_qs(
            urllib.parse.urlsplit(response.json['next']).query
        )
        self.assertEqual(
            {
                'availability_zone': ['az1'],
                'limit': ['1'],
                'marker': [hosts[0]['uuid']],
            },
            query,
        )

    def test_next_link_is_url_encoded(self):
        self.create_hosts(2, availability_zone='az 1&x=y')
        response = self.get(
            '/v1/hosts?limit=1&availability_zone='
            + urllib.parse.quote('az 1&x=y')
        )
        nxt = response.json['next']
        self.assertNotIn(' ', nxt)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(nxt).query)
        self.assertEqual(['az 1&x=y'], query['availability_zone'])
        url = urllib.parse.urlsplit(nxt)
        self.assertEqual(
            ['compute-01'],
            self.names(self.get(f'{url.path}?{url.query}')),
        )

    def test_default_and_max_limit(self):
        self.create_hosts(4)
        self.config(default_limit=2, max_limit=3, group='api')
        self.assertEqual(2, len(self.get('/v1/hosts').json['hosts']))
        response = self.get('/v1/hosts?limit=1000')
        self.assertEqual(3, len(response.json['hosts']))
        self.assertIn('limit=3', response.json['next'])

    def test_bad_limits(self):
        for limit in (
            '-1',
            '0',
            'abc',
            '1.5',
            '',
            '+5',
            '%205',
            '1_0',
            '%D9%A3',  # ARABIC-INDIC DIGIT THREE: int() takes it
            '9' * 20,  # beyond 64 bits
            '9223372036854775808',
        ):
            response = self.get(f'/v1/hosts?limit={limit}', status=400)
            self.assert_fault(response, 400, 'limit must be an integer >= 1')

    def test_marker_not_a_uuid(self):
        response = self.get('/v1/hosts?marker=compute-00', status=400)
        self.assert_fault(response, 400, 'Expected a UUID')

    def test_marker_unknown(self):
        marker = uuidutils.generate_uuid()
        response = self.get(f'/v1/hosts?marker={marker}', status=400)
        self.assert_fault(response, 400, f'Marker {marker} does not name')

    def test_sort(self):
        self.create_host(name='b')
        self.create_host(name='a')
        self.create_host(name='c')
        response = self.get('/v1/hosts?sort_key=name&sort_dir=desc')
        self.assertEqual(['c', 'b', 'a'], self.names(response))
        response = self.get('/v1/hosts?sort_key=name')
        self.assertEqual(['a', 'b', 'c'], self.names(response))
        # The default order is creation order.
        self.assertEqual(['b', 'a', 'c'], self.names(self.get('/v1/hosts')))

    def test_sort_by_non_unique_key_pages_without_loss(self):
        for i in range(5):
            self.create_host(name=f'h{i}', kind='compute')
        seen = []
        marker = ''
        while True:
            response = self.get(f'/v1/hosts?sort_key=kind&limit=2{marker}')
            seen.extend(self.names(response))
            if 'next' not in response.json:
                break
            marker = '&marker=' + response.json['hosts'][-1]['uuid']
        self.assertEqual(sorted(seen), sorted(f'h{i}' for i in range(5)))
        self.assertEqual(5, len(seen))

    def test_bad_sort_key(self):
        response = self.get('/v1/hosts?sort_key=labels', status=400)
        self.assert_fault(response, 400, "Cannot sort by 'labels'")

    def test_bad_sort_dir(self):
        response = self.get('/v1/hosts?sort_dir=up', status=400)
        self.assert_fault(response, 400, 'sort_dir must be "asc" or "desc"')

    def test_filters(self):
        self.create_host(name='c1', kind='compute', availability_zone='az1')
        self.create_host(name='c2', kind='compute', availability_zone='az2')
        self.create_host(name='s1', kind='switch', availability_zone='az1')
        self.create_host(name='f1', kind='compute', state=states.HOST_FAILED)
        self.assertEqual(
            ['c1', 'c2', 'f1'], self.names(self.get('/v1/hosts?kind=compute'))
        )
        self.assertEqual(
            ['c1', 's1'],
            self.names(self.get('/v1/hosts?availability_zone=az1')),
        )
        self.assertEqual(
            ['c1'],
            self.names(
                self.get('/v1/hosts?availability_zone=az1&kind=compute')
            ),
        )
        self.assertEqual(
            ['f1'], self.names(self.get('/v1/hosts?state=failed'))
        )
        self.assertEqual([], self.names(self.get('/v1/hosts?kind=pdu')))

    def test_unknown_filter(self):
        response = self.get('/v1/hosts?colour=red', status=400)
        error = self.assert_fault(response, 400, 'colour')
        self.assertIn('Allowed:', error['detail'])

    def test_hidden_column_is_not_a_filter(self):
        response = self.get(
            f'/v1/hosts?execution_uuid={EXECUTION}', status=400
        )
        self.assert_fault(response, 400, 'execution_uuid')

    def test_bad_kind(self):
        response = self.get('/v1/hosts?kind=toaster', status=400)
        self.assert_fault(response, 400, "Unknown kind 'toaster'")

    def test_bad_state(self):
        response = self.get('/v1/hosts?state=asleep', status=400)
        self.assert_fault(response, 400, "Unknown state 'asleep'")


class TestShowHost(HostAPITestCase):
    def test_by_name_and_uuid(self):
        host = self.create_host(name='compute-1', labels={'a': 'b'})
        by_name = self.get('/v1/hosts/compute-1').json
        by_uuid = self.get(f'/v1/hosts/{host["uuid"]}').json
        self.assertEqual(by_name, by_uuid)
        self.assertEqual(host['uuid'], by_name['uuid'])
        self.assertEqual({'a': 'b'}, by_name['labels'])

    def test_not_found(self):
        response = self.get('/v1/hosts/nowhere', status=404)
        self.assert_fault(response, 404, 'Host nowhere could not be found')

    def test_not_found_by_uuid(self):
        uuid = uuidutils.generate_uuid()
        response = self.get(f'/v1/hosts/{uuid}', status=404)
        self.assert_fault(response, 404, uuid)


class TestCreateHost(HostAPITestCase):
    def test_create(self):
        response = self.request(
            'POST',
            '/v1/hosts',
            {
                'name': 'ctl-1',
                'kind': 'controller',
                'region': 'RegionOne',
                'labels': {'role': 'db'},
                'variables': {'ntp': ['a', 'b']},
            },
            status=201,
        )
        body = response.json
        self.assertTrue(uuidutils.is_uuid_like(body['uuid']))
        self.assertEqual(
            f'http://localhost/v1/hosts/{body["uuid"]}',
            response.headers['Location'],
        )
        self.assertEqual('controller', body['kind'])
        self.assertEqual('api', body['source'])
        self.assertEqual(states.HOST_ACTIVE, body['state'])
        self.assertEqual({'ntp': ['a', 'b']}, body['variables'])
        stored = self.dbapi.get_host('ctl-1')
        self.assertEqual({'role': 'db'}, stored['labels'])
        self.assertEqual('RegionOne', stored['region'])

    def test_kind_defaults_to_compute(self):
        response = self.request(
            'POST', '/v1/hosts', {'name': 'c1'}, status=201
        )
        self.assertEqual('compute', response.json['kind'])

    def test_client_cannot_choose_state_or_source(self):
        for field, value in (('state', 'failed'), ('source', 'fake')):
            response = self.request(
                'POST', '/v1/hosts', {'name': 'c1', field: value}, status=400
            )
            self.assert_fault(response, 400, field)
        self.get('/v1/hosts/c1', status=404)

    def test_duplicate(self):
        self.create_host(name='c1')
        response = self.request(
            'POST', '/v1/hosts', {'name': 'c1'}, status=409
        )
        self.assert_fault(response, 409, 'A host named c1 already exists')

    def test_unknown_field(self):
        response = self.request(
            'POST', '/v1/hosts', {'name': 'c1', 'colour': 'red'}, status=400
        )
        self.assert_fault(response, 400, 'colour')

    def test_bad_names(self):
        for name in ('', 'has space', '-leading-dash', 'a/b', 'x' * 256):
            response = self.request(
                'POST', '/v1/hosts', {'name': name}, status=400
            )
            self.assert_fault(response, 400, 'name')
        self.assertEqual([], self.dbapi.list_hosts())

    def test_missing_name(self):
        response = self.request(
            'POST', '/v1/hosts', {'kind': 'compute'}, status=400
        )
        self.assert_fault(response, 400, "'name' is a required property")

    def test_name_that_is_a_uuid(self):
        response = self.request(
            'POST',
            '/v1/hosts',
            {'name': uuidutils.generate_uuid()},
            status=400,
        )
        self.assert_fault(response, 400, 'cannot be a UUID')

    def test_bad_kind(self):
        response = self.request(
            'POST', '/v1/hosts', {'name': 'c1', 'kind': 'toaster'}, status=400
        )
        self.assert_fault(response, 400, 'kind')

    def test_body_not_json(self):
        response = self.request(
            'POST', '/v1/hosts', '{"name": "c1"', status=400
        )
        self.assert_fault(response, 400, 'body is not valid JSON')

    def test_body_not_an_object(self):
        for body in (['c1'], '"c1"', '42', 'null'):
            response = self.request('POST', '/v1/hosts', body, status=400)
            self.assert_fault(response, 400, 'is not of type')

    def test_empty_body(self):
        response = self.request('POST', '/v1/hosts', '', status=400)
        self.assert_fault(response, 400)


class TestUpdateHost(HostAPITestCase):
    def setUp(self):
        super().setUp()
        self.host = self.create_host(
            name='c1',
            labels={'keep': '1', 'drop': '2'},
            variables={'a': {'nested': True}, 'b': 1},
        )

    def patch(self, body, status=200, ident='c1'):
        return self.request('PATCH', f'/v1/hosts/{ident}', body, status=status)

    def test_merge_labels_and_variables(self):
        body = self.patch(
            {
                'labels': {'drop': None, 'new': 'x', 'keep': '1b'},
                'variables': {'b': None, 'c': [1, 2]},
            }
        ).json
        self.assertEqual({'keep': '1b', 'new': 'x'}, body['labels'])
        self.assertEqual(
            {'a': {'nested': True}, 'c': [1, 2]}, body['variables']
        )
        stored = self.dbapi.get_host('c1')
        self.assertEqual(body['labels'], stored['labels'])
        self.assertEqual(body['variables'], stored['variables'])

    def test_deleting_an_absent_key_is_harmless(self):
        body = self.patch({'labels': {'never-there': None}}).json
        self.assertEqual({'keep': '1', 'drop': '2'}, body['labels'])

    def test_by_uuid(self):
        body = self.patch({'rack': 'r7'}, ident=self.host['uuid']).json
        self.assertEqual('r7', body['rack'])

    def test_place_fields_replace_and_null_clears(self):
        self.patch({'rack': 'r7', 'owner': 'rey'})
        body = self.patch({'rack': None}).json
        self.assertIsNone(body['rack'])
        self.assertEqual('rey', body['owner'])

    def test_state(self):
        body = self.patch({'state': 'retired'}).json
        self.assertEqual('retired', body['state'])

    def test_state_change_asks_a_conductor_to_hold_nova_compute(self):
        with mock.patch.object(
            rpcapi.ConductorAPI, 'hold_host_service'
        ) as cast:
            self.patch({'state': 'retired'})
            self.assertEqual('c1', cast.call_args.args[1])
            cast.reset_mock()
            # Same state again, or no state: nothing to tell.
            self.patch({'state': 'retired'})
            self.patch({'labels': {'x': '1'}})
            cast.assert_not_called()
            self.patch({'state': 'active'})
            self.assertEqual(1, cast.call_count)

    def test_no_cast_for_a_host_that_is_not_a_compute(self):
        self.create_host(name='sw1', kind='switch')
        with mock.patch.object(
            rpcapi.ConductorAPI, 'hold_host_service'
        ) as cast:
            self.patch({'state': 'retired'}, ident='sw1')
        cast.assert_not_called()

    def test_a_lost_cast_does_not_fail_the_change(self):
        # The next inventory sync disables it instead.
        with mock.patch.object(
            rpcapi.ConductorAPI,
            'hold_host_service',
            side_effect=RuntimeError('no broker'),
        ):
            body = self.patch({'state': 'retired'}).json
        self.assertEqual('retired', body['state'])
        self.assertEqual('retired', self.dbapi.get_host('c1')['state'])

    def test_invalid_state(self):
        for state in ('asleep', 'draining', 'maintenance'):
            response = self.patch({'state': state}, status=400)
            self.assert_fault(response, 400, 'state')
        self.assertEqual('active', self.dbapi.get_host('c1')['state'])

    def test_unmanaged_needs_reason(self):
        response = self.patch({'state': 'unmanaged'}, status=400)
        self.assert_fault(response, 400, 'needs a state_reason')
        body = self.patch(
            {
                'state': 'unmanaged',
                'state_reason': 'disk smells',
                'owner': 'rey',
            }
        ).json
        self.assertEqual('unmanaged', body['state'])
        self.assertEqual('disk smells', body['state_reason'])

    def test_unmanaged_with_existing_reason(self):
        self.patch({'state_reason': 'known flaky PSU'})
        body = self.patch({'state': 'unmanaged'}).json
        self.assertEqual('unmanaged', body['state'])

    def test_state_change_while_in_a_run(self):
        self.dbapi.reserve_host('c1', EXECUTION)
        response = self.patch({'state': 'retired'}, status=409)
        self.assert_fault(response, 409, EXECUTION)
        self.assertEqual('active', self.dbapi.get_host('c1')['state'])
        # Labels may still change while a run holds the host.
        self.patch({'labels': {'note': 'in run'}})

    def test_unknown_field(self):
        for field in ('name', 'uuid', 'source', 'execution_uuid', 'colour'):
            response = self.patch({field: 'x'}, status=400)
            self.assert_fault(response, 400, field)

    def test_empty_patch(self):
        response = self.patch({}, status=400)
        self.assert_fault(response, 400)

    def test_bad_label(self):
        response = self.patch({'labels': {'bad key!': 'x'}}, status=400)
        self.assert_fault(response, 400, 'labels')

    def test_not_json(self):
        response = self.patch('rack=r1', status=400)
        self.assert_fault(response, 400, 'body is not valid JSON')

    def test_not_found(self):
        response = self.patch({'rack': 'r1'}, status=404, ident='nope')
        self.assert_fault(response, 404, 'Host nope could not be found')


class TestDeleteHost(HostAPITestCase):
    def test_delete_api_host(self):
        host = self.create_host(name='c1')
        response = self.request('DELETE', '/v1/hosts/c1', status=204)
        self.assertEqual(b'', response.body)
        self.get(f'/v1/hosts/{host["uuid"]}', status=404)

    def test_delete_by_uuid(self):
        host = self.create_host(name='c1')
        self.request('DELETE', f'/v1/hosts/{host["uuid"]}', status=204)
        self.assertEqual([], self.dbapi.list_hosts())

    def test_delete_driver_reported_host(self):
        self.create_host(name='sim-1', source='fake')
        response = self.request('DELETE', '/v1/hosts/sim-1', status=400)
        self.assert_fault(response, 400, 'reported by the fake inventory')
        self.dbapi.get_host('sim-1')

    def test_delete_host_in_a_run(self):
        self.create_host(name='c1', execution_uuid=EXECUTION)
        response = self.request('DELETE', '/v1/hosts/c1', status=409)
        self.assert_fault(response, 409, EXECUTION)
        self.dbapi.get_host('c1')

    def test_not_found(self):
        response = self.request('DELETE', '/v1/hosts/nope', status=404)
        self.assert_fault(response, 404)
