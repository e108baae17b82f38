"""Several conductors on one jobboard (the in-process board, a clock the
tests move): a run is claimed by exactly one conductor, a dead or stalled
conductor's run is resumed exactly once by another after its claim
expired, a live one's never, a stalled conductor is fenced, and the
once-per-cloud periodic work runs on the leader only."""

import functools
import threading
from unittest import mock

from taskflow import exceptions as tf_exc

from fleet.common import states
from fleet.conductor import fencing
from fleet.conductor import jobs
from fleet.conductor import manager
from fleet.conductor.tasks import base as task_base
from fleet.conductor.tasks import migration
from fleet.tests.unit.common import test_coordination
from fleet.tests.unit.conductor import test_engine
from fleet.tests.unit.conductor.test_engine import HOST

EXPIRY = 30.0


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class TakeoverTestCase(test_engine.RunnerTestCase):
    def setUp(self):
        super().setUp()
        self.config(claim_expiry=EXPIRY, group='jobboard')
        self.config(resume_on_start=False, group='maintenance')
        self.clock = Clock()
        self.board = jobs.MemoryBoard(clock=self.clock)
        self.board.connect()

    def conductor(self, name, coordinator=None):
        return manager.ConductorManager(
            name, coordinator=coordinator, board=self.board
        )

    def orphan(self, owner, state=states.EXEC_RUNNING):
        """An active run (no logbook yet) owned by ``owner``."""
        execution = self.create_run()
        self.dbapi.update_execution(
            execution['uuid'], {'state': state, 'conductor': owner}
        )
        return execution['uuid']

    def post_claimed_by(self, owner, uuid):
        """``uuid``'s job, claimed by ``owner`` (a conductor that then
        died or stalled: it never extends the claim)."""
        job = self.board.post(
            f'execution-{uuid}', details={'execution_uuid': uuid}
        )
        self.board.claim(job, owner, expiry=EXPIRY)
        return job

    def planned_by(self, uuid):
        return [
            e['message']
            for e in self.dbapi.list_execution_events(uuid)
            if e['message'].startswith(
                ('Run planned by conductor', 'Run resumed by conductor')
            )
        ]

    def wait(self, conductor, uuid):
        thread = conductor.runner._threads.get(uuid)
        if thread is not None:
            thread.join(30)
        return self.dbapi.get_execution(uuid)

    def jobs_of(self, uuid):
        return [
            j for j in self.board.iterjobs() if jobs.execution_of(j) == uuid
        ]


class TestTakeover(TakeoverTestCase):
    def test_dead_owner_run_taken_over_exactly_once(self):
        uuid = self.orphan('dead-conductor')
        self.post_claimed_by('dead-conductor', uuid)
        a = self.conductor('conductor-a')
        b = self.conductor('conductor-b')
        # The claim still holds: nobody takes the run.
        self.assertEqual([], a.dispatcher.claim_once())
        self.assertEqual([], b.dispatcher.claim_once())
        self.clock.advance(EXPIRY + 1)
        barrier = threading.Barrier(2)
        taken = []

        def claim(conductor):
            barrier.wait()
            taken.extend(conductor.dispatcher.claim_once())

        threads = [threading.Thread(target=claim, args=(c,)) for c in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual([uuid], taken)
        for conductor in (a, b):
            self.wait(conductor, uuid)
        execution = self.dbapi.get_execution(uuid)
        self.assertEqual(states.EXEC_SUCCEEDED, execution['state'])
        self.assertIn(execution['conductor'], ('conductor-a', 'conductor-b'))
        self.assertEqual(1, len(self.planned_by(uuid)))
        # The run ended: its job is consumed, nothing more to take over.
        self.assertEqual([], self.jobs_of(uuid))
        self.clock.advance(EXPIRY + 1)
        a.resume_executions()
        b.resume_executions()
        self.assertEqual(1, len(self.planned_by(uuid)))

    def test_no_takeover_while_owner_extends_its_claim(self):
        owner = self.conductor('conductor-owner')
        a = self.conductor('conductor-a')
        execution = self.create_run()
        gate = threading.Event()
        started = threading.Event()
        real_run = owner.runner._run

        def gated_run(uuid, engine):
            started.set()
            gate.wait(30)
            real_run(uuid, engine)

        owner.runner._run = gated_run
        owner.start_execution(None, execution['uuid'])
        self.assertTrue(started.wait(30))
        # Ten expiry periods pass, the owner's heartbeat extending.
        for _ in range(10):
            self.clock.advance(EXPIRY / 3)
            owner.dispatcher.refresh_claims()
            self.assertEqual([], a.dispatcher.claim_once())
        gate.set()
        done = self.wait(owner, execution['uuid'])
        self.assertEqual(states.EXEC_SUCCEEDED, done['state'])
        self.assertEqual('conductor-owner', done['conductor'])
        self.assertEqual([], self.jobs_of(execution['uuid']))
        self.assertEqual({}, owner.dispatcher.claims())

    def test_start_execution_skips_a_claimed_run(self):
        execution = self.create_run()
        job = self.post_claimed_by('conductor-b', execution['uuid'])
        a = self.conductor('conductor-a')
        a.start_execution(None, execution['uuid'])
        self.assertNotIn(execution['uuid'], a.runner.running())
        execution = self.dbapi.get_execution(execution['uuid'])
        self.assertEqual(states.EXEC_PENDING, execution['state'])
        self.assertIsNone(execution['conductor'])
        # Not posted twice.
        self.assertEqual([job], self.jobs_of(execution['uuid']))

    def test_a_restarted_conductor_adopts_its_own_claims(self):
        uuid = self.orphan('conductor-a')
        self.post_claimed_by('conductor-a', uuid)
        other = self.conductor('conductor-b')
        self.assertEqual([], other.dispatcher.claim_once())
        a = self.conductor('conductor-a')
        a.resume_executions()
        self.assertEqual(states.EXEC_SUCCEEDED, self.wait(a, uuid)['state'])
        self.assertEqual([], self.jobs_of(uuid))

    def test_orphans_are_posted_once(self):
        # The in-process board is empty after a restart; the run's
        # RPC cast may have been lost.
        uuid = self.orphan(None, state=states.EXEC_PENDING)
        a = self.conductor('conductor-a')
        a.dispatcher.repost_orphans()
        a.dispatcher.repost_orphans()
        self.assertEqual(1, len(self.jobs_of(uuid)))

    def test_two_passes_of_one_conductor_run_a_job_once(self):
        # The poll thread and an RPC cast both look at the board; the
        # second looks right after the first claimed the job, before the
        # first registered its claim.
        uuid = self.create_run()['uuid']
        self.board.post('a', details={'execution_uuid': uuid})
        a = self.conductor('conductor-a')
        looked = threading.Event()
        real_claim = self.board.claim
        real_find = self.board.find_owner
        second = []

        def claim(job, who, **kwargs):
            real_claim(job, who, **kwargs)
            thread = threading.Thread(target=a.dispatcher.claim_once)
            second.append(thread)
            thread.start()
            # Serialised passes: the second waits for this one (bounded).
            looked.wait(0.5)

        def find_owner(job):
            owner = real_find(job)
            if second and threading.current_thread() is second[0]:
                looked.set()
            return owner

        gate = threading.Event()
        real_run = a.runner._run

        def gated_run(uuid, engine):
            gate.wait(30)
            real_run(uuid, engine)

        a.runner._run = gated_run
        with (
            mock.patch.object(self.board, 'claim', claim),
            mock.patch.object(self.board, 'find_owner', find_owner),
        ):
            a.dispatcher.claim_once()
            second[0].join(30)
        # While the run runs its job stays claimed by its conductor (not
        # abandoned by a pass that found the run taken).
        (job,) = self.jobs_of(uuid)
        self.assertEqual('conductor-a', self.board.find_owner(job))
        self.assertEqual([uuid], list(a.dispatcher.claims()))
        gate.set()
        self.wait(a, uuid)
        self.assertEqual(1, len(self.planned_by(uuid)))
        self.assertEqual(
            states.EXEC_SUCCEEDED, self.dbapi.get_execution(uuid)['state']
        )

    def test_a_run_posted_twice_runs_once(self):
        execution = self.create_run()
        uuid = execution['uuid']
        first = self.board.post('a', details={'execution_uuid': uuid})
        self.clock.advance(1)
        self.board.post('b', details={'execution_uuid': uuid})
        a = self.conductor('conductor-a')
        b = self.conductor('conductor-b')
        barrier = threading.Barrier(2)
        taken = []

        def claim(conductor):
            barrier.wait()
            taken.extend(conductor.dispatcher.claim_once())

        threads = [threading.Thread(target=claim, args=(c,)) for c in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual([uuid], taken)
        for conductor in (a, b):
            self.wait(conductor, uuid)
        self.assertEqual(1, len(self.planned_by(uuid)))
        self.assertEqual(
            states.EXEC_SUCCEEDED, self.dbapi.get_execution(uuid)['state']
        )
        self.assertEqual([], self.jobs_of(uuid))
        self.assertRaises(tf_exc.NotFound, self.board.claim, first, 'x')

    def test_a_failed_run_is_consumed_once_closed_failed(self):
        execution = self.create_run()
        a = self.conductor('conductor-a')
        with mock.patch(
            'fleet.conductor.engine.engines.load_from_factory',
            side_effect=RuntimeError('boom'),
        ):
            a.start_execution(None, execution['uuid'])
        ended = self.dbapi.get_execution(execution['uuid'])
        # The lifecycle owner closed it (could not start): then, and only
        # then, is its job consumed.
        self.assertEqual(states.EXEC_FAILED, ended['state'])
        self.assertEqual([], self.jobs_of(execution['uuid']))

    def test_a_suspended_run_is_abandoned_not_consumed(self):
        execution = self.create_run(max_parallel=1)
        a = self.conductor('conductor-a')
        real = migration.WaitForMigration.execute
        calls = []

        @functools.wraps(real)
        def wait_then_stop(task, *args, **kwargs):
            result = real(task, *args, **kwargs)
            calls.append(task.instance_uuid)
            if len(calls) == 1:
                threading.Thread(target=a.del_host).start()
            return result

        with mock.patch.object(
            migration.WaitForMigration, 'execute', wait_then_stop
        ):
            a.start_execution(None, execution['uuid'])
            stopped = self.wait(a, execution['uuid'])
        self.assertEqual(states.EXEC_RUNNING, stopped['state'])
        (job,) = self.jobs_of(execution['uuid'])
        self.assertIsNone(self.board.find_owner(job))
        b = self.conductor('conductor-b')
        self.assertEqual([execution['uuid']], b.dispatcher.claim_once())
        done = self.wait(b, execution['uuid'])
        self.assertEqual(states.EXEC_SUCCEEDED, done['state'])
        for uuid in done['progress']['instances']:
            self.assertEqual(1, len(self.migrations_of(uuid)), uuid)


class TestFencing(TakeoverTestCase):
    def test_a_stalled_conductor_stops_and_the_new_owner_finishes(self):
        """a's claim lapses mid-run (a stalled past the expiry) and b
        claims the job: a's next step raises ClaimLost before acting, a
        writes neither the logbook nor the run's state, and b resumes the
        run: it succeeds, each instance moved exactly once."""
        execution = self.create_run(max_parallel=1)
        uuid = execution['uuid']
        a = self.conductor('conductor-a')
        real = migration.WaitForMigration.execute
        calls = []

        @functools.wraps(real)
        def wait_then_stall(task, *args, **kwargs):
            result = real(task, *args, **kwargs)
            calls.append(task.instance_uuid)
            if len(calls) == 1:
                # a stalls: its claim expires and b claims the job.
                self.clock.advance(EXPIRY + 1)
                (job,) = self.jobs_of(uuid)
                self.board.claim(job, 'conductor-b', expiry=EXPIRY)
            return result

        with (
            mock.patch.object(
                migration.WaitForMigration, 'execute', wait_then_stall
            ),
            self.assertLogs('fleet.conductor', level='WARNING') as logs,
        ):
            a.start_execution(None, uuid)
            stalled = self.wait(a, uuid)
        self.assertTrue(
            any('conductor-a lost its claim' in m for m in logs.output),
            logs.output,
        )
        # a did not fail, close or revert the run: it is b's.
        self.assertEqual(states.EXEC_RUNNING, stalled['state'])
        self.assertEqual(1, len(calls))
        self.assertEqual('disabled', self.cloud.hosts[HOST]['status'])
        self.assertEqual({}, a.dispatcher.claims())
        self.assertIsNone(fencing.get(uuid))
        moved_by_a = [
            i
            for i, r in stalled['progress']['instances'].items()
            if self.migrations_of(i)
        ]
        self.assertEqual(1, len(moved_by_a))
        # b (which claimed under its name) runs it to its end.
        b = self.conductor('conductor-b')
        self.assertEqual([uuid], b.dispatcher.claim_once())
        done = self.wait(b, uuid)
        self.assertEqual(states.EXEC_SUCCEEDED, done['state'])
        self.assertEqual('conductor-b', done['conductor'])
        for instance in done['progress']['instances']:
            self.assertEqual(1, len(self.migrations_of(instance)), instance)
        self.assertEqual('enabled', self.cloud.hosts[HOST]['status'])
        self.assertEqual([], self.jobs_of(uuid))

    def test_a_lost_claim_fences_task_execute_and_revert(self):
        execution = self.create_run()
        uuid = execution['uuid']
        job = self.board.post('x', details={'execution_uuid': uuid})
        self.board.claim(job, 'conductor-a', expiry=EXPIRY)
        claim = jobs.Claim(self.board, job, 'conductor-a', EXPIRY, self.clock)
        fencing.register(uuid, claim)
        self.addCleanup(fencing.unregister, uuid)
        task = migration.VerifyHostDrained()
        compute = mock.Mock()
        with mock.patch(
            'fleet.drivers.factory.get_compute', return_value=compute
        ):
            self.clock.advance(EXPIRY + 1)
            self.board.claim(job, 'conductor-b', expiry=EXPIRY)
            self.assertRaises(
                fencing.ClaimLost,
                task.execute,
                execution_uuid=uuid,
                host_name=HOST,
            )
            self.assertRaises(
                fencing.ClaimLost,
                task.revert,
                result=None,
                execution_uuid=uuid,
                host_name=HOST,
            )
        self.assertEqual([], compute.mock_calls)
        self.assertTrue(claim.lost)
        self.assertFalse(claim.refresh())

    def test_a_claim_lost_within_a_step_fences_its_next_nova_call(self):
        uuid = self.create_run()['uuid']
        job = self.board.post('x', details={'execution_uuid': uuid})
        self.board.claim(job, 'conductor-a', expiry=EXPIRY)
        claim = jobs.Claim(self.board, job, 'conductor-a', EXPIRY, self.clock)
        fencing.register(uuid, claim)
        self.addCleanup(fencing.unregister, uuid)
        test = self

        class Probe(task_base.MaintenanceTask):
            def execute(self, execution_uuid):
                self.compute.get_instance('i-1')
                # The conductor stalls here; b takes the job.
                test.clock.advance(EXPIRY + 1)
                test.board.claim(job, 'conductor-b', expiry=EXPIRY)
                self.compute.live_migrate('i-1', None)

        compute = mock.Mock()
        with mock.patch(
            'fleet.drivers.factory.get_compute', return_value=compute
        ):
            self.assertRaises(
                fencing.ClaimLost, Probe().execute, execution_uuid=uuid
            )
        self.assertEqual([mock.call.get_instance('i-1')], compute.mock_calls)

    def test_heartbeat_extends_held_claims_and_stops_lost_ones(self):
        runner = mock.Mock()
        runner.abandon.side_effect = fencing.ClaimLost(
            conductor='a', execution='u2', owner='b'
        )
        dispatcher = jobs.Dispatcher('conductor-a', runner, self.board)
        held = self.board.post('1', details={'execution_uuid': 'u1'})
        lost = self.board.post('2', details={'execution_uuid': 'u2'})
        for job in (held, lost):
            self.board.claim(job, 'conductor-a', expiry=EXPIRY)
        for uuid, job in (('u1', held), ('u2', lost)):
            dispatcher._claims[uuid] = jobs.Claim(
                self.board, job, 'conductor-a', EXPIRY, self.clock
            )
        self.clock.advance(EXPIRY * 0.9)
        self.board.abandon(lost, 'conductor-a')
        self.board.claim(lost, 'conductor-b', expiry=EXPIRY)
        dispatcher.refresh_claims()
        runner.abandon.assert_called_once_with('u2')
        self.assertEqual(['u1'], list(dispatcher.claims()))
        # The held claim was extended: it outlives its first expiry.
        self.clock.advance(EXPIRY * 0.9)
        self.assertEqual('conductor-a', self.board.find_owner(held))

    def test_a_lapsed_unclaimed_claim_is_lost_not_extended(self):
        job = self.board.post('x', details={'execution_uuid': 'u'})
        self.board.claim(job, 'conductor-a', expiry=EXPIRY)
        claim = jobs.Claim(self.board, job, 'conductor-a', EXPIRY, self.clock)
        self.clock.advance(EXPIRY / 3)
        self.assertTrue(claim.refresh())
        self.clock.advance(EXPIRY + 1)
        self.assertFalse(claim.refresh())
        self.assertIsNone(self.board.find_owner(job))
        self.assertRaises(fencing.ClaimLost, claim.check)

    def test_without_a_claim_nothing_is_fenced(self):
        fencing.check('no-such-run')
        self.assertFalse(fencing.is_lost('no-such-run'))


class TestOncePerCloud(TakeoverTestCase):
    def test_one_inventory_sync_per_interval_with_three_conductors(self):
        url = test_coordination.file_url()
        conductors = [
            self.conductor(
                name, test_coordination.coordinator(self, name, url)
            )
            for name in ('conductor-a', 'conductor-b', 'conductor-c')
        ]
        with mock.patch.object(manager.inventory, 'sync') as sync:
            for _interval in range(5):
                # Each conductor's periodic thread fires once per interval.
                for conductor in conductors:
                    for _i, func in conductor.periodic_tasks():
                        if func.__name__ == 'sync_inventory':
                            func()
            self.assertEqual(5, sync.call_count)
            # The leader stops: another conductor leads from then on.
            leaders = [c for c in conductors if c.is_leader()]
            self.assertEqual(1, len(leaders))
            leaders[0].coordinator.stop()
            rest = [c for c in conductors if c is not leaders[0]]
            sync.reset_mock()
            for conductor in rest:
                for _i, func in conductor.periodic_tasks():
                    if func.__name__ == 'sync_inventory':
                        func()
            self.assertEqual(1, sync.call_count)

    def test_uncoordinated_conductor_leads(self):
        conductor = self.conductor('conductor-p')
        self.assertTrue(conductor.is_leader())
        with mock.patch.object(manager.inventory, 'sync') as sync:
            for _i, func in conductor.periodic_tasks():
                if func.__name__ == 'sync_inventory':
                    func()
        sync.assert_called_once_with()


class TestCancelOfIdleRuns(TakeoverTestCase):
    """cancel_execution (RPC 1.3) closes a pending run nobody runs."""

    def pending(self, owner, cancel=True):
        uuid = self.orphan(owner, state=states.EXEC_PENDING)
        self.dbapi.update_execution(uuid, {'cancel_requested': cancel})
        return uuid

    def test_own_pending_run_is_closed(self):
        uuid = self.pending('conductor-a')
        a = self.conductor('conductor-a')
        a.cancel_execution(None, uuid)
        execution = self.dbapi.get_execution(uuid)
        self.assertEqual(states.EXEC_CANCELLED, execution['state'])
        self.assertIsNone(self.dbapi.get_host(HOST)['execution_uuid'])

    def test_a_dead_conductors_pending_run_is_closed(self):
        uuid = self.pending('dead-conductor')
        self.post_claimed_by('dead-conductor', uuid)
        self.clock.advance(EXPIRY + 1)
        a = self.conductor('conductor-a')
        a.cancel_execution(None, uuid)
        self.assertEqual(
            states.EXEC_CANCELLED, self.dbapi.get_execution(uuid)['state']
        )

    def test_a_claimed_run_is_left_to_its_claimant(self):
        uuid = self.pending('conductor-b')
        self.post_claimed_by('conductor-b', uuid)
        a = self.conductor('conductor-a')
        a.cancel_execution(None, uuid)
        self.assertEqual(
            states.EXEC_PENDING, self.dbapi.get_execution(uuid)['state']
        )
        # Its claimant closes it before it starts its flow.
        b = self.conductor('conductor-b')
        b.dispatcher.claim_once()
        self.assertEqual(
            states.EXEC_CANCELLED, self.dbapi.get_execution(uuid)['state']
        )
        self.assertEqual([], self.jobs_of(uuid))

    def test_without_a_cancel_request_nothing_happens(self):
        uuid = self.pending(None, cancel=False)
        a = self.conductor('conductor-a')
        a.cancel_execution(None, uuid)
        self.assertEqual(
            states.EXEC_PENDING, self.dbapi.get_execution(uuid)['state']
        )


class TestReleaseAndStart(test_engine.RunnerTestCase):
    def test_release_host_disables_nova_compute_with_fleets_reason(self):
        conductor = manager.ConductorManager('test-conductor')
        conductor.release_host(None, HOST, 'RMA')
        service = self.cloud.hosts[HOST]
        self.assertEqual('disabled', service['status'])
        self.assertEqual(
            'fleet: host released by an admin: RMA', service['disabled_reason']
        )
        history = self.dbapi.list_host_history(HOST)
        self.assertEqual('nova_service_disabled', history[0]['action'])

    def test_inventory_is_synced_at_start(self):
        self.config(sync_inventory_on_start=True, group='conductor')
        self.config(resume_on_start=False, group='maintenance')
        conductor = manager.ConductorManager('test-conductor')
        self.addCleanup(conductor.del_host)
        with mock.patch.object(manager.inventory, 'sync') as sync:
            done = threading.Event()
            sync.side_effect = lambda **kwargs: done.set()
            conductor.init_host()
            self.assertTrue(done.wait(10))
        # Full at start: the record may have drifted while it was down.
        sync.assert_called_once_with(full=True)

    def test_a_run_pending_at_start_is_run(self):
        # The all-in-one default: the in-process board is empty after a
        # restart; the leader posts the active runs' jobs again.
        execution = self.create_run()
        self.config(resume_on_start=True, group='maintenance')
        self.config(sync_inventory_on_start=False, group='conductor')
        conductor = manager.ConductorManager('test-conductor')
        self.addCleanup(conductor.del_host)
        conductor.init_host()
        thread = conductor.runner._threads.get(execution['uuid'])
        self.assertIsNotNone(thread)
        thread.join(30)
        self.assertEqual(
            states.EXEC_SUCCEEDED,
            self.dbapi.get_execution(execution['uuid'])['state'],
        )


class TestDispatcherStop(TakeoverTestCase):
    def test_claims_are_extended_until_the_runs_stopped(self):
        self.config(claim_refresh_interval=0.01, group='jobboard')
        self.config(poll_interval=0.05, group='jobboard')
        a = self.conductor('conductor-a')
        runner = a.runner
        order = []
        real_stop = runner.stop

        def stop(timeout):
            order.append(('runner.stop', a.dispatcher._stop_heart.is_set()))
            real_stop(timeout)

        runner.stop = stop
        a.dispatcher.start()
        a.dispatcher.stop()
        # Claiming had stopped, the heartbeat had not, when the runs
        # were suspended.
        self.assertTrue(a.dispatcher._stop.is_set())
        self.assertEqual([('runner.stop', False)], order)
        self.assertEqual([], a.dispatcher._threads)
