"""Incremental, paged inventory sync against the simulated cloud, whose
server list pages, filters on changes-since and shows deleted servers as
Nova's does. Time is the overridden oslo clock: the cloud stamps
changes with it and the sync takes its mark from it."""

import datetime
from unittest import mock

from oslo_utils import timeutils

from fleet.common import exception
from fleet.conductor import inventory
from fleet.drivers import fake_cloud
from fleet.tests import base

T0 = datetime.datetime(2026, 11, 30, 12, 0, 0)


class TestIncrementalSync(base.DbTestCase):
    def setUp(self):
        super().setUp()
        # 3 hosts, 4 instances each; pages of 5 so syncs cross pages.
        self.config(instances_per_host=4, group='fake_cloud')
        self.config(sync_page_size=5, sync_clock_skew=60, group='inventory')
        self.config(inventory_full_sync_interval=3600, group='conductor')
        # The cloud was built (its servers last changed) a day ago.
        timeutils.set_time_override(T0 - datetime.timedelta(days=1))
        self.addCleanup(timeutils.clear_time_override)
        self.cloud = fake_cloud.get_cloud()
        timeutils.set_time_override(T0)
        first = inventory.sync()
        self.assertTrue(first['full'])
        self.assertEqual(12, first['instances']['created'])
        self.calls = []
        real = self.cloud.list_servers

        def recording(**kwargs):
            self.calls.append(kwargs)
            return real(**kwargs)

        self.cloud.list_servers = recording

    def later(self, seconds):
        timeutils.advance_time_seconds(seconds)

    def host_of(self, uuid):
        try:
            return self.dbapi.get_instance(uuid)['host']
        except exception.InstanceNotFound:
            return None

    def test_first_sync_is_full_and_records_its_start(self):
        state = self.dbapi.get_sync_state('inventory')
        self.assertEqual(T0, state['synced_at'])
        self.assertEqual(T0, state['full_synced_at'])

    def test_create_move_delete_between_syncs(self):
        self.later(120)
        created = self.cloud.create_instance('sim-compute-002', name='new')
        uuids = list(self.cloud.instances)
        moved, gone = uuids[0], uuids[1]
        self.cloud.manual = True
        self.cloud.start_migration(moved, 'sim-compute-003')
        self.cloud.advance(0)  # the record appears, the migration ends
        self.cloud.delete_instance(gone)
        self.later(120)
        counts = inventory.sync()
        self.assertFalse(counts['full'])
        self.assertEqual(
            {'created': 1, 'updated': 1, 'deleted': 1}, counts['instances']
        )
        self.assertEqual('sim-compute-002', self.host_of(created))
        self.assertEqual('sim-compute-003', self.host_of(moved))
        self.assertIsNone(self.host_of(gone))
        # Only changes were asked for, since the mark less the margin.
        since = {c['changes_since'] for c in self.calls}
        self.assertEqual({T0 - datetime.timedelta(seconds=60)}, since)
        self.assertEqual(
            T0 + datetime.timedelta(seconds=240),
            self.dbapi.get_sync_state('inventory')['synced_at'],
        )

    def test_nothing_changed_writes_nothing(self):
        self.later(300)
        counts = inventory.sync()
        self.assertFalse(counts['full'])
        self.assertEqual(
            {'created': 0, 'updated': 0, 'deleted': 0}, counts['instances']
        )
        # One empty page: nothing changed since the mark.
        self.assertEqual(1, len(self.calls))

    def test_paging_boundary(self):
        # Exactly two pages of changes, then the empty page that ends it.
        self.later(120)
        new = [
            self.cloud.create_instance('sim-compute-001') for _ in range(10)
        ]
        self.later(1)
        counts = inventory.sync()
        self.assertEqual(10, counts['instances']['created'])
        self.assertEqual(3, len(self.calls))
        self.assertEqual(
            [None, new[5], new[0]], [c['marker'] for c in self.calls]
        )
        for uuid in new:
            self.assertEqual('sim-compute-001', self.host_of(uuid))

    def test_a_short_page_is_not_the_end(self):
        # Nova caps a page at its own max_limit, below what was asked.
        self.config(sync_page_size=50, group='inventory')
        self.later(120)
        new = [self.cloud.create_instance('sim-compute-001') for _ in range(7)]
        with mock.patch.object(fake_cloud, 'MAX_LIMIT', 3):
            counts = inventory.sync()
        self.assertEqual(7, counts['instances']['created'])
        self.assertEqual(4, len(self.calls))  # 3 + 3 + 1 + empty
        self.assertEqual({'sim-compute-001'}, {self.host_of(u) for u in new})

    def test_deleted_and_changed_in_the_same_window(self):
        self.later(120)
        uuids = list(self.cloud.instances)
        # On sim-compute-002, both.
        changed, deleted = uuids[4], uuids[5]
        self.cloud.manual = True
        self.cloud.start_migration(changed, 'sim-compute-001')
        self.cloud.advance(0)
        # Changed, then deleted: only the deletion counts.
        self.cloud.start_migration(deleted, 'sim-compute-003')
        self.cloud.advance(0)
        self.cloud.delete_instance(deleted)
        counts = inventory.sync()
        self.assertEqual(
            {'created': 0, 'updated': 1, 'deleted': 1}, counts['instances']
        )
        self.assertEqual('sim-compute-001', self.host_of(changed))
        self.assertIsNone(self.host_of(deleted))

    def test_a_change_stamped_by_a_slow_clock_is_within_the_margin(self):
        # The conductor synced at T0 + 120; a compute whose clock is 30 s
        # behind stamps a change it makes after that with T0 + 100.
        self.later(120)
        inventory.sync()
        uuid = list(self.cloud.instances)[0]
        with self.cloud.lock:
            inst = self.cloud.instances[uuid]
            inst['host'] = 'sim-compute-003'
            inst['updated_at'] = T0 + datetime.timedelta(seconds=100)
        self.later(10)
        counts = inventory.sync()
        self.assertEqual(1, counts['instances']['updated'])
        self.assertEqual('sim-compute-003', self.host_of(uuid))

    def test_a_clock_behind_beyond_the_margin_waits_for_the_full_sync(self):
        self.config(sync_clock_skew=0, group='inventory')
        self.later(120)
        inventory.sync()
        uuid = list(self.cloud.instances)[0]
        with self.cloud.lock:
            inst = self.cloud.instances[uuid]
            inst['host'] = 'sim-compute-003'
            inst['updated_at'] = T0 + datetime.timedelta(seconds=100)
        self.later(10)
        self.assertEqual(0, inventory.sync()['instances']['updated'])
        self.assertEqual('sim-compute-001', self.host_of(uuid))
        # The periodic full sync repairs the drift.
        self.later(3600)
        counts = inventory.sync()
        self.assertTrue(counts['full'])
        self.assertEqual('sim-compute-003', self.host_of(uuid))

    def test_the_mark_stays_when_a_page_fails(self):
        self.later(120)
        new = [self.cloud.create_instance('sim-compute-003') for _ in range(8)]
        moved = list(self.cloud.instances)[0]
        self.cloud.manual = True
        self.cloud.start_migration(moved, 'sim-compute-002')
        self.cloud.advance(0)
        before = self.dbapi.get_sync_state('inventory')
        recording = self.cloud.list_servers

        def second_page_fails(**kwargs):
            if kwargs['marker'] is not None:
                raise exception.ComputeError(reason='503 from nova-api')
            return recording(**kwargs)

        self.cloud.list_servers = second_page_fails
        self.later(10)
        self.assertRaises(exception.ComputeError, inventory.sync)
        self.assertEqual(before, self.dbapi.get_sync_state('inventory'))
        # The first page was written; the moved instance, on the second
        # page, was not.
        self.assertEqual('sim-compute-001', self.host_of(moved))
        self.cloud.list_servers = recording
        self.later(10)
        counts = inventory.sync()
        self.assertFalse(counts['full'])
        self.assertEqual('sim-compute-002', self.host_of(moved))
        for uuid in new:
            self.assertEqual('sim-compute-003', self.host_of(uuid))
        self.assertGreater(
            self.dbapi.get_sync_state('inventory')['synced_at'],
            before['synced_at'],
        )

    def test_a_deletion_archived_unseen_is_repaired_by_the_full_sync(self):
        self.later(120)
        gone = list(self.cloud.instances)[2]
        self.cloud.delete_instance(gone)
        self.assertEqual(1, self.cloud.archive_deleted())
        self.later(10)
        self.assertEqual(0, inventory.sync()['instances']['deleted'])
        self.assertEqual('sim-compute-001', self.host_of(gone))
        self.later(3600)
        counts = inventory.sync()
        self.assertTrue(counts['full'])
        self.assertEqual(1, counts['instances']['deleted'])
        self.assertIsNone(self.host_of(gone))
        self.assertEqual(
            T0 + datetime.timedelta(seconds=3730),
            self.dbapi.get_sync_state('inventory')['full_synced_at'],
        )

    def test_a_shelve_offload_leaves_the_record(self):
        self.later(120)
        with self.cloud.lock:
            uuid = list(self.cloud.instances)[5]
            self.cloud.instances[uuid]['vm_state'] = 'shelved'
        self.cloud.manual = True
        self.cloud.shelve_offload(uuid)
        self.cloud.advance(0)
        counts = inventory.sync()
        self.assertEqual(1, counts['instances']['deleted'])
        self.assertIsNone(self.host_of(uuid))

    def test_full_sync_forgets_only_its_own_sources(self):
        self.dbapi.apply_instance(
            {'uuid': 'aaaaaaaa-0000-4000-8000-000000000001', 'host': 'x'}
        )
        gone = list(self.cloud.instances)[0]
        with self.cloud.lock:
            # Gone without a trace (no deleted record): only a full
            # listing can tell.
            self.cloud.instances.pop(gone)
        counts = inventory.sync(full=True)
        self.assertEqual(1, counts['instances']['deleted'])
        self.assertIsNone(self.host_of(gone))
        self.assertEqual(
            'x', self.host_of('aaaaaaaa-0000-4000-8000-000000000001')
        )

    def test_a_new_host_comes_with_its_capacity(self):
        with self.cloud.lock:
            self.cloud.hosts['sim-compute-004'] = dict(
                self.cloud.hosts['sim-compute-003'], name='sim-compute-004'
            )
        brief = mock.patch(
            'fleet.drivers.inventory.fake.FakeInventory.list_hosts_brief',
            autospec=True,
            side_effect=lambda driver: [
                {k: v for k, v in h.items() if k != 'facts'}
                for h in driver.list_hosts()
            ],
        )
        self.later(60)
        with brief:
            counts = inventory.sync()
        self.assertFalse(counts['full'])
        self.assertEqual(1, counts['created'])
        host = self.dbapi.get_host('sim-compute-004')
        self.assertEqual(64, host['facts']['vcpus'])
