"""Tests of the inventory sync against the simulated cloud."""

from fleet.conductor import inventory
from fleet.drivers import fake_cloud
from fleet.tests import base


class TestSync(base.DbTestCase):
    def setUp(self):
        super().setUp()
        # [fake_cloud] hosts = 3 (see base.ConfFixture)
        self.cloud = fake_cloud.get_cloud()

    def sync(self):
        """Host counts of one sync (instances and places: see below)."""
        counts = inventory.sync()
        return {k: counts[k] for k in ('created', 'updated', 'stale')}

    def test_first_sync_creates(self):
        self.assertEqual({'created': 3, 'updated': 0, 'stale': 0}, self.sync())
        hosts = self.dbapi.list_hosts()
        self.assertEqual(
            ['sim-compute-001', 'sim-compute-002', 'sim-compute-003'],
            [h['name'] for h in hosts],
        )
        host = hosts[0]
        self.assertEqual('fake', host['source'])
        self.assertEqual('compute', host['kind'])
        self.assertEqual('nova', host['availability_zone'])
        self.assertEqual('enabled', host['nova_service_status'])
        self.assertEqual(
            self.cloud.hosts['sim-compute-001']['service_id'],
            host['nova_service_id'],
        )
        self.assertIs(False, host['facts']['stale'])
        self.assertEqual(64, host['facts']['vcpus'])

    def test_second_sync_changes_nothing(self):
        self.sync()
        before = self.dbapi.list_hosts()
        self.assertEqual({'created': 0, 'updated': 0, 'stale': 0}, self.sync())
        self.assertEqual(before, self.dbapi.list_hosts())

    def test_changes_are_updated(self):
        self.sync()
        with self.cloud.lock:
            self.cloud.hosts['sim-compute-002']['status'] = 'disabled'
            self.cloud.hosts['sim-compute-002']['disabled_reason'] = 'fleet'
        self.assertEqual({'created': 0, 'updated': 1, 'stale': 0}, self.sync())
        host = self.dbapi.get_host('sim-compute-002')
        self.assertEqual('disabled', host['nova_service_status'])
        self.assertEqual('fleet', host['nova_disabled_reason'])

    def test_sync_keeps_fleet_facts(self):
        self.sync()
        host = self.dbapi.get_host('sim-compute-001')
        self.dbapi.update_host(
            host['uuid'],
            {'facts': dict(host['facts'], kernel='6.8'), 'labels': {'a': 'b'}},
        )
        with self.cloud.lock:
            self.cloud.hosts['sim-compute-001']['vcpus'] = 32
        self.sync()
        host = self.dbapi.get_host('sim-compute-001')
        self.assertEqual(32, host['facts']['vcpus'])
        self.assertEqual('6.8', host['facts']['kernel'])
        self.assertEqual({'a': 'b'}, host['labels'])

    def test_vanished_host_is_marked_stale_once(self):
        self.sync()
        with self.cloud.lock:
            gone = self.cloud.hosts.pop('sim-compute-003')
        self.assertEqual({'created': 0, 'updated': 0, 'stale': 1}, self.sync())
        host = self.dbapi.get_host('sim-compute-003')
        self.assertIs(True, host['facts']['stale'])
        self.assertEqual({'created': 0, 'updated': 0, 'stale': 0}, self.sync())
        # It comes back: no longer stale.
        with self.cloud.lock:
            self.cloud.hosts['sim-compute-003'] = gone
        self.assertEqual({'created': 0, 'updated': 1, 'stale': 0}, self.sync())
        host = self.dbapi.get_host('sim-compute-003')
        self.assertIs(False, host['facts']['stale'])

    def test_hosts_of_other_sources_are_left_alone(self):
        self.create_host(name='switch-1', kind='switch', source='api')
        self.sync()
        host = self.dbapi.get_host('switch-1')
        self.assertEqual('api', host['source'])
        self.assertNotIn('stale', host['facts'])


class TestSyncInstances(base.DbTestCase):
    def test_instances_follow_the_cloud(self):
        cloud = fake_cloud.get_cloud()
        counts = inventory.sync()
        self.assertEqual(
            {'created': 3, 'updated': 0, 'deleted': 0}, counts['instances']
        )
        with cloud.lock:
            uuid = next(iter(cloud.instances))
            cloud.instances[uuid]['host'] = 'sim-compute-003'
            cloud.touch(cloud.instances[uuid])
            gone = list(cloud.instances)[-1]
            cloud.delete_instance(gone)
        counts = inventory.sync()
        self.assertFalse(counts['full'])
        self.assertEqual(
            {'created': 0, 'updated': 1, 'deleted': 1}, counts['instances']
        )
        self.assertEqual(
            'sim-compute-003', self.dbapi.get_instance(uuid)['host']
        )

    def test_sync_changes_write_history(self):
        inventory.sync()
        cloud = fake_cloud.get_cloud()
        with cloud.lock:
            cloud.hosts['sim-compute-001']['status'] = 'disabled'
        inventory.sync()
        last = self.dbapi.list_host_history('sim-compute-001')[0]
        self.assertEqual(('update', 'sync'), (last['action'], last['source']))
        self.assertEqual(
            {'old': 'enabled', 'new': 'disabled'},
            last['changes']['nova_service_status'],
        )


class TestHoldServices(base.DbTestCase):
    """A host fleet holds out of service keeps its nova-compute disabled
    with fleet's reason; back to active, fleet lifts only its own."""

    def setUp(self):
        super().setUp()
        self.cloud = fake_cloud.get_cloud()
        inventory.sync()

    def service(self, name='sim-compute-002'):
        return self.cloud.hosts[name]

    def test_every_held_state_disables_with_its_reason(self):
        for state in (
            'retired',
            'maintenance',
            'unmanaged',
            'draining',
            'failed',
        ):
            self.dbapi.update_host('sim-compute-002', {'state': state})
            counts = inventory.hold_services('sim-compute-002')
            self.assertEqual('disabled', self.service()['status'])
            self.assertEqual(
                f'fleet: host {state}', self.service()['disabled_reason']
            )
            self.assertEqual(1, counts['disabled'], state)
        host = self.dbapi.get_host('sim-compute-002')
        self.assertEqual('disabled', host['nova_service_status'])
        history = self.dbapi.list_host_history('sim-compute-002', limit=1)
        self.assertIn('never a destination', history[0]['reason'])

    def test_back_to_active_reenables_fleets_own_only(self):
        self.dbapi.update_host('sim-compute-002', {'state': 'retired'})
        inventory.hold_services('sim-compute-002')
        self.dbapi.update_host('sim-compute-002', {'state': 'active'})
        self.assertEqual(
            {'disabled': 0, 'enabled': 1},
            inventory.hold_services('sim-compute-002'),
        )
        self.assertEqual('enabled', self.service()['status'])
        self.assertIsNone(self.service()['disabled_reason'])

    def test_a_humans_reason_is_never_overwritten_nor_lifted(self):
        self.service()['status'] = 'disabled'
        self.service()['disabled_reason'] = 'operator: bad DIMM'
        self.dbapi.update_host('sim-compute-002', {'state': 'retired'})
        inventory.hold_services('sim-compute-002')
        self.assertEqual(
            'operator: bad DIMM', self.service()['disabled_reason']
        )
        self.dbapi.update_host('sim-compute-002', {'state': 'active'})
        inventory.hold_services('sim-compute-002')
        self.assertEqual('disabled', self.service()['status'])
        self.assertEqual(
            'operator: bad DIMM', self.service()['disabled_reason']
        )

    def test_a_host_held_by_a_run_is_left_to_the_run(self):
        host = self.dbapi.get_host('sim-compute-002')
        run = self.dbapi.create_execution(
            {'kind': 'drain', 'state': 'running', 'host_uuid': host['uuid']}
        )
        self.dbapi.reserve_host(host['uuid'], run['uuid'])
        self.dbapi.update_host('sim-compute-002', {'state': 'draining'})
        inventory.hold_services('sim-compute-002')
        self.assertEqual('enabled', self.service()['status'])

    def test_sync_brings_every_held_host_in_line(self):
        # E.g. retired while no conductor listened to the API's cast.
        self.dbapi.update_host('sim-compute-002', {'state': 'retired'})
        self.dbapi.update_host('sim-compute-003', {'state': 'unmanaged'})
        counts = inventory.sync()
        self.assertEqual({'disabled': 2, 'enabled': 0}, counts['held'])
        self.assertEqual(
            'fleet: host retired', self.service()['disabled_reason']
        )
        self.assertEqual('enabled', self.service('sim-compute-001')['status'])
        # Nothing left to do the next time.
        self.assertEqual(
            {'disabled': 0, 'enabled': 0}, inventory.sync()['held']
        )

    def test_a_compute_nova_does_not_know_is_skipped(self):
        self.dbapi.create_host(
            {'name': 'not-in-nova', 'kind': 'compute', 'state': 'retired'}
        )
        self.assertEqual(
            {'disabled': 0, 'enabled': 0},
            inventory.hold_services('not-in-nova'),
        )
