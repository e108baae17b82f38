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
