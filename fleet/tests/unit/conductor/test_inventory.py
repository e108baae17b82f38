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
            gone = list(cloud.instances)[-1]
            del cloud.instances[gone]
        counts = inventory.sync()
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
