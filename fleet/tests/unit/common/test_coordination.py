"""Coordination of conductors on tooz's ``file://`` driver (no service):
membership, leader election, and the atomic claim of a run's record."""

import tempfile
import threading
from unittest import mock

from fleet.common import coordination
from fleet.common import states
from fleet.db import api as db_api
from fleet.tests import base


def file_url():
    return f'file://{tempfile.mkdtemp(prefix="fleet-coord-")}'


def coordinator(test, member, url):
    coord = coordination.Coordinator(member, url, heartbeat_interval=0.1)
    coord.start()
    test.addCleanup(coord.stop)
    return coord


class TestCoordinator(base.TestCase):
    def setUp(self):
        super().setUp()
        self.url = file_url()
        self.a = coordinator(self, 'conductor-a', self.url)
        self.b = coordinator(self, 'conductor-b', self.url)

    def test_membership(self):
        self.assertEqual({'conductor-a', 'conductor-b'}, self.a.live_members())
        self.assertTrue(self.b.is_alive('conductor-a'))
        self.a.stop()
        self.assertEqual({'conductor-b'}, self.b.live_members())
        self.assertFalse(self.b.is_alive('conductor-a'))

    def test_one_leader(self):
        self.assertTrue(self.a.is_leader())
        self.assertFalse(self.b.is_leader())
        # Asked again, the leader stays the leader.
        self.assertTrue(self.a.is_leader())
        self.assertFalse(self.b.is_leader())

    def test_leadership_moves_when_the_leader_stops(self):
        self.assertTrue(self.a.is_leader())
        self.a.stop()
        self.assertTrue(self.b.is_leader())

    def test_resign(self):
        self.assertTrue(self.a.is_leader())
        self.a.resign()
        self.assertTrue(self.b.is_leader())
        self.assertFalse(self.a.is_leader())

    def test_a_leader_whose_lock_was_lost_stops_leading(self):
        self.assertTrue(self.a.is_leader())
        lock = self.a._leader_lock
        with mock.patch.object(
            lock,
            'heartbeat',
            side_effect=RuntimeError('lock expired'),
            create=True,
        ):
            self.assertFalse(self.a.is_leader())
        self.assertIsNone(self.a._leader_lock)
        self.assertTrue(self.b.is_leader())

    def test_one_winner_among_racers(self):
        won = []
        barrier = threading.Barrier(2)

        def race(coord):
            barrier.wait()
            if coord.is_leader():
                won.append(coord.member_id)

        threads = [
            threading.Thread(target=race, args=(c,)) for c in (self.a, self.b)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(1, len(won))


class TestModule(base.TestCase):
    def test_unset_backend_is_uncoordinated(self):
        self.assertIsNone(coordination.start('conductor-a'))
        self.assertIsNone(coordination.get_coordinator())
        # The only conductor leads.
        self.assertTrue(coordination.is_leader())
        coordination.stop()

    def test_start_and_stop(self):
        self.config(backend_url=file_url(), group='coordination')
        self.addCleanup(coordination.stop)
        coord = coordination.start('conductor-a')
        self.assertIs(coord, coordination.get_coordinator())
        self.assertEqual({'conductor-a'}, coord.live_members())
        coordination.stop()
        self.assertIsNone(coordination.get_coordinator())


class TestClaimExecution(base.DbTestCase):
    def create(self, conductor=None, state=states.EXEC_RUNNING):
        return self.dbapi.create_execution(
            {'kind': 'drain', 'state': state, 'conductor': conductor}
        )

    def test_claim_unowned_and_owned(self):
        uuid = self.create()['uuid']
        self.assertTrue(self.dbapi.claim_execution(uuid, None, 'a'))
        self.assertEqual('a', self.dbapi.get_execution(uuid)['conductor'])
        self.assertFalse(self.dbapi.claim_execution(uuid, None, 'b'))
        self.assertFalse(self.dbapi.claim_execution(uuid, 'dead', 'b'))
        self.assertTrue(self.dbapi.claim_execution(uuid, 'a', 'b'))
        self.assertEqual('b', self.dbapi.get_execution(uuid)['conductor'])

    def test_expected_states(self):
        uuid = self.create('dead', state=states.EXEC_SUCCEEDED)['uuid']
        self.assertFalse(
            self.dbapi.claim_execution(
                uuid, 'dead', 'a', expected_states=[states.EXEC_RUNNING]
            )
        )
        self.assertEqual('dead', self.dbapi.get_execution(uuid)['conductor'])

    def test_unknown_run(self):
        self.assertFalse(self.dbapi.claim_execution('nope', None, 'a'))


class TestClaimRace(base.TestCase):
    """Separate connections (a file database): one claim wins."""

    def setUp(self):
        super().setUp()
        tmp = tempfile.mkdtemp()
        self.useFixture(base.Database(f'sqlite:///{tmp}/claim.sqlite'))
        self.dbapi = db_api.get_instance()

    def test_exactly_one_winner(self):
        uuid = self.dbapi.create_execution(
            {'kind': 'drain', 'state': states.EXEC_RUNNING, 'conductor': 'x'}
        )['uuid']
        barrier = threading.Barrier(8)
        won = []

        def race(name):
            barrier.wait()
            if self.dbapi.claim_execution(uuid, 'x', name):
                won.append(name)

        threads = [
            threading.Thread(target=race, args=(f'c{i}',)) for i in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(1, len(won))
        self.assertEqual(won[0], self.dbapi.get_execution(uuid)['conductor'])
