"""Several conductors coordinated on tooz's ``file://`` driver: a run is
run under its lock, a dead conductor's run is taken over exactly once,
a live one's never; without coordination nothing changes."""

import threading
from unittest import mock

from fleet.common import states
from fleet.conductor import manager
from fleet.tests.unit.common import test_coordination
from fleet.tests.unit.conductor import test_engine
from fleet.tests.unit.conductor.test_engine import HOST


class TakeoverTestCase(test_engine.RunnerTestCase):
    def setUp(self):
        super().setUp()
        self.url = test_coordination.file_url()

    def conductor(self, name):
        coord = test_coordination.coordinator(self, name, self.url)
        return manager.ConductorManager(name, coordinator=coord), coord

    def orphan(self, owner, state=states.EXEC_RUNNING):
        """An active run (no logbook yet) owned by ``owner``."""
        execution = self.create_run()
        self.dbapi.update_execution(
            execution['uuid'], {'state': state, 'conductor': owner}
        )
        return execution['uuid']

    def planned_by(self, uuid):
        return [
            e['message']
            for e in self.dbapi.list_execution_events(uuid)
            if e['message'].startswith('Run planned by conductor')
        ]

    def wait(self, conductor, uuid):
        thread = conductor.runner._threads.get(uuid)
        if thread is not None:
            thread.join(30)
        return self.dbapi.get_execution(uuid)


class TestTakeover(TakeoverTestCase):
    def test_dead_owner_run_taken_over_exactly_once(self):
        uuid = self.orphan('dead-conductor')
        a, _ = self.conductor('conductor-a')
        b, _ = self.conductor('conductor-b')
        barrier = threading.Barrier(2)

        def resume(conductor):
            barrier.wait()
            conductor.resume_executions()

        threads = [threading.Thread(target=resume, args=(c,)) for c in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for conductor in (a, b):
            self.wait(conductor, uuid)
        execution = self.dbapi.get_execution(uuid)
        self.assertEqual(states.EXEC_SUCCEEDED, execution['state'])
        self.assertIn(execution['conductor'], ('conductor-a', 'conductor-b'))
        self.assertEqual(1, len(self.planned_by(uuid)))
        # Nothing more to take over later.
        a.resume_executions()
        b.resume_executions()
        self.assertEqual(1, len(self.planned_by(uuid)))

    def test_no_takeover_while_owner_alive(self):
        owner, owner_coord = self.conductor('conductor-owner')
        uuid = self.orphan('conductor-owner')
        a, _ = self.conductor('conductor-a')
        a.resume_executions()
        self.assertNotIn(uuid, a.runner.running())
        execution = self.dbapi.get_execution(uuid)
        self.assertEqual('conductor-owner', execution['conductor'])
        self.assertEqual([], self.planned_by(uuid))
        # The owner leaves the group (stops, or its membership expires):
        # the next periodic look takes the run over.
        owner_coord.stop()
        a.take_over_executions()
        execution = self.wait(a, uuid)
        self.assertEqual('conductor-a', execution['conductor'])
        self.assertEqual(states.EXEC_SUCCEEDED, execution['state'])

    def test_no_takeover_while_run_locked(self):
        # A conductor not seen as live any more but still running the run
        # holds its lock: the run is not taken from it.
        uuid = self.orphan('dead-conductor')
        _, holder = self.conductor('conductor-holder')
        a, _ = self.conductor('conductor-a')
        with holder.run_lock(uuid) as locked:
            self.assertTrue(locked)
            a.resume_executions()
            self.assertNotIn(uuid, a.runner.running())
        self.assertEqual(
            'dead-conductor', self.dbapi.get_execution(uuid)['conductor']
        )

    def test_lock_held_while_running_then_released(self):
        a, coord_a = self.conductor('conductor-a')
        _, coord_b = self.conductor('conductor-b')
        execution = self.create_run()
        gate = threading.Event()
        started = threading.Event()
        real_run = a.runner._run

        def gated_run(uuid, engine):
            started.set()
            gate.wait(30)
            real_run(uuid, engine)

        a.runner._run = gated_run
        a.start_execution(None, execution['uuid'])
        self.assertTrue(started.wait(30))
        with coord_b.run_lock(execution['uuid']) as locked:
            self.assertFalse(locked)
        gate.set()
        done = self.wait(a, execution['uuid'])
        self.assertEqual(states.EXEC_SUCCEEDED, done['state'])
        with coord_b.run_lock(execution['uuid']) as locked:
            self.assertTrue(locked)
        self.assertEqual({}, a.runner._run_locks)

    def test_start_execution_skips_a_locked_run(self):
        a, _ = self.conductor('conductor-a')
        _, coord_b = self.conductor('conductor-b')
        execution = self.create_run()
        with coord_b.run_lock(execution['uuid']) as locked:
            self.assertTrue(locked)
            a.start_execution(None, execution['uuid'])
        self.assertNotIn(execution['uuid'], a.runner.running())
        execution = self.dbapi.get_execution(execution['uuid'])
        self.assertEqual(states.EXEC_PENDING, execution['state'])
        self.assertIsNone(execution['conductor'])

    def test_periodic_task_only_when_coordinated(self):
        a, _ = self.conductor('conductor-a')
        self.assertIn(
            (60, a.take_over_executions),
            [(i, f) for i, f in a.periodic_tasks()],
        )
        plain = manager.ConductorManager('conductor-p')
        tasks = [f for _, f in plain.periodic_tasks()]
        self.assertIn(plain.drive_plans, tasks)
        self.assertNotIn(
            plain.take_over_executions,
            tasks,
        )


class TestUncoordinated(test_engine.RunnerTestCase):
    def test_other_conductors_runs_are_left_alone(self):
        execution = self.create_run()
        self.dbapi.update_execution(
            execution['uuid'],
            {'state': states.EXEC_RUNNING, 'conductor': 'other'},
        )
        conductor = manager.ConductorManager('test-conductor')
        conductor.resume_executions()
        self.assertEqual([], conductor.runner.running())
        self.assertEqual(
            'other', self.dbapi.get_execution(execution['uuid'])['conductor']
        )


class TestCancelOfIdleRuns(TakeoverTestCase):
    """cancel_execution (RPC 1.3) closes a pending run nobody runs."""

    def pending(self, owner, cancel=True):
        uuid = self.orphan(owner, state=states.EXEC_PENDING)
        self.dbapi.update_execution(uuid, {'cancel_requested': cancel})
        return uuid

    def test_own_pending_run_is_closed(self):
        uuid = self.pending('conductor-a')
        a, _ = self.conductor('conductor-a')
        a.cancel_execution(None, uuid)
        execution = self.dbapi.get_execution(uuid)
        self.assertEqual(states.EXEC_CANCELLED, execution['state'])
        self.assertIsNone(self.dbapi.get_host(HOST)['execution_uuid'])

    def test_a_dead_conductors_pending_run_is_closed(self):
        uuid = self.pending('dead-conductor')
        a, _ = self.conductor('conductor-a')
        a.cancel_execution(None, uuid)
        self.assertEqual(
            states.EXEC_CANCELLED, self.dbapi.get_execution(uuid)['state']
        )

    def test_a_live_conductors_run_is_left_to_it(self):
        b, _ = self.conductor('conductor-b')
        uuid = self.pending('conductor-b')
        a, _ = self.conductor('conductor-a')
        a.cancel_execution(None, uuid)
        self.assertEqual(
            states.EXEC_PENDING, self.dbapi.get_execution(uuid)['state']
        )
        # Its owner closes it when it gets the cast.
        b.cancel_execution(None, uuid)
        self.assertEqual(
            states.EXEC_CANCELLED, self.dbapi.get_execution(uuid)['state']
        )

    def test_without_a_cancel_request_nothing_happens(self):
        uuid = self.pending(None, cancel=False)
        a, _ = self.conductor('conductor-a')
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
        with mock.patch.object(manager.inventory, 'sync') as sync:
            done = threading.Event()
            sync.side_effect = lambda: done.set()
            conductor.init_host()
            self.assertTrue(done.wait(10))
        sync.assert_called_once_with()
