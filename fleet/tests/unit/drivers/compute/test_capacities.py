"""ComputeDriver.list_host_capacities: Nova's bulk read through Placement
allocation candidates, and the default of every other driver."""

from unittest import mock

from fleet.common import exception
from fleet.common import nova
from fleet.drivers import fake_cloud
from fleet.drivers.compute import fake
from fleet.drivers.compute import nova as nova_driver
from fleet.tests import base


def _summary(vcpu, memory, disk=None, root=None):
    resources = {
        'VCPU': {'capacity': vcpu[0], 'used': vcpu[1]},
        'MEMORY_MB': {'capacity': memory[0], 'used': memory[1]},
    }
    if disk:
        resources['DISK_GB'] = {'capacity': disk[0], 'used': disk[1]}
    summary = {'resources': resources, 'traits': []}
    if root:
        summary['root_provider_uuid'] = root
    return summary


class TestNovaHostCapacities(base.TestCase):
    def setUp(self):
        super().setUp()
        self.adapter = mock.Mock(spec=nova.NovaAdapter)
        self.driver = nova_driver.NovaCompute(adapter=self.adapter)
        self.adapter.list_hypervisors.return_value = [
            {'id': 'rp-1', 'service': {'host': 'fc1'}},
            {'id': 'rp-2', 'service': {'host': 'fc2'}},
            {'id': 'rp-3', 'service': {'host': 'fc3'}},
            # A hypervisor without a service (being deleted): ignored.
            {'id': 'rp-x', 'service': None},
        ]

    def test_two_calls_whatever_the_size(self):
        self.adapter.get_allocation_candidate_summaries.return_value = {
            'rp-1': _summary((128, 2), (32256, 256), (500, 2)),
            'rp-2': _summary((64, 0), (16000, 0)),
            # A child provider (e.g. a NUMA node) of fc2's tree.
            'rp-2-child': _summary((8, 1), (1000, 10), root='rp-2'),
            # A provider of no compute Nova knows (a sharing provider).
            'rp-shared': _summary((0, 0), (0, 0), (1000, 0)),
        }
        capacities = self.driver.list_host_capacities()
        self.adapter.get_allocation_candidate_summaries.assert_called_once_with(
            {'VCPU': 1, 'MEMORY_MB': 1}
        )
        self.assertEqual(
            {
                'vcpus': 128,
                'vcpus_used': 2,
                'memory_mb': 32256,
                'memory_mb_used': 256,
                'disk_gb': 500,
                'disk_gb_used': 2,
            },
            capacities['fc1'],
        )
        self.assertEqual(
            {
                'vcpus': 72,
                'vcpus_used': 1,
                'memory_mb': 17000,
                'memory_mb_used': 10,
            },
            capacities['fc2'],
        )
        # fc3 has a provider but no room for 1 vCPU / 1 MiB: known, full.
        self.assertIsNone(capacities['fc3'])
        self.assertEqual({'fc1', 'fc2', 'fc3'}, set(capacities))

    def test_placement_errors_are_fleet_errors(self):
        self.adapter.get_allocation_candidate_summaries.side_effect = (
            exception.ComputeUnavailable(reason='placement down')
        )
        self.assertRaises(
            exception.ComputeError, self.driver.list_host_capacities
        )


class TestScopedHostCapacities(base.TestCase):
    """A drain's check reads only its zone's providers: Placement filtered
    by the zone's aggregates, no list of every hypervisor."""

    def setUp(self):
        super().setUp()
        self.adapter = mock.Mock(spec=nova.NovaAdapter)
        self.driver = nova_driver.NovaCompute(adapter=self.adapter)
        self.adapter.list_aggregates.return_value = [
            {
                'uuid': 'agg-az1',
                'name': 'az1-hosts',
                'availability_zone': 'az1',
            },
            {
                'uuid': 'agg-az2',
                'name': 'az2-hosts',
                'availability_zone': 'az2',
            },
            {'uuid': 'agg-ssd', 'name': 'ssd', 'availability_zone': None},
        ]
        self.adapter.list_resource_providers.return_value = [
            {'uuid': 'rp-1', 'name': 'fc1', 'root_provider_uuid': 'rp-1'},
            {
                'uuid': 'rp-2',
                'name': 'fc2.example.org',
                'root_provider_uuid': 'rp-2',
            },
            # A child provider (NUMA node, GPU): counted for its root.
            {
                'uuid': 'rp-2-c',
                'name': 'fc2-numa0',
                'root_provider_uuid': 'rp-2',
            },
        ]
        self.adapter.get_allocation_candidate_summaries.return_value = {
            'rp-1': _summary((128, 2), (32256, 256)),
            'rp-2-c': _summary((8, 1), (1000, 10), root='rp-2'),
        }

    def test_a_named_zone_reads_its_aggregates_providers_only(self):
        capacities = self.driver.list_host_capacities(
            scope={
                'availability_zone': 'az1',
                'nodes': {'fc2.example.org': 'fc2'},
            }
        )
        self.adapter.list_hypervisors.assert_not_called()
        self.adapter.list_resource_providers.assert_called_once_with(
            ['in:agg-az1']
        )
        self.adapter.get_allocation_candidate_summaries.assert_called_once_with(
            {'VCPU': 1, 'MEMORY_MB': 1}, member_of=['in:agg-az1']
        )
        self.assertEqual({'fc1', 'fc2'}, set(capacities))
        self.assertEqual(128, capacities['fc1']['vcpus'])
        self.assertEqual(8, capacities['fc2']['vcpus'])

    def test_the_default_zone_is_the_hosts_of_no_zones_aggregate(self):
        self.driver.list_host_capacities(scope={'availability_zone': 'nova'})
        self.adapter.list_resource_providers.assert_called_once_with(
            ['!in:agg-az1,agg-az2']
        )

    def test_aggregate_scope_needs_every_aggregate(self):
        self.driver.list_host_capacities(
            scope={'availability_zone': 'az1', 'aggregates': ['ssd']}
        )
        self.adapter.list_resource_providers.assert_called_once_with(
            ['in:agg-ssd', 'in:agg-az1']
        )

    def test_an_unknown_aggregate_reads_everything(self):
        self.adapter.list_hypervisors.return_value = []
        self.adapter.get_allocation_candidate_summaries.return_value = {}
        self.driver.list_host_capacities(
            scope={'availability_zone': 'az1', 'aggregates': ['gone']}
        )
        self.adapter.list_hypervisors.assert_called_once_with()
        self.adapter.list_resource_providers.assert_not_called()

    def test_a_cloud_without_aggregates_reads_everything(self):
        self.adapter.list_aggregates.return_value = []
        self.adapter.list_hypervisors.return_value = [
            {'id': 'rp-1', 'service': {'host': 'fc1'}},
        ]
        capacities = self.driver.list_host_capacities(
            scope={'availability_zone': 'nova'}
        )
        self.adapter.list_resource_providers.assert_not_called()
        self.assertEqual({'fc1'}, set(capacities))

    def test_a_placement_refusing_the_scoped_read_reads_everything(self):
        self.adapter.list_resource_providers.side_effect = (
            exception.ComputeError(reason='406 Not Acceptable')
        )
        self.adapter.list_hypervisors.return_value = [
            {'id': 'rp-1', 'service': {'host': 'fc1'}},
        ]
        capacities = self.driver.list_host_capacities(
            scope={'availability_zone': 'az1'}
        )
        self.adapter.list_hypervisors.assert_called_once_with()
        self.assertEqual(128, capacities['fc1']['vcpus'])

    def test_aggregates_are_read_once_a_minute(self):
        scope = {'availability_zone': 'az1'}
        self.driver.list_host_capacities(scope=scope)
        self.driver.list_host_capacities(scope=scope)
        self.assertEqual(1, self.adapter.list_aggregates.call_count)
        with mock.patch.object(
            nova_driver.time,
            'monotonic',
            return_value=nova_driver.time.monotonic() + 61,
        ):
            self.driver.list_host_capacities(scope=scope)
        self.assertEqual(2, self.adapter.list_aggregates.call_count)


class TestDefaultHostCapacities(base.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(base.DriversFixture())
        self.driver = fake.FakeCompute()
        self.cloud = fake_cloud.get_cloud()

    def test_every_service_host(self):
        capacities = self.driver.list_host_capacities()
        self.assertEqual(set(self.cloud.hosts), set(capacities))
        for name, found in capacities.items():
            self.assertEqual(self.driver.get_host_capacity(name), found)

    def test_a_host_without_provider_is_left_out(self):
        first = sorted(self.cloud.hosts)[0]
        real = self.driver.get_host_capacity

        def capacity(host):
            if host == first:
                raise exception.HostNotFound(host=host)
            return real(host)

        with mock.patch.object(
            self.driver, 'get_host_capacity', side_effect=capacity
        ):
            capacities = self.driver.list_host_capacities()
        self.assertNotIn(first, capacities)
        self.assertEqual(len(self.cloud.hosts) - 1, len(capacities))

    def test_a_scope_reads_only_the_services_of_its_zone(self):
        zones = {}
        for number, name in enumerate(sorted(self.cloud.hosts)):
            zones[name] = 'az1' if number % 2 == 0 else 'az2'
        real = self.driver.list_services

        def services():
            return [dict(s, zone=zones[s['host']]) for s in real()]

        with (
            mock.patch.object(
                self.driver, 'list_services', side_effect=services
            ),
            mock.patch.object(
                self.driver,
                'get_host_capacity',
                side_effect=self.driver.get_host_capacity,
            ) as read,
        ):
            capacities = self.driver.list_host_capacities(
                scope={'availability_zone': 'az2'}
            )
        wanted = {n for n, z in zones.items() if z == 'az2'}
        self.assertEqual(wanted, set(capacities))
        self.assertEqual(len(wanted), read.call_count)
