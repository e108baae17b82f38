"""The simulated cloud's server list answers as Nova's
GET /servers/detail does: order, paging, changes-since, deleted
servers."""

import datetime
from unittest import mock

from oslo_utils import timeutils

from fleet.common import exception
from fleet.drivers import fake_cloud
from fleet.tests import base

T0 = datetime.datetime(2026, 11, 30, 12, 0, 0, 700000)


class TestListServers(base.TestCase):
    def setUp(self):
        super().setUp()
        timeutils.set_time_override(T0)
        self.addCleanup(timeutils.clear_time_override)
        self.cloud = fake_cloud.SimulatedCloud(2, 2)

    def ids(self, **kwargs):
        return [s['id'] for s in self.cloud.list_servers(**kwargs)]

    def test_newest_first_and_paged_by_marker(self):
        timeutils.advance_time_seconds(5)
        new = self.cloud.create_instance('sim-compute-001')
        everything = self.ids()
        self.assertEqual(new, everything[0])
        self.assertEqual(
            list(reversed(list(self.cloud.instances))), everything
        )
        first = self.ids(limit=2)
        rest = self.ids(limit=2, marker=first[-1])
        last = self.ids(limit=2, marker=rest[-1])
        self.assertEqual(everything, first + rest + last)
        self.assertEqual([], self.ids(marker=everything[-1]))

    def test_a_page_is_never_longer_than_max_limit(self):
        with mock.patch.object(fake_cloud, 'MAX_LIMIT', 3):
            self.assertEqual(3, len(self.ids(limit=100)))
            self.assertEqual(3, len(self.ids()))

    def test_an_unknown_marker_is_refused(self):
        self.assertRaises(
            exception.ComputeError,
            self.cloud.list_servers,
            marker='00000000-0000-4000-8000-00000000dead',
        )

    def test_deleted_servers_show_only_with_changes_since(self):
        oldest, uuid = list(self.cloud.instances)[:2]
        timeutils.advance_time_seconds(60)
        self.cloud.delete_instance(uuid)
        self.assertNotIn(uuid, self.ids())
        since = T0 + datetime.timedelta(seconds=30)
        servers = self.cloud.list_servers(changes_since=since)
        self.assertEqual(
            [(uuid, 'DELETED')], [(s['id'], s['status']) for s in servers]
        )
        # A deleted server can still be a marker, as in Nova.
        self.assertEqual([oldest], self.ids(marker=uuid))
        self.assertEqual([], self.ids(changes_since=since, marker=uuid))
        self.assertEqual(1, self.cloud.archive_deleted())
        self.assertEqual([], self.ids(changes_since=since))

    def test_changes_since_is_at_or_after_to_the_second(self):
        uuid = list(self.cloud.instances)[0]
        timeutils.advance_time_seconds(10)
        self.cloud.start_task(uuid, 'image_snapshot', 60)
        stamp = self.cloud.instances[uuid]['updated_at']
        # Kept to the second, as Nova's DATETIME column keeps it.
        self.assertEqual(0, stamp.microsecond)
        self.assertEqual([uuid], self.ids(changes_since=stamp))
        self.assertEqual(
            [], self.ids(changes_since=stamp + datetime.timedelta(seconds=1))
        )

    def test_every_change_stamps_the_instance(self):
        self.cloud.manual = True
        uuid = list(self.cloud.instances)[0]
        timeutils.advance_time_seconds(10)
        self.cloud.start_migration(uuid, 'sim-compute-002')
        started = self.cloud.instances[uuid]['updated_at']
        self.assertGreater(started, T0)
        timeutils.advance_time_seconds(10)
        self.cloud.advance(0)
        inst = self.cloud.instances[uuid]
        self.assertEqual('sim-compute-002', inst['host'])
        self.assertGreater(inst['updated_at'], started)
