"""Inventory API (1.2): places, host variables/history/instances, label
filters, capacity, Ansible inventory, replacement."""

from unittest import mock

from fleet.conductor import inventory
from fleet.conductor import rpcapi
from fleet.tests.unit.api import base

V = 'fleet 1.2'


class TestInventoryAPI(base.APITestCase):
    def setUp(self):
        super().setUp()
        inventory.sync()  # 3 simulated computes, 1 instance each

    def post(self, path, body, status):
        return self.request('POST', path, body, version=V, status=status)

    def test_below_1_2_is_404(self):
        self.get('/v1/places', version='fleet 1.1', status=404)
        self.get('/v1/capacity', version='fleet 1.1', status=404)
        body = self.get('/v1/hosts/sim-compute-001', version='fleet 1.1').json
        self.assertNotIn('instances', body)

    def test_variables_resolved_with_provenance(self):
        self.post(
            '/v1/places',
            {
                'name': 'RegionOne',
                'kind': 'region',
                'variables': {'ntp': 'a', 'x': 1},
            },
            201,
        )
        self.post(
            '/v1/places',
            {
                'name': 'nova',
                'kind': 'availability_zone',
                'variables': {'x': 2},
            },
            201,
        )
        self.request(
            'PATCH',
            '/v1/hosts/sim-compute-001',
            {'variables': {'y': 3}},
            version=V,
            status=200,
        )
        view = self.get('/v1/hosts/sim-compute-001/variables', version=V).json
        self.assertEqual({'ntp': 'a', 'x': 2, 'y': 3}, view['variables'])
        self.assertEqual('availability_zone:nova', view['sources']['x'])
        self.assertEqual(
            ['region', 'availability_zone', 'host'],
            [lv['level'] for lv in view['levels']],
        )

    def test_duplicate_place_is_409(self):
        self.post('/v1/places', {'name': 'r1', 'kind': 'rack'}, 201)
        self.post('/v1/places', {'name': 'r1', 'kind': 'rack'}, 409)

    def test_name_shared_by_kinds_is_409(self):
        rack = self.post('/v1/places', {'name': 'x1', 'kind': 'rack'}, 201)
        cell = self.post('/v1/places', {'name': 'x1', 'kind': 'cell'}, 201)
        for method, body in (
            ('GET', None),
            ('PATCH', {'labels': {}}),
            ('DELETE', None),
        ):
            response = self.request(
                method, '/v1/places/x1', body, version=V, status=409
            )
            error = self.assert_fault(response, 409, 'cell, rack')
            self.assertIn('?kind=', error['detail'])
        shown = self.get('/v1/places/x1?kind=rack', version=V).json
        self.assertEqual(rack.json['uuid'], shown['uuid'])
        changed = self.request(
            'PATCH',
            '/v1/places/x1?kind=cell',
            {'labels': {'a': 'b'}},
            version=V,
            status=200,
        ).json
        self.assertEqual(cell.json['uuid'], changed['uuid'])
        self.assertEqual({'a': 'b'}, changed['labels'])
        self.get('/v1/places/x1?kind=region', version=V, status=404)
        self.get('/v1/places/x1?kind=planet', version=V, status=400)
        self.request(
            'DELETE', '/v1/places/x1?kind=rack', version=V, status=204
        )
        shown = self.get('/v1/places/x1', version=V).json
        self.assertEqual(cell.json['uuid'], shown['uuid'])
        self.get(f'/v1/places/{rack.json["uuid"]}', version=V, status=404)

    def test_history_records_api_changes(self):
        self.request(
            'PATCH',
            '/v1/hosts/sim-compute-002',
            {'labels': {'role': 'gpu'}},
            version=V,
            status=200,
        )
        rows = self.get('/v1/hosts/sim-compute-002/history', version=V).json[
            'history'
        ]
        self.assertEqual(['update', 'create'], [r['action'] for r in rows])
        self.assertEqual('api', rows[0]['source'])
        self.assertEqual(
            {'old': {}, 'new': {'role': 'gpu'}}, rows[0]['changes']['labels']
        )
        self.assertEqual('sync', rows[1]['source'])

    def test_instances_in_host(self):
        body = self.get('/v1/hosts/sim-compute-001', version=V).json
        self.assertEqual(
            ['sim-compute-001-vm1'], [i['name'] for i in body['instances']]
        )

    def test_create_update_answer_as_show(self):
        for version in ('fleet 1.1', V):
            made = self.request(
                'POST',
                '/v1/hosts',
                {'name': f'h-{version[-1]}'},
                version=version,
                status=201,
            ).json
            path = f'/v1/hosts/{made["uuid"]}'
            shown = self.get(path, version=version).json
            self.assertEqual(shown, made)
            changed = self.request(
                'PATCH', path, {'rack': 'r1'}, version=version, status=200
            ).json
            self.assertEqual(self.get(path, version=version).json, changed)
        changed = self.request(
            'PATCH',
            '/v1/hosts/sim-compute-001',
            {'rack': 'r2'},
            version=V,
            status=200,
        ).json
        self.assertEqual(
            ['sim-compute-001-vm1'], [i['name'] for i in changed['instances']]
        )

    def test_label_filter(self):
        self.request(
            'PATCH',
            '/v1/hosts/sim-compute-001',
            {'labels': {'role': 'gpu', 'x': 'y'}},
            version=V,
            status=200,
        )

        def names(query):
            hosts = self.get('/v1/hosts?' + query, version=V).json['hosts']
            return [h['name'] for h in hosts]

        self.assertEqual(['sim-compute-001'], names('label=role=gpu'))
        self.assertEqual(['sim-compute-001'], names('label=role=gpu&label=x'))
        self.assertEqual([], names('label=role=cpu'))
        self.get('/v1/hosts?label=a=b', version='fleet 1.1', status=400)

    def test_capacity_without(self):
        view = self.get('/v1/capacity?without=sim-compute-001', version=V).json
        self.assertEqual(3, view['total']['hosts'])
        self.assertEqual(1, view['what_if']['displaced']['vcpus'])
        self.assertTrue(view['what_if']['fits'])
        self.get('/v1/capacity?without=nope', version=V, status=400)

    def test_capacity_held_hosts_and_reservations(self):
        # The what-if of the API is the flow's model: held hosts offer
        # nothing, and what running drains reserved is placed first.
        self.dbapi.update_host('sim-compute-002', {'state': 'retired'})
        view = self.get('/v1/capacity?without=sim-compute-001', version=V).json
        self.assertEqual(['sim-compute-002'], view['held'])
        # sim-compute-003 only (64 vCPUs, one 1-vCPU instance).
        self.assertEqual(63, view['what_if']['free_elsewhere']['vcpus'])
        self.assertTrue(view['what_if']['fits'])
        # A drain of sim-compute-003 reserved room for a 63-vCPU instance
        # that has not moved yet: sim-compute-002's 63 free vCPUs go to it,
        # nothing is left for sim-compute-001's instance.
        run = self.dbapi.create_execution(
            {'kind': 'drain', 'state': 'running'}
        )['uuid']
        [big] = self.dbapi.list_instances({'host': 'sim-compute-003'})
        self.dbapi.reserve_capacity(
            run,
            'sim-compute-003',
            lambda *a: {
                'availability_zone': 'nova',
                'instances': {
                    big['uuid']: {'vcpus': 63, 'memory_mb': 1, 'disk_gb': 0}
                },
            },
        )
        self.dbapi.update_host('sim-compute-002', {'state': 'active'})
        view = self.get('/v1/capacity?without=sim-compute-001', version=V).json
        what_if = view['what_if']
        self.assertFalse(what_if['fits'])
        self.assertEqual(1, len(what_if['unplaced']))
        self.assertEqual(
            {'fits': False, 'unplaced': 1},
            what_if['availability_zones']['nova'],
        )

    def test_ansible(self):
        doc = self.get('/v1/inventory/ansible', version=V).json
        self.assertEqual(3, len(doc['_meta']['hostvars']))
        self.assertEqual(3, len(doc['az_nova']['hosts']))
        self.assertIn('region_RegionOne', doc['all']['children'])

    def test_replace(self):
        self.request(
            'PATCH',
            '/v1/hosts/sim-compute-001',
            {'labels': {'role': 'gpu'}, 'variables': {'v': 1}},
            version=V,
            status=200,
        )
        with mock.patch.object(
            rpcapi.ConductorAPI, 'hold_host_service'
        ) as cast:
            body = self.post(
                '/v1/hosts/sim-compute-001/replace',
                {'replacement': 'new-1', 'reason': 'PSU'},
                200,
            ).json
        self.assertEqual('maintenance', body['replaced']['state'])
        # The replaced host is held: a conductor disables its nova-compute.
        self.assertEqual('sim-compute-001', cast.call_args.args[1])
        new = self.dbapi.get_host('new-1')
        self.assertEqual(
            ({'role': 'gpu'}, {'v': 1}, 'nova'),
            (new['labels'], new['variables'], new['availability_zone']),
        )
        actions = [r['action'] for r in self.dbapi.list_host_history('new-1')]
        self.assertEqual(['replace', 'create'], actions)
        self.post('/v1/hosts/new-1/replace', {'replacement': 'new-1'}, 400)
