"""Capacity arithmetic per host, AZ, aggregate, and without some hosts."""

from fleet.inventory import capacity
from fleet.tests import base


def _host(
    name,
    az='az1',
    aggs=(),
    state='active',
    status='enabled',
    vcpus=16,
    memory_mb=1000,
    disk_gb=100,
    kind='compute',
):
    return {
        'name': name,
        'uuid': name + '-u',
        'kind': kind,
        'state': state,
        'availability_zone': az,
        'nova_service_status': status,
        'facts': {
            'vcpus': vcpus,
            'memory_mb': memory_mb,
            'disk_gb': disk_gb,
            'aggregates': list(aggs),
        },
    }


def _inst(host, vcpus=2, memory_mb=100, disk_gb=10):
    return {
        'host': host,
        'vcpus': vcpus,
        'memory_mb': memory_mb,
        'disk_gb': disk_gb,
    }


class TestCapacity(base.TestCase):
    def setUp(self):
        super().setUp()
        self.hosts = [
            _host('h1', aggs=['gpu']),
            _host('h2', aggs=['gpu']),
            _host('h3', az='az2'),
            _host('sw', kind='switch'),
        ]
        self.instances = [_inst('h1'), _inst('h1'), _inst('h3', vcpus=8)]

    def test_per_host(self):
        view = capacity.compute(self.hosts, self.instances)
        rows = {r['name']: r for r in view['hosts']}
        self.assertEqual(['h1', 'h2', 'h3'], sorted(rows))
        self.assertEqual(
            {'vcpus': 4, 'memory_mb': 200, 'disk_gb': 20}, rows['h1']['used']
        )
        self.assertEqual(
            {'vcpus': 12, 'memory_mb': 800, 'disk_gb': 80}, rows['h1']['free']
        )
        self.assertEqual(2, rows['h1']['instances'])

    def test_groups(self):
        view = capacity.compute(self.hosts, self.instances)
        self.assertEqual(48, view['total']['total']['vcpus'])
        self.assertEqual(12, view['total']['used']['vcpus'])
        self.assertEqual(2, view['availability_zones']['az1']['hosts'])
        self.assertEqual(8, view['availability_zones']['az2']['used']['vcpus'])
        self.assertEqual(28, view['aggregates']['gpu']['free']['vcpus'])
        self.assertNotIn('what_if', view)

    def test_without_fits(self):
        view = capacity.compute(self.hosts, self.instances, without=['h1'])
        what_if = view['what_if']
        self.assertEqual(
            {'vcpus': 4, 'memory_mb': 200, 'disk_gb': 20}, what_if['displaced']
        )
        # h2 free 16 + h3 free 8
        self.assertEqual(24, what_if['free_elsewhere']['vcpus'])
        self.assertEqual(20, what_if['free_after']['vcpus'])
        self.assertTrue(what_if['fits'])

    def test_disabled_and_unmanaged_hosts_offer_nothing(self):
        self.hosts[1] = _host('h2', status='disabled')
        self.hosts[2] = _host('h3', az='az2', state='maintenance')
        what_if = capacity.compute(self.hosts, self.instances, without=['h1'])[
            'what_if'
        ]
        self.assertEqual(0, what_if['free_elsewhere']['vcpus'])
        self.assertFalse(what_if['fits'])

    def test_does_not_fit(self):
        self.instances.append(_inst('h2', vcpus=30))
        what_if = capacity.compute(
            self.hosts, self.instances, without=['h1', 'h2']
        )['what_if']
        self.assertEqual(34, what_if['displaced']['vcpus'])
        self.assertEqual(-26, what_if['free_after']['vcpus'])
        self.assertFalse(what_if['fits'])


_SEQ = iter(range(1, 10**6))


def _vm(host, vcpus=2, memory_mb=100, disk_gb=10, group=None, policy=None):
    return {
        'uuid': f'vm-{next(_SEQ)}',
        'host': host,
        'vcpus': vcpus,
        'memory_mb': memory_mb,
        'disk_gb': disk_gb,
        'server_group': group,
        'server_group_policy': policy,
    }


class TestDestinations(base.TestCase):
    """check_drain and the what-if: the model the flow and the API share."""

    def drain(self, hosts, instances, source='h1', **kwargs):
        demand = capacity.demand_of(
            i for i in instances if i['host'] == source
        )
        return capacity.check_drain(hosts, instances, source, demand, **kwargs)

    def test_every_held_state_is_never_a_destination(self):
        for state in capacity.HELD_STATES:
            hosts = [_host('h1'), _host('h2', state=state)]
            result = self.drain(hosts, [_vm('h1')])
            self.assertFalse(result['fits'], state)
            self.assertEqual([], result['candidates'])
            self.assertEqual(
                {'h2': f'fleet holds it ({state})'}, result['skipped']
            )

    def test_held_hosts_are_never_free_capacity_in_the_view(self):
        hosts = [_host('h1'), _host('h2', state='retired'), _host('h3')]
        view = capacity.compute(hosts, [_vm('h1')], without=['h1'])
        self.assertEqual(['h2'], view['held'])
        # h3's 16 vCPUs only: the retired h2's do not count.
        self.assertEqual(16, view['what_if']['free_elsewhere']['vcpus'])

    def test_other_zones_do_not_count(self):
        hosts = [_host('h1', az='az1'), _host('h2', az='az2')]
        result = self.drain(hosts, [_vm('h1')])
        self.assertFalse(result['fits'])
        self.assertEqual('az1', result['availability_zone'])
        self.assertEqual([], result['candidates'])
        view = capacity.compute(hosts, [_vm('h1')], without=['h1'])
        self.assertFalse(view['what_if']['fits'])
        self.assertEqual(
            {'fits': False, 'unplaced': 1},
            view['what_if']['availability_zones']['az1'],
        )

    def test_aggregate_scope_needs_every_aggregate_of_the_source(self):
        hosts = [
            _host('h1', aggs=['gpu', 'rack1']),
            _host('h2', aggs=['gpu']),
            _host('h3', aggs=['gpu', 'rack1', 'x']),
        ]
        result = self.drain(hosts, [_vm('h1')], scope=capacity.SCOPE_AGGREGATE)
        self.assertEqual(['h3'], result['candidates'])
        self.assertEqual(
            ['h2', 'h3'], self.drain(hosts, [_vm('h1')])['candidates']
        )

    def test_disk_counts(self):
        hosts = [_host('h1'), _host('h2', disk_gb=15)]
        vms = [_vm('h1', disk_gb=10), _vm('h1', disk_gb=10)]
        result = self.drain(hosts, vms)
        self.assertEqual(1, len(result['unplaced']))
        self.assertEqual(20, result['needed']['disk_gb'])

    def test_fragmentation_is_seen(self):
        # 8 + 8 vCPUs free; a 12-vCPU instance fits on neither.
        hosts = [_host('h1'), _host('h2', vcpus=8), _host('h3', vcpus=8)]
        result = self.drain(hosts, [_vm('h1', vcpus=12)])
        self.assertEqual(16, result['free']['vcpus'])
        self.assertFalse(result['fits'])

    def test_anti_affinity(self):
        hosts = [_host('h1'), _host('h2'), _host('h3')]
        vms = [
            _vm('h1', group='g', policy='anti-affinity'),
            _vm('h1', group='g', policy='anti-affinity'),
            _vm('h2', group='g', policy='anti-affinity'),
        ]
        result = self.drain(hosts, vms)
        # h2 already holds a member; h3 takes one; one is left.
        self.assertEqual(1, len(result['unplaced']))
        self.assertEqual(['h3'], list(result['placement'].values()))
        # The same instances with soft-anti-affinity (best effort in
        # Nova) or affinity policy do not constrain the check.
        for vm in vms:
            vm['server_group_policy'] = 'soft-anti-affinity'
        self.assertTrue(self.drain(hosts, vms)['fits'])

    def test_anti_affinity_in_the_what_if(self):
        hosts = [_host('h1'), _host('h2')]
        vms = [
            _vm('h1', group='g', policy='anti-affinity'),
            _vm('h2', group='g', policy='anti-affinity'),
        ]
        what_if = capacity.compute(hosts, vms, without=['h1'])['what_if']
        self.assertEqual([vms[0]['uuid']], what_if['unplaced'])
        self.assertFalse(what_if['fits'])

    def test_host_without_capacity_is_skipped_not_fatal(self):
        hosts = [
            _host('h1'),
            _host('h2', vcpus=0, memory_mb=0, disk_gb=0),
            _host('h3'),
        ]
        with self.assertLogs('fleet.inventory.capacity', 'INFO') as logs:
            result = self.drain(hosts, [_vm('h1')])
        self.assertTrue(result['fits'])
        self.assertEqual(['h3'], result['candidates'])
        self.assertIn('h2', result['skipped'])
        self.assertIn('h2 skipped as a destination', logs.output[0])

    def test_live_numbers_replace_the_facts(self):
        hosts = [_host('h1'), _host('h2')]
        live = {'h2': {'vcpus': 4, 'vcpus_used': 3}}
        result = self.drain(hosts, [_vm('h1')], live=live)
        self.assertFalse(result['fits'])
        self.assertEqual(1, result['free']['vcpus'])
        # Disk is not in the live numbers: the facts still count for it.
        self.assertEqual(100, result['free']['disk_gb'])

    def test_unknown_resource_does_not_constrain(self):
        hosts = [_host('h1'), _host('h2', disk_gb=0)]
        live = {'h2': {'vcpus': 8, 'vcpus_used': 0}}
        self.assertTrue(self.drain(hosts, [_vm('h1')], live=live)['fits'])

    def test_reservations_of_other_drains_come_first(self):
        hosts = [_host('h1'), _host('h2'), _host('h3', vcpus=4)]
        vms = [_vm('h1', vcpus=4), _vm('h2', vcpus=4)]
        reservation = {
            'execution_uuid': 'run-a',
            'host_name': 'h2',
            'availability_zone': 'az1',
            'instances': {
                vms[1]['uuid']: {'vcpus': 4, 'memory_mb': 100, 'disk_gb': 10}
            },
        }
        result = self.drain(hosts, vms, reservations=[reservation])
        self.assertFalse(result['fits'])
        self.assertEqual(
            {'h2': 'being drained by run run-a'}, result['skipped']
        )
        self.assertEqual(4, result['reserved_by_others']['vcpus'])
        # The other drain's instance landed on h3: its room is now used,
        # not reserved twice; h1's instance has nowhere to go either way.
        vms[1]['host'] = 'h3'
        result = self.drain(hosts, vms, reservations=[reservation])
        self.assertEqual(0, result['reserved_by_others']['vcpus'])

    def test_reservation_of_another_zone_does_not_count(self):
        hosts = [_host('h1'), _host('h2', vcpus=4)]
        vms = [_vm('h1', vcpus=4)]
        reservation = {
            'execution_uuid': 'run-b',
            'host_name': 'z9',
            'availability_zone': 'az9',
            'instances': {'vm-z': {'vcpus': 4, 'memory_mb': 1, 'disk_gb': 0}},
        }
        self.assertTrue(
            self.drain(hosts, vms, reservations=[reservation])['fits']
        )

    def test_target_counts_whatever_nova_says_but_not_if_held(self):
        hosts = [_host('h1'), _host('h2', status='disabled'), _host('h3')]
        result = self.drain(hosts, [_vm('h1')], target='h2')
        self.assertEqual(['h2'], result['candidates'])
        hosts[1]['state'] = 'retired'
        result = self.drain(hosts, [_vm('h1')], target='h2')
        self.assertFalse(result['fits'])
        result = self.drain(hosts, [_vm('h1')], target='nope')
        self.assertEqual(
            {'nope': 'unknown to fleet or not in scope'}, result['skipped']
        )


class TestHeldHosts(base.DbTestCase):
    def test_names_of_held_computes(self):
        for name, state in (
            ('a', 'active'),
            ('r', 'retired'),
            ('m', 'maintenance'),
            ('u', 'unmanaged'),
            ('d', 'draining'),
            ('f', 'failed'),
        ):
            self.dbapi.create_host(
                {'name': name, 'kind': 'compute', 'state': state}
            )
        self.dbapi.create_host(
            {'name': 'sw', 'kind': 'switch', 'state': 'retired'}
        )
        self.assertEqual(
            {'r', 'm', 'u', 'd', 'f'}, capacity.held_hosts(self.dbapi)
        )
