"""The fake compute driver on the simulated cloud."""

from fleet.common import exception
from fleet.drivers import fake_cloud
from fleet.drivers.compute import fake
from fleet.tests import base


class TestFakeCompute(base.TestCase):
    def setUp(self):
        super().setUp()
        self.config(hosts=3, instances_per_host=2, group='fake_cloud')
        self.compute = fake.FakeCompute()
        self.cloud = fake_cloud.get_cloud()

    def test_services(self):
        service = self.compute.disable_service('sim-compute-001', 'fleet: x')
        self.assertEqual('disabled', service['status'])
        self.assertEqual('fleet: x', service['disabled_reason'])
        self.assertEqual(3, len(self.compute.list_services()))
        service = self.compute.enable_service('sim-compute-001')
        self.assertEqual(
            ('enabled', None), (service['status'], service['disabled_reason'])
        )
        self.assertRaises(
            exception.HostNotFound, self.compute.get_service, 'nope'
        )

    def test_live_migrate_respects_disabled_services(self):
        self.compute.disable_service('sim-compute-002', 'x')
        uuid = self.compute.list_instances('sim-compute-001')[0]['uuid']
        self.compute.live_migrate(uuid)
        migration = self.compute.get_latest_migration(uuid)
        self.assertEqual('completed', migration['status'])
        self.assertEqual('sim-compute-003', migration['dest'])
        inst = self.compute.get_instance(uuid)
        self.assertEqual(
            ('sim-compute-003', 'ACTIVE'), (inst['host'], inst['status'])
        )

    def test_no_valid_host_is_an_error_record(self):
        for name in ('sim-compute-002', 'sim-compute-003'):
            self.compute.disable_service(name, 'x')
        uuid = self.compute.list_instances('sim-compute-001')[0]['uuid']
        self.compute.live_migrate(uuid)
        self.assertEqual(
            'error', self.compute.get_latest_migration(uuid)['status']
        )
        inst = self.compute.get_instance(uuid)
        self.assertEqual('sim-compute-001', inst['host'])

    def test_failure_rate_is_seeded(self):
        self.config(failure_rate=1.0, group='fake_cloud')
        fake_cloud.reset()
        uuid = self.compute.list_instances('sim-compute-001')[0]['uuid']
        self.compute.live_migrate(uuid)
        self.assertEqual(
            'error', self.compute.get_latest_migration(uuid)['status']
        )

    def test_cold_migrate_and_confirm(self):
        uuid = self.compute.list_instances('sim-compute-001')[0]['uuid']
        self.compute.cold_migrate(uuid)
        self.assertEqual(
            'VERIFY_RESIZE', self.compute.get_instance(uuid)['status']
        )
        self.compute.confirm_migration(uuid)
        self.assertEqual('ACTIVE', self.compute.get_instance(uuid)['status'])
        self.assertEqual(
            'confirmed',
            self.compute.get_latest_migration(uuid, 'migration')['status'],
        )

    def test_capacity_counts_instances(self):
        cap = self.compute.get_host_capacity('sim-compute-001')
        self.assertEqual(2, cap['vcpus_used'])
        self.assertEqual(1024, cap['memory_mb_used'])
