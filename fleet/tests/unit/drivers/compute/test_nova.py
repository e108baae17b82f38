"""Tests of the nova compute driver, with the Nova adapter mocked."""

from unittest import mock

from fleet.common import exception
from fleet.common import nova
from fleet.drivers import base as drivers_base
from fleet.drivers import factory
from fleet.drivers.compute import nova as nova_driver
from fleet.tests import base

SERVICE = {
    'id': 'svc-uuid-1',
    'binary': 'nova-compute',
    'host': 'fc1',
    'zone': 'nova',
    'status': 'enabled',
    'state': 'up',
    'disabled_reason': None,
    'forced_down': False,
    'updated_at': '2026-11-21T22:00:00.000000',
}

SERVER = {
    'id': 'inst-1',
    'name': 'vm1',
    'status': 'ACTIVE',
    'tenant_id': 'proj',
    'OS-EXT-SRV-ATTR:host': 'fc1',
    'OS-EXT-STS:task_state': None,
    'OS-EXT-STS:vm_state': 'active',
    'OS-EXT-STS:power_state': 1,
    'flavor': {'vcpus': 2, 'ram': 512, 'disk': 1, 'original_name': 'm1'},
}


def _migration(mid, status='completed', mtype='live-migration'):
    return {
        'id': mid,
        'uuid': f'mig-{mid}',
        'instance_uuid': 'inst-1',
        'status': status,
        'source_compute': 'fc1',
        'dest_compute': 'fc2',
        'created_at': '2026-11-21T22:00:00.000000',
        'updated_at': '2026-11-21T22:00:01.000000',
        'migration_type': mtype,
    }


class TestNovaCompute(base.TestCase):
    def setUp(self):
        super().setUp()
        self.adapter = mock.Mock(spec=nova.NovaAdapter)
        self.driver = nova_driver.NovaCompute(adapter=self.adapter)

    def test_is_a_compute_driver(self):
        self.assertIsInstance(self.driver, drivers_base.ComputeDriver)

    def test_get_service(self):
        self.adapter.list_services.return_value = [SERVICE]
        service = self.driver.get_service('fc1')
        self.adapter.list_services.assert_called_once_with(
            host='fc1', binary='nova-compute'
        )
        self.assertEqual(
            {
                'id': 'svc-uuid-1',
                'host': 'fc1',
                'status': 'enabled',
                'state': 'up',
                'disabled_reason': None,
                'zone': 'nova',
                'forced_down': False,
                'updated_at': '2026-11-21T22:00:00.000000',
            },
            service,
        )

    def test_get_service_unknown_host(self):
        # A service of another host (a filter ignored) does not count.
        self.adapter.list_services.return_value = [{**SERVICE, 'host': 'x'}]
        self.assertRaises(
            exception.HostNotFound, self.driver.get_service, 'fc1'
        )

    def test_disable_service(self):
        self.adapter.list_services.return_value = [SERVICE]
        self.adapter.disable_service.return_value = {
            'id': 'svc-uuid-1',
            'host': 'fc1',
            'status': 'disabled',
            'disabled_reason': 'fleet: run 1',
        }
        service = self.driver.disable_service('fc1', 'fleet: run 1')
        self.adapter.disable_service.assert_called_once_with(
            'svc-uuid-1', 'fleet: run 1'
        )
        self.assertEqual('disabled', service['status'])
        self.assertEqual('fleet: run 1', service['disabled_reason'])
        # The PUT answer has no state: the one read before is kept.
        self.assertEqual('up', service['state'])

    def test_disable_service_idempotent(self):
        self.adapter.list_services.return_value = [
            {**SERVICE, 'status': 'disabled', 'disabled_reason': 'r'}
        ]
        service = self.driver.disable_service('fc1', 'r')
        self.adapter.disable_service.assert_not_called()
        self.assertEqual('disabled', service['status'])

    def test_disable_service_other_reason_is_replaced(self):
        self.adapter.list_services.return_value = [
            {**SERVICE, 'status': 'disabled', 'disabled_reason': 'old'}
        ]
        self.adapter.disable_service.return_value = {
            **SERVICE,
            'status': 'disabled',
            'disabled_reason': 'new',
        }
        self.driver.disable_service('fc1', 'new')
        self.adapter.disable_service.assert_called_once_with(
            'svc-uuid-1', 'new'
        )

    def test_enable_service(self):
        self.adapter.list_services.return_value = [
            {**SERVICE, 'status': 'disabled', 'disabled_reason': 'r'}
        ]
        self.adapter.enable_service.return_value = {
            'id': 'svc-uuid-1',
            'host': 'fc1',
            'status': 'enabled',
        }
        service = self.driver.enable_service('fc1')
        self.adapter.enable_service.assert_called_once_with('svc-uuid-1')
        self.assertEqual('enabled', service['status'])
        self.assertIsNone(service['disabled_reason'])

    def test_enable_service_idempotent(self):
        self.adapter.list_services.return_value = [SERVICE]
        self.assertEqual(
            'enabled', self.driver.enable_service('fc1')['status']
        )
        self.adapter.enable_service.assert_not_called()

    def test_list_services(self):
        self.adapter.list_services.return_value = [
            SERVICE,
            {**SERVICE, 'id': 'svc-2', 'host': 'fc2', 'state': 'down'},
        ]
        services = self.driver.list_services()
        self.adapter.list_services.assert_called_once_with(
            binary='nova-compute'
        )
        self.assertEqual(
            [('fc1', 'up'), ('fc2', 'down')],
            [(s['host'], s['state']) for s in services],
        )

    def test_list_instances(self):
        self.adapter.list_servers.return_value = [SERVER]
        self.assertEqual(
            [
                {
                    'uuid': 'inst-1',
                    'name': 'vm1',
                    'status': 'ACTIVE',
                    'host': 'fc1',
                    'task_state': None,
                    'vm_state': 'active',
                    'power_state': 1,
                    'vcpus': 2,
                    'memory_mb': 512,
                    'project_id': 'proj',
                }
            ],
            self.driver.list_instances('fc1'),
        )
        self.adapter.list_servers.assert_called_once_with('fc1')

    def test_get_instance(self):
        self.adapter.get_server.return_value = {
            **SERVER,
            'status': 'MIGRATING',
            'OS-EXT-STS:task_state': 'migrating',
        }
        instance = self.driver.get_instance('inst-1')
        self.assertEqual('MIGRATING', instance['status'])
        self.assertEqual('migrating', instance['task_state'])

    def test_get_instance_not_found(self):
        self.adapter.get_server.side_effect = exception.InstanceNotFound(
            instance='inst-1'
        )
        self.assertRaises(
            exception.InstanceNotFound, self.driver.get_instance, 'inst-1'
        )

    def test_live_migrate(self):
        self.assertIsNone(self.driver.live_migrate('inst-1'))
        self.adapter.live_migrate.assert_called_once_with(
            'inst-1', None, 'auto'
        )

    def test_live_migrate_to_host(self):
        self.driver.live_migrate('inst-1', 'fc3')
        self.adapter.live_migrate.assert_called_once_with(
            'inst-1', 'fc3', 'auto'
        )

    def test_cold_migrate_and_confirm(self):
        self.driver.cold_migrate('inst-1')
        self.adapter.migrate.assert_called_once_with('inst-1', None)
        self.driver.confirm_migration('inst-1')
        self.adapter.confirm_resize.assert_called_once_with('inst-1')

    def test_shelve_offload(self):
        self.driver.shelve_offload('inst-1')
        self.adapter.shelve_offload.assert_called_once_with('inst-1')

    def test_get_latest_migration_newest_by_id(self):
        self.adapter.list_migrations.return_value = [
            _migration(9, 'running'),
            _migration(12, 'queued'),
            _migration(3),
        ]
        migration = self.driver.get_latest_migration('inst-1')
        self.adapter.list_migrations.assert_called_once_with(
            'inst-1', 'live-migration'
        )
        self.assertEqual(
            {
                'id': 12,
                'uuid': 'mig-12',
                'instance_uuid': 'inst-1',
                'status': 'queued',
                'source': 'fc1',
                'dest': 'fc2',
                'created_at': '2026-11-21T22:00:00.000000',
                'updated_at': '2026-11-21T22:00:01.000000',
                'migration_type': 'live-migration',
            },
            migration,
        )

    def test_get_latest_migration_none(self):
        self.adapter.list_migrations.return_value = []
        self.assertIsNone(self.driver.get_latest_migration('inst-1'))

    def test_get_latest_migration_ignores_other_types(self):
        self.adapter.list_migrations.return_value = [
            _migration(5),
            _migration(6, mtype='migration'),
        ]
        self.assertEqual(5, self.driver.get_latest_migration('inst-1')['id'])

    def test_abort_migration(self):
        self.driver.abort_migration('inst-1', '7')
        self.adapter.abort_live_migration.assert_called_once_with('inst-1', 7)

    def test_get_host_capacity(self):
        self.adapter.find_resource_providers.return_value = [
            {'uuid': 'rp1', 'name': 'fc1'},
            {'uuid': 'rp2', 'name': 'fc1-b'},
        ]
        self.adapter.get_provider_usage.side_effect = [
            {
                'inventories': {
                    'VCPU': {
                        'total': 32,
                        'reserved': 0,
                        'allocation_ratio': 4.0,
                    },
                    'MEMORY_MB': {
                        'total': 32768,
                        'reserved': 512,
                        'allocation_ratio': 1.0,
                    },
                    'DISK_GB': {'total': 500},
                },
                'usages': {'VCPU': 3, 'MEMORY_MB': 384, 'DISK_GB': 3},
            },
            {
                'inventories': {
                    'VCPU': {'total': 8, 'reserved': 2, 'allocation_ratio': 1}
                },
                'usages': {'VCPU': 1},
            },
        ]
        self.assertEqual(
            {
                'vcpus': 128 + 6,
                'vcpus_used': 4,
                'memory_mb': 32256,
                'memory_mb_used': 384,
            },
            self.driver.get_host_capacity('fc1'),
        )

    def test_get_host_capacity_unknown_host(self):
        self.adapter.find_resource_providers.return_value = []
        self.assertRaises(
            exception.HostNotFound, self.driver.get_host_capacity, 'nope'
        )

    def test_compute_errors_pass_through(self):
        self.adapter.live_migrate.side_effect = exception.ComputeConflict(
            reason='busy'
        )
        self.assertRaises(
            exception.ComputeError, self.driver.live_migrate, 'inst-1'
        )

    def test_adapter_built_lazily(self):
        driver = nova_driver.NovaCompute()
        with mock.patch.object(nova, 'get_adapter') as get_adapter:
            self.assertIs(get_adapter.return_value, driver.adapter)
            self.assertIs(get_adapter.return_value, driver.adapter)
            get_adapter.assert_called_once_with()


class TestLoading(base.TestCase):
    def test_factory_loads_nova(self):
        self.config(compute=['nova'], group='drivers')
        with mock.patch.object(nova, 'load_session') as load_session:
            driver = factory.get_compute()
        load_session.assert_called_once_with()
        self.assertIsInstance(driver, nova_driver.NovaCompute)
        self.assertEqual('nova', driver.name)

    def test_factory_fails_early_without_auth(self):
        self.config(compute=['nova'], group='drivers')
        e = self.assertRaises(exception.ConfigInvalid, factory.get_compute)
        self.assertIn('auth_type', str(e))

    def test_factory_fails_early_on_bad_microversion(self):
        self.config(compute=['nova'], group='drivers')
        self.config(api_version='2.1', group='nova')
        self.assertRaises(exception.ConfigInvalid, factory.get_compute)
