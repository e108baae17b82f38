"""The in-process jobboard behaves like TaskFlow's Redis board for what
fleet uses (claims that expire, consume and abandon by the owner only),
and a fenced persistence connection refuses logbook writes."""

from unittest import mock

from taskflow import exceptions as tf_exc
from taskflow import states as tf_states

from fleet.conductor import engine
from fleet.conductor import fencing
from fleet.conductor import jobs
from fleet.conductor.tasks import base as tasks_base
from fleet.tests import base
from fleet.tests.unit.conductor.test_takeover import Clock


class TestMemoryBoard(base.TestCase):
    def setUp(self):
        super().setUp()
        self.clock = Clock()
        self.board = jobs.MemoryBoard(clock=self.clock)
        self.job = self.board.post('j', details={'execution_uuid': 'u'})

    def test_claim_is_exclusive_until_it_expires(self):
        self.board.claim(self.job, 'a', expiry=10)
        self.assertEqual(tf_states.CLAIMED, self.job.state)
        self.assertRaises(
            tf_exc.UnclaimableJob, self.board.claim, self.job, 'b', expiry=10
        )
        self.assertEqual([], list(self.board.iterjobs(only_unclaimed=True)))
        self.clock.advance(10)
        self.assertIsNone(self.board.find_owner(self.job))
        self.assertEqual(
            [self.job], list(self.board.iterjobs(only_unclaimed=True))
        )
        self.board.claim(self.job, 'b', expiry=10)
        self.assertEqual('b', self.board.find_owner(self.job))

    def test_extend_expiry_keeps_the_claim(self):
        self.board.claim(self.job, 'a', expiry=10)
        for _ in range(5):
            self.clock.advance(6)
            self.assertTrue(self.job.extend_expiry(10))
        self.assertEqual('a', self.board.find_owner(self.job))
        self.clock.advance(10)
        self.assertFalse(self.job.extend_expiry(10))

    def test_only_the_owner_consumes_or_abandons(self):
        self.board.claim(self.job, 'a', expiry=10)
        self.assertRaises(tf_exc.JobFailure, self.board.consume, self.job, 'b')
        self.assertRaises(tf_exc.JobFailure, self.board.abandon, self.job, 'b')
        self.board.abandon(self.job, 'a')
        self.assertEqual(tf_states.UNCLAIMED, self.job.state)
        self.board.claim(self.job, 'b')
        self.board.consume(self.job, 'b')
        self.assertEqual(tf_states.COMPLETE, self.job.state)
        self.assertEqual(0, self.board.job_count)
        self.assertRaises(tf_exc.NotFound, self.board.claim, self.job, 'c')

    def test_default_board_is_in_process(self):
        board = jobs.fetch_board()
        self.assertIsInstance(board, jobs.MemoryBoard)
        self.assertTrue(board.connected)


class TestFencedBackend(base.TestCase):
    def test_writes_refused_once_the_claim_is_lost(self):
        clock = Clock()
        board = jobs.MemoryBoard(clock=clock)
        job = board.post('j', details={'execution_uuid': 'u'})
        board.claim(job, 'a', expiry=10)
        claim = jobs.Claim(board, job, 'a', 10, clock)
        calls = []

        class Connection:
            def update_atom_details(self, detail):
                calls.append(detail)

            def get_logbook(self, uuid):
                return 'book'

        class Backend:
            def get_connection(self):
                return Connection()

        connection = engine._FencedBackend(Backend(), claim).get_connection()
        connection.update_atom_details('d1')
        clock.advance(11)
        board.claim(job, 'b', expiry=10)
        self.assertRaises(
            fencing.ClaimLost, connection.update_atom_details, 'd2'
        )
        # Reads still work (nothing is written).
        self.assertEqual('book', connection.get_logbook('x'))
        self.assertEqual(['d1'], calls)


class TestStaleHistoryWrites(base.TestCase):
    def test_a_conductor_woken_mid_step_writes_no_event(self):
        # SIGSTOPped after a step's fence check, the conductor wakes after
        # another one claimed the run: nothing has marked the claim lost
        # yet, but the step's next event must not be written.
        clock = Clock()
        board = jobs.MemoryBoard(clock=clock)
        job = board.post('j', details={'execution_uuid': 'u'})
        board.claim(job, 'a', expiry=10)
        claim = jobs.Claim(board, job, 'a', 10, clock)
        fencing.register('u', claim)
        self.addCleanup(fencing.unregister, 'u')
        written = []

        class Step(tasks_base.MaintenanceTask):
            def execute(self):
                pass

        task = Step()
        dbapi = mock.Mock()
        dbapi.add_execution_event.side_effect = lambda *a, **k: written.append(
            a
        )
        with mock.patch.object(
            tasks_base.MaintenanceTask,
            'dbapi',
            new_callable=mock.PropertyMock,
            return_value=dbapi,
        ):
            task.event('u', 'before the stall')
            clock.advance(11)
            board.claim(job, 'b', expiry=10)
            self.assertFalse(claim.lost)
            task.event('u', 'after waking')
        self.assertEqual([('u', 'before the stall')], written)
        self.assertTrue(claim.lost)


class TestSessionClaims(base.TestCase):
    def test_a_board_without_expiry_is_checked_not_extended(self):
        # ZooKeeper's jobs have no extend_expiry: the claim lives with
        # the session; refresh only confirms it is still ours.
        board = mock.Mock()
        board.find_owner.return_value = 'a'
        job = mock.Mock(spec=['uuid', 'details'])
        job.details = {'execution_uuid': 'u'}
        claim = jobs.Claim(board, job, 'a', 10)
        self.assertTrue(claim.refresh())
        board.find_owner.return_value = 'b'
        self.assertFalse(claim.refresh())
        self.assertTrue(claim.lost)
