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


class TestFakeComputeIsAsynchronous(base.TestCase):
    """The simulated cloud answers like Nova: a request is accepted at
    once and takes effect later; states Nova refuses are refused."""

    def setUp(self):
        super().setUp()
        self.config(hosts=3, instances_per_host=2, group='fake_cloud')
        self.compute = fake.FakeCompute()
        self.cloud = fake_cloud.get_cloud()
        self.cloud.manual = True
        self.cloud.api_delay = 0.5
        self.cloud.migration_seconds = 3.0
        self.uuid = self.compute.list_instances('sim-compute-001')[0]['uuid']

    def state(self, vm_state):
        self.cloud.instances[self.uuid]['vm_state'] = vm_state

    def test_migration_record_appears_after_the_request(self):
        self.compute.live_migrate(self.uuid)
        inst = self.compute.get_instance(self.uuid)
        self.assertEqual(
            ('MIGRATING', 'migrating'), (inst['status'], inst['task_state'])
        )
        self.assertIsNone(self.compute.get_latest_migration(self.uuid))
        self.cloud.advance(0.5)
        self.assertEqual(
            'running', self.compute.get_latest_migration(self.uuid)['status']
        )
        self.cloud.advance(3.0)
        self.assertEqual(
            'completed', self.compute.get_latest_migration(self.uuid)['status']
        )
        inst = self.compute.get_instance(self.uuid)
        self.assertEqual(
            ('ACTIVE', None), (inst['status'], inst['task_state'])
        )
        self.assertNotEqual('sim-compute-001', inst['host'])

    def test_abort_takes_effect_later(self):
        self.compute.live_migrate(self.uuid)
        self.cloud.advance(1.0)
        record = self.compute.get_latest_migration(self.uuid)
        self.compute.abort_migration(self.uuid, record['id'])
        # Accepted, not yet done: the instance is still migrating.
        self.assertEqual(
            'running', self.compute.get_latest_migration(self.uuid)['status']
        )
        self.assertEqual(
            'migrating', self.compute.get_instance(self.uuid)['task_state']
        )
        self.cloud.advance(0.5)
        self.assertEqual(
            'cancelled', self.compute.get_latest_migration(self.uuid)['status']
        )
        inst = self.compute.get_instance(self.uuid)
        self.assertEqual(
            ('sim-compute-001', 'ACTIVE', None),
            (inst['host'], inst['status'], inst['task_state']),
        )
        # Too late to abort it again.
        self.assertRaises(
            exception.ComputeConflict,
            self.compute.abort_migration,
            self.uuid,
            record['id'],
        )

    def test_cold_migration_cannot_be_aborted(self):
        self.compute.cold_migrate(self.uuid)
        self.cloud.advance(1.0)
        record = self.compute.get_latest_migration(self.uuid, 'migration')
        self.assertRaises(
            exception.ComputeConflict,
            self.compute.abort_migration,
            self.uuid,
            record['id'],
        )

    def test_shutoff_cold_migration_confirmed_stays_shutoff(self):
        self.state('stopped')
        self.compute.cold_migrate(self.uuid)
        self.assertEqual(
            'RESIZE', self.compute.get_instance(self.uuid)['status']
        )
        self.cloud.advance(3.5)
        self.assertEqual(
            'VERIFY_RESIZE', self.compute.get_instance(self.uuid)['status']
        )
        self.compute.confirm_migration(self.uuid)
        self.assertEqual(
            'confirming',
            self.compute.get_latest_migration(self.uuid, 'migration')[
                'status'
            ],
        )
        # A second confirmation is refused, as Nova refuses it.
        self.assertRaises(
            exception.ComputeConflict,
            self.compute.confirm_migration,
            self.uuid,
        )
        self.cloud.advance(0.5)
        self.assertEqual(
            'SHUTOFF', self.compute.get_instance(self.uuid)['status']
        )

    def test_paused_lands_paused(self):
        self.state('paused')
        self.compute.live_migrate(self.uuid)
        self.cloud.settle()
        inst = self.compute.get_instance(self.uuid)
        self.assertEqual(
            ('PAUSED', 'paused'), (inst['status'], inst['vm_state'])
        )
        self.assertNotEqual('sim-compute-001', inst['host'])

    def test_states_nova_refuses(self):
        for vm_state in ('suspended', 'rescued', 'error', 'shelved'):
            self.state(vm_state)
            self.assertRaises(
                exception.ComputeConflict, self.compute.live_migrate, self.uuid
            )
            self.assertRaises(
                exception.ComputeConflict, self.compute.cold_migrate, self.uuid
            )
        self.state('paused')
        self.assertRaises(
            exception.ComputeConflict, self.compute.cold_migrate, self.uuid
        )
        self.state('active')
        self.cloud.start_task(self.uuid, 'image_snapshot', 5)
        self.assertRaises(
            exception.ComputeConflict, self.compute.live_migrate, self.uuid
        )
        self.assertEqual([], self.cloud.migrations)

    def test_shelve_offload(self):
        self.state('shelved')
        self.compute.shelve_offload(self.uuid)
        self.assertEqual(
            'shelving_offloading',
            self.compute.get_instance(self.uuid)['task_state'],
        )
        self.cloud.advance(0.5)
        inst = self.compute.get_instance(self.uuid)
        self.assertEqual(
            (None, 'SHELVED_OFFLOADED'), (inst['host'], inst['status'])
        )

    def test_migration_failure_leaves_the_instance_on_its_source(self):
        self.cloud.failure_rate = 1.0
        self.state('paused')
        self.compute.live_migrate(self.uuid)
        self.cloud.settle()
        self.assertEqual(
            'error', self.compute.get_latest_migration(self.uuid)['status']
        )
        inst = self.compute.get_instance(self.uuid)
        self.assertEqual(
            ('sim-compute-001', 'PAUSED'), (inst['host'], inst['status'])
        )

    def test_instance_states_option(self):
        self.config(
            instance_states=['ACTIVE', 'SHUTOFF', 'SHELVED_OFFLOADED'],
            group='fake_cloud',
        )
        self.config(instances_per_host=3, group='fake_cloud')
        fake_cloud.reset()
        statuses = sorted(
            fake_cloud.status_of(i)
            for i in fake_cloud.get_cloud().instances.values()
            if i['name'].startswith('sim-compute-001-')
        )
        self.assertEqual(['ACTIVE', 'SHELVED_OFFLOADED', 'SHUTOFF'], statuses)
        self.assertEqual(
            2, len(fake_cloud.get_cloud().instances_on('sim-compute-001'))
        )
