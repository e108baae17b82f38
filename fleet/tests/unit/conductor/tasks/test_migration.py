"""Per-instance tasks and the drained check, called directly on the
simulated cloud (migrations end when the call returns), with time
itself driven by the tests: nothing sleeps."""

import itertools
from unittest import mock

import fixtures
from taskflow import retry

from fleet.common import exception
from fleet.common import states
from fleet.conductor import inventory
from fleet.conductor import waiters
from fleet.conductor.tasks import base as tasks_base
from fleet.conductor.tasks import instance_states
from fleet.conductor.tasks import migration
from fleet.drivers import fake_cloud
from fleet.inventory import capacity
from fleet.tests.unit.conductor.tasks import utils
from fleet.tests.unit.conductor.tasks.utils import HOST
from fleet.tests.unit.conductor.tasks.utils import OTHER


class MigrationTestCase(utils.TaskTestCase):
    def setUp(self):
        super().setUp()
        self.inst = self.instances()[0]
        self.live = migration.LiveMigrateInstance(self.inst)
        self.wait = migration.WaitForMigration(self.inst)

    def migrations(self, uuid=None):
        uuid = uuid or self.inst
        return [m for m in self.cloud.migrations if m['instance_uuid'] == uuid]

    def fast_clock(self, step=100.0):
        """Each time.monotonic() in migration.py is ``step`` s later."""
        clock = self.useFixture(
            fixtures.MockPatchObject(migration, 'time')
        ).mock
        clock.monotonic.side_effect = itertools.count(0, step)
        clock.time.return_value = 1000.0
        return clock

    def async_cloud(self, api_delay=0.5, migration_seconds=3.0):
        """Nova's asynchrony on a clock that moves only when a task
        sleeps: records appear ``api_delay`` after a request, migrations
        run ``migration_seconds``."""
        self.config(poll_interval=1.0, group='maintenance')
        self.cloud.manual = True
        self.cloud.api_delay = api_delay
        self.cloud.migration_seconds = migration_seconds
        clock = self.useFixture(
            fixtures.MockPatchObject(migration, 'time')
        ).mock
        clock.monotonic.side_effect = lambda: self.cloud.now
        clock.time.side_effect = lambda: 1000.0 + self.cloud.now
        self.sleep.side_effect = self.cloud.advance

    def set_state(self, vm_state, uuid=None):
        self.cloud.instances[uuid or self.inst]['vm_state'] = vm_state

    def status(self, uuid=None):
        return fake_cloud.status_of(self.cloud.instances[uuid or self.inst])

    def where(self, uuid=None):
        inst = self.cloud.instances[uuid or self.inst]
        return inst['host'], self.status(uuid)

    def in_flight(self, kind=migration.LIVE):
        """Make self.inst look mid-migration, as Nova shows it."""
        inst = self.cloud.instances[self.inst]
        inst.update(task_state='migrating')
        self.cloud.migration_seq += 1
        record = {
            'id': self.cloud.migration_seq,
            'instance_uuid': self.inst,
            'migration_type': kind,
            'source': HOST,
            'dest': OTHER,
            'status': 'running',
            'created_at': '2030-01-01T00:00:00',
        }
        self.cloud.migrations.append(record)
        return record

    def move(self, params=None, attempt=1):
        """Both tasks of one attempt, as the engine runs them."""
        started = self.live.execute(
            self.uuid, HOST, params or self.params, attempt
        )
        return started, self.wait.execute(self.uuid, started)


class TestAttempts(utils.TaskTestCase):
    def test_attempts_for(self):
        self.assertEqual((1, 1), migration.attempts_for({}))
        policy = {'retries': 2, 'then': 'abort'}
        self.assertEqual(
            (3, 3), migration.attempts_for({'on_instance_failure': policy})
        )
        for then in ('skip', 'cold_migrate'):
            policy = {'retries': 1, 'then': then}
            self.assertEqual(
                (2, 3),
                migration.attempts_for({'on_instance_failure': policy}),
            )


class TestInstanceMigrationRetry(utils.TaskTestCase):
    def history(self, exc):
        return retry.History([(1, {'WaitForMigration-x': utils.failure(exc)})])

    def test_retries_a_failed_migration(self):
        r = migration.InstanceMigrationRetry(attempts=3, revert_all=True)
        failed = self.history(
            tasks_base.MigrationFailed(instance='x', reason='error')
        )
        self.assertEqual(retry.RETRY, r.on_failure(failed))

    def test_never_retries_a_cancelled_run(self):
        r = migration.InstanceMigrationRetry(attempts=3, revert_all=True)
        cancelled = self.history(tasks_base.ExecutionCancelled(execution='e'))
        self.assertEqual(retry.REVERT_ALL, r.on_failure(cancelled))

    def test_reverts_all_when_attempts_are_spent(self):
        r = migration.InstanceMigrationRetry(attempts=1, revert_all=True)
        failed = self.history(
            tasks_base.MigrationFailed(instance='x', reason='error')
        )
        self.assertEqual(retry.REVERT_ALL, r.on_failure(failed))


class TestLiveMigrateInstance(MigrationTestCase):
    def test_starts_a_live_migration(self):
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.assertEqual('started', started['state'])
        self.assertEqual(migration.LIVE, started['type'])
        self.assertEqual(HOST, started['source'])
        self.assertEqual(1, started['attempt'])
        self.assertIsNone(started['previous_migration_id'])
        self.assertEqual(1, len(self.migrations()))
        record = self.progress()[self.inst]
        self.assertEqual('migrating', record['state'])
        self.assertEqual(HOST, record['source'])
        self.assertIn('Live migration of', self.messages()[-1])

    def test_honours_the_target_host(self):
        params = dict(self.params, target_host='sim-compute-003')
        self.live.execute(self.uuid, HOST, params, 1)
        self.assertEqual('sim-compute-003', self.migrations()[0]['dest'])

    def test_a_held_target_host_is_refused(self):
        self.dbapi.update_host(OTHER, {'state': states.HOST_RETIRED})
        params = dict(self.params, target_host=OTHER)
        self.assertRaises(
            tasks_base.MigrationFailed,
            self.live.execute,
            self.uuid,
            HOST,
            params,
            1,
        )
        self.assertEqual([], self.migrations())

    def test_a_held_host_enabled_behind_fleets_back_is_disabled_first(self):
        # Retired during the run, its nova-compute still enabled: the
        # check before the migration disables it, so the scheduler cannot
        # choose it (the fake cloud's scheduler honours disabled services).
        self.useFixture(
            fixtures.MockPatchObject(inventory, '_HELD_CHECK', {'at': None})
        )
        self.dbapi.update_host(OTHER, {'state': states.HOST_RETIRED})
        self.assertEqual('enabled', self.service(OTHER)['status'])
        self.live.execute(self.uuid, HOST, self.params, 1)
        self.assertEqual('disabled', self.service(OTHER)['status'])
        self.assertEqual(
            capacity.held_reason(states.HOST_RETIRED),
            self.service(OTHER)['disabled_reason'],
        )
        self.assertNotEqual(OTHER, self.migrations()[0]['dest'])

    def test_retry_remembers_the_failed_migration(self):
        for name in self.cloud.hosts:
            if name != HOST:
                self.service(name)['status'] = 'disabled'
        self.live.execute(self.uuid, HOST, self.params, 1)  # no valid host
        self.assertEqual('error', self.migrations()[0]['status'])
        started = self.live.execute(self.uuid, HOST, self.params, 2)
        self.assertEqual(
            self.migrations()[0]['id'], started['previous_migration_id']
        )

    def test_resume_never_migrates_an_instance_off_the_host_again(self):
        self.live.execute(self.uuid, HOST, self.params, 1)
        destination = self.cloud.instances[self.inst]['host']
        # The conductor died before it saved the result: run it again.
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.assertEqual('already_moved', started['state'])
        self.assertEqual(1, len(self.migrations()))
        record = self.progress()[self.inst]
        self.assertEqual('already_moved', record['state'])
        self.assertEqual(destination, record['destination'])

    def test_gone_instance(self):
        del self.cloud.instances[self.inst]
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.assertEqual('gone', started['state'])
        self.assertEqual('gone', self.progress()[self.inst]['state'])

    def test_skip_after_the_live_attempts(self):
        params = dict(
            self.params, on_instance_failure={'retries': 0, 'then': 'skip'}
        )
        started = self.live.execute(self.uuid, HOST, params, 2)
        self.assertEqual('skipped', started['state'])
        self.assertEqual([], self.migrations())
        self.assertEqual('skipped', self.progress()[self.inst]['state'])
        self.assertEqual(HOST, self.cloud.instances[self.inst]['host'])

    def test_cold_migrate_after_the_live_attempts(self):
        params = dict(
            self.params,
            on_instance_failure={'retries': 1, 'then': 'cold_migrate'},
        )
        started = self.live.execute(self.uuid, HOST, params, 3)
        self.assertEqual(migration.COLD, started['type'])
        self.assertEqual(
            migration.COLD, self.migrations()[0]['migration_type']
        )
        self.assertIn('Cold migration of', self.messages()[-1])

    def test_cancelled_starts_nothing(self):
        self.cancel()
        self.assertRaises(
            tasks_base.ExecutionCancelled,
            self.live.execute,
            self.uuid,
            HOST,
            self.params,
            1,
        )
        self.assertEqual([], self.migrations())

    def test_nova_error_fails_the_attempt(self):
        with mock.patch(
            'fleet.drivers.compute.fake.FakeCompute.live_migrate',
            side_effect=exception.ComputeError(reason='nova says no'),
        ):
            self.assertRaises(
                exception.ComputeError,
                self.live.execute,
                self.uuid,
                HOST,
                self.params,
                1,
            )

    def test_revert_records_the_failed_attempt(self):
        self.live.revert(
            utils.failure(exception.ComputeError(reason='nova says no')),
            self.uuid,
            HOST,
            self.params,
            1,
        )
        record = self.progress()[self.inst]
        self.assertEqual('failed', record['state'])
        self.assertIn('nova says no', record['error'])

    def test_revert_of_a_success_records_nothing(self):
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.live.revert(started, self.uuid, HOST, self.params, 1)
        self.assertEqual('migrating', self.progress()[self.inst]['state'])

    def test_revert_never_raises(self):
        with mock.patch.object(
            self.dbapi,
            'update_execution_progress',
            side_effect=RuntimeError('db'),
        ):
            self.live.revert(
                utils.failure(ValueError('x')), self.uuid, HOST, {}, 1
            )


class TestWaitForMigration(MigrationTestCase):
    def test_live_migration_landed(self):
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        result = self.wait.execute(self.uuid, started)
        inst = self.cloud.instances[self.inst]
        self.assertNotEqual(HOST, inst['host'])
        self.assertEqual('migrated', result['state'])
        self.assertEqual(inst['host'], result['destination'])
        self.assertEqual(self.migrations()[0]['id'], result['migration_id'])
        record = self.progress()[self.inst]
        self.assertEqual('migrated', record['state'])
        self.assertTrue(record['left_host'])
        self.assertEqual(1, record['attempts'])
        self.assertIn(f'is ACTIVE on {inst["host"]}', self.messages()[-1])
        self.sleep.assert_not_called()

    def test_cold_migration_confirmed(self):
        params = dict(
            self.params,
            on_instance_failure={'retries': 0, 'then': 'cold_migrate'},
        )
        started = self.live.execute(self.uuid, HOST, params, 2)
        self.assertEqual('VERIFY_RESIZE', self.status())
        result = self.wait.execute(self.uuid, started)
        self.assertEqual('migrated', result['state'])
        self.assertEqual('ACTIVE', self.status())
        self.assertEqual('confirmed', self.migrations()[0]['status'])

    def test_failed_migration(self):
        for name in self.cloud.hosts:
            if name != HOST:
                self.service(name)['status'] = 'disabled'
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        e = self.assertRaises(
            tasks_base.MigrationFailed,
            self.wait.execute,
            self.uuid,
            started,
        )
        self.assertIn('ended error; the instance is ACTIVE on', str(e))

    def test_gone_and_skipped_pass_through(self):
        for state in ('gone', 'skipped'):
            result = self.wait.execute(self.uuid, {'state': state})
            self.assertEqual(state, result['state'])
        self.assertEqual([], self.migrations())

    def test_already_moved(self):
        self.cloud.instances[self.inst]['host'] = OTHER
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        result = self.wait.execute(self.uuid, started)
        self.assertEqual('already_moved', result['state'])
        self.assertIsNone(result['migration_id'])
        self.assertEqual(OTHER, result['destination'])
        self.assertTrue(self.progress()[self.inst]['left_host'])

    def test_resume_confirms_a_cold_migration_left_unconfirmed(self):
        # The cold migration finished, then the conductor died before it
        # confirmed it: the instance is on its destination, VERIFY_RESIZE.
        params = dict(
            self.params,
            on_instance_failure={'retries': 0, 'then': 'cold_migrate'},
        )
        self.live.execute(self.uuid, HOST, params, 2)
        self.fast_clock(step=1.0)
        started = self.live.execute(self.uuid, HOST, params, 2)
        self.assertEqual('already_moved', started['state'])
        result = self.wait.execute(self.uuid, started)
        self.assertEqual('already_moved', result['state'])
        self.assertEqual('ACTIVE', self.status())
        self.assertEqual(1, len(self.migrations()))
        self.assertEqual('confirmed', self.migrations()[0]['status'])

    def test_never_started(self):
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        # Nova lost it: no migration record, the instance never moved.
        self.cloud.migrations.clear()
        self.cloud.instances[self.inst]['host'] = HOST
        self.fast_clock()
        e = self.assertRaises(
            tasks_base.MigrationFailed,
            self.wait.execute,
            self.uuid,
            started,
        )
        self.assertIn('never started', str(e))

    def test_revert_of_a_success_undoes_nothing(self):
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        result = self.wait.execute(self.uuid, started)
        with mock.patch(
            'fleet.drivers.compute.fake.FakeCompute.abort_migration'
        ) as abort:
            self.wait.revert(result, self.uuid, started)
        abort.assert_not_called()
        self.assertEqual('migrated', self.progress()[self.inst]['state'])

    def test_revert_never_raises_when_the_driver_fails(self):
        self.async_cloud()
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        with mock.patch(
            'fleet.drivers.compute.fake.FakeCompute.abort_migration',
            side_effect=exception.ComputeError(reason='nova is down'),
        ):
            self.wait.revert(
                utils.failure(ValueError('timeout')), self.uuid, started
            )
        self.assertEqual('failed', self.progress()[self.inst]['state'])

    def test_someone_elses_resize_is_off_the_host_and_not_confirmed(self):
        inst = self.cloud.instances[self.inst]
        inst.update(host=OTHER, vm_state='resized')
        self.cloud.migrations.append(
            {
                'id': 99,
                'instance_uuid': self.inst,
                'migration_type': migration.COLD,
                'source': 'sim-compute-003',
                'dest': OTHER,
                'status': 'finished',
                'created_at': '2030-01-01T00:00:00',
            }
        )
        started, result = self.move()
        self.assertEqual('already_moved', result['state'])
        self.assertEqual('VERIFY_RESIZE', self.status())
        self.assertEqual('finished', self.cloud.migrations[-1]['status'])

    def test_timeout_then_revert_aborts_and_waits_for_the_abort(self):
        self.async_cloud(migration_seconds=1000)
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        e = self.assertRaises(
            tasks_base.MigrationFailed, self.wait.execute, self.uuid, started
        )
        self.assertIn('not done after 30 s', str(e))
        self.wait.revert(utils.failure(e), self.uuid, started)
        # The revert returns once the abort took effect, not before.
        record = self.migrations()[0]
        self.assertEqual('cancelled', record['status'])
        self.assertIsNone(self.cloud.instances[self.inst]['task_state'])
        self.assertEqual((HOST, 'ACTIVE'), self.where())
        progress = self.progress()[self.inst]
        self.assertEqual('failed', progress['state'])
        self.assertEqual(HOST, progress['host'])
        self.assertIn('not done after', progress['error'])
        self.assertIn(f'is ACTIVE on {HOST}', self.messages()[-1])

    def test_deleted_while_moving(self):
        self.async_cloud()
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.sleep.side_effect = lambda s: self.cloud.instances.pop(
            self.inst, None
        )
        result = self.wait.execute(self.uuid, started)
        self.assertEqual('gone', result['state'])
        self.assertEqual('gone', self.progress()[self.inst]['state'])


class TestWakeOnNotifications(MigrationTestCase):
    """With a notification listener in the process, a wait ends when
    Nova announces something about the instance, not at the next poll;
    without one (or with none coming) it polls with a backoff."""

    def setUp(self):
        super().setUp()
        self.async_cloud(api_delay=0.5, migration_seconds=3.0)
        self.addCleanup(waiters.set_listening, False)
        self.pauses = []

    def notifying_wait(self, notify=True):
        """Watch.wait on the manual clock: Nova "sends a notification"
        the moment the migration record changes status."""

        def wait(watch, timeout):
            self.pauses.append(timeout)
            before = [m['status'] for m in self.migrations()]
            step, waited = 0.05, 0.0
            while waited < timeout:
                self.cloud.advance(min(step, timeout - waited))
                waited += step
                if notify and [m['status'] for m in self.migrations()] != (
                    before
                ):
                    return True
            return False

        self.useFixture(fixtures.MockPatchObject(waiters.Watch, 'wait', wait))

    def test_polling_only_backs_off_to_poll_interval(self):
        started, result = self.move()
        self.assertEqual('migrated', result['state'])
        pauses = [c.args[0] for c in self.sleep.call_args_list]
        self.assertEqual([0.25, 0.5, 1.0, 1.0, 1.0], pauses[:5])
        # Migration over at 3.5 s; the poll after it sees it.
        self.assertGreaterEqual(result['seconds'], 3.7)

    def test_a_notification_ends_the_wait_at_once(self):
        waiters.set_listening(True)
        self.notifying_wait()
        started, result = self.move()
        self.assertEqual('migrated', result['state'])
        self.sleep.assert_not_called()
        # Seen when Nova announced it (3.5 s), not at the next poll.
        self.assertLess(result['seconds'], 3.6)
        self.assertEqual(set(), waiters.watched())

    def test_without_notifications_the_watch_falls_back_to_polling(self):
        waiters.set_listening(True)
        self.notifying_wait(notify=False)
        started, result = self.move()
        self.assertEqual('migrated', result['state'])
        self.assertEqual([0.25, 0.5, 1.0, 1.0, 1.0], self.pauses[:5])
        self.assertGreaterEqual(result['seconds'], 3.7)

    def test_a_wake_restarts_the_backoff(self):
        waiters.set_listening(True)
        watch = mock.Mock()
        watch.wait.return_value = True
        self.assertEqual(0, migration.pause(watch, 5))
        watch.wait.assert_called_once_with(1.0)
        watch.wait.return_value = False
        self.assertEqual(6, migration.pause(watch, 5))
        self.sleep.assert_not_called()

    def test_a_failed_migration_is_seen_at_once_too(self):
        waiters.set_listening(True)
        self.notifying_wait()
        self.cloud.failure_rate = 1.0
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        e = self.assertRaises(
            tasks_base.MigrationFailed, self.wait.execute, self.uuid, started
        )
        self.assertIn('ended error', str(e))
        self.assertLess(self.cloud.now, 3.6)

    def test_cancel_during_a_wait_still_aborts(self):
        waiters.set_listening(True)
        self.notifying_wait(notify=False)
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.cancel()
        e = self.assertRaises(
            tasks_base.ExecutionCancelled,
            self.wait.execute,
            self.uuid,
            started,
        )
        self.wait.revert(utils.failure(e), self.uuid, started)
        self.assertEqual('cancelled', self.migrations()[0]['status'])
        self.assertEqual((HOST, 'ACTIVE'), self.where())
        self.assertEqual('cancelled', self.progress()[self.inst]['state'])


class TestInstanceStates(MigrationTestCase):
    """Each vm_state as Nova allows it, on a cloud as asynchronous as
    Nova: the move ends in the instance's own state, on another host."""

    def setUp(self):
        super().setUp()
        self.async_cloud()

    def test_active_is_live_migrated(self):
        started, result = self.move()
        self.assertEqual(migration.LIVE, started['type'])
        self.assertEqual('migrated', result['state'])
        self.assertEqual((result['destination'], 'ACTIVE'), self.where())
        self.assertNotEqual(HOST, result['destination'])

    def test_paused_is_live_migrated_and_stays_paused(self):
        self.set_state('paused')
        started, result = self.move()
        self.assertEqual(migration.LIVE, started['type'])
        self.assertEqual('migrated', result['state'])
        self.assertEqual((result['destination'], 'PAUSED'), self.where())
        self.assertEqual('completed', self.migrations()[0]['status'])

    def test_shutoff_is_cold_migrated_confirmed_and_stays_shutoff(self):
        # The bug: the wait asked for ACTIVE, which never comes.
        self.set_state('stopped')
        started, result = self.move()
        self.assertEqual(migration.COLD, started['type'])
        self.assertEqual('migrated', result['state'])
        self.assertEqual((result['destination'], 'SHUTOFF'), self.where())
        self.assertEqual('confirmed', self.migrations()[0]['status'])
        self.assertEqual(
            'SHUTOFF', self.progress()[self.inst]['status'], self.messages()
        )
        # Seen done within a poll of the confirmation, far from a timeout.
        self.assertLess(self.cloud.now, 30)

    def test_a_state_changed_during_the_move_is_not_waited_for(self):
        started = self.live.execute(self.uuid, HOST, self.params, 1)

        def user_pauses(seconds):
            self.cloud.advance(seconds)
            self.set_state('paused')

        self.sleep.side_effect = user_pauses
        result = self.wait.execute(self.uuid, started)
        self.assertEqual('migrated', result['state'])
        self.assertEqual('PAUSED', self.status())
        self.assertIn('it was active before the move', self.messages()[-1])
        self.assertLess(self.cloud.now, 30)

    def test_shutoff_after_failed_attempts_is_skipped_per_policy(self):
        self.set_state('stopped')
        params = dict(
            self.params, on_instance_failure={'retries': 0, 'then': 'skip'}
        )
        started, result = self.move(params, attempt=2)
        self.assertEqual('skipped', result['state'])
        self.assertEqual([], self.migrations())

    def test_paused_cannot_fall_back_to_cold_migration(self):
        self.set_state('paused')
        params = dict(
            self.params,
            on_instance_failure={'retries': 0, 'then': 'cold_migrate'},
        )
        e = self.assertRaises(
            tasks_base.MigrationFailed,
            self.live.execute,
            self.uuid,
            HOST,
            params,
            2,
        )
        self.assertIn('does not cold-migrate', str(e))
        self.assertEqual([], self.migrations())

    def check_left(self, vm_state, policy, progress_state):
        self.set_state(vm_state)
        started, result = self.move()
        self.assertEqual(progress_state, result['state'])
        self.assertEqual([], self.migrations())
        self.assertEqual(HOST, self.cloud.instances[self.inst]['host'])
        record = self.progress()[self.inst]
        self.assertEqual(progress_state, record['state'])
        self.assertIn(f'"{policy}"', record['reason'])
        self.assertIn(f'stays on {HOST}', self.messages()[-1])

    def test_suspended_skipped_by_default(self):
        self.check_left('suspended', 'skip', 'skipped')

    def test_rescued_skipped_by_default(self):
        self.check_left('rescued', 'skip', 'skipped')

    def test_error_skipped_by_default(self):
        self.check_left('error', 'skip', 'skipped')

    def test_unknown_state_follows_the_error_policy(self):
        self.config(error_policy='leave', group='maintenance')
        self.check_left('soft-delete', 'leave', 'left')

    def test_suspended_left_per_config(self):
        self.config(suspended_policy='leave', group='maintenance')
        self.check_left('suspended', 'leave', 'left')

    def test_run_state_policies_override_the_config(self):
        self.config(error_policy='abort', group='maintenance')
        params = dict(self.params, state_policies={'error': 'leave'})
        self.set_state('error')
        started = self.live.execute(self.uuid, HOST, params, 1)
        self.assertEqual('left', started['state'])

    def test_abort_policy_refuses(self):
        self.config(rescued_policy='abort', group='maintenance')
        self.set_state('rescued')
        self.assertRaises(
            instance_states.InstanceRefused,
            self.live.execute,
            self.uuid,
            HOST,
            self.params,
            1,
        )
        self.assertEqual([], self.migrations())

    def test_refused_instance_is_never_retried(self):
        r = migration.InstanceMigrationRetry(attempts=3, revert_all=True)
        refused = retry.History(
            [
                (
                    1,
                    {
                        'x': utils.failure(
                            instance_states.InstanceRefused(
                                instance='i', state='rescued'
                            )
                        )
                    },
                )
            ]
        )
        self.assertEqual(retry.REVERT_ALL, r.on_failure(refused))

    def test_shelved_is_offloaded(self):
        self.set_state('shelved')
        started, result = self.move()
        self.assertEqual(migration.OFFLOAD, started['type'])
        self.assertEqual('offloaded', result['state'])
        inst = self.cloud.instances[self.inst]
        self.assertEqual(
            (None, 'shelved_offloaded'), (inst['host'], inst['vm_state'])
        )
        self.assertTrue(self.progress()[self.inst]['left_host'])

    def test_shelved_offloaded_is_on_no_host(self):
        self.set_state('shelved_offloaded')
        self.cloud.instances[self.inst]['host'] = None
        started, result = self.move()
        self.assertEqual('offloaded', result['state'])
        self.assertIn('on no host', self.messages()[-1])
        self.assertEqual([], self.migrations())


class TestActionsInFlight(MigrationTestCase):
    """A task in flight is waited for; only this attempt's own migration
    (found after a conductor restart) is adopted."""

    def setUp(self):
        super().setUp()
        self.async_cloud()

    def test_a_users_snapshot_is_waited_for_then_the_instance_moves(self):
        self.cloud.start_task(self.inst, 'image_snapshot', 5.0)
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.assertEqual('started', started['state'])
        self.assertGreaterEqual(self.cloud.now, 5.0)
        self.assertIn('task image_snapshot', '\n'.join(self.messages()))
        result = self.wait.execute(self.uuid, started)
        self.assertEqual('migrated', result['state'])
        self.assertEqual(1, len(self.migrations()))

    def test_a_users_resize_is_never_adopted(self):
        # A user's resize in flight: fleet must not take it for its own
        # cold migration (nor confirm it).
        self.cloud.start_migration(self.inst, kind=migration.COLD)
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.assertEqual('already_moved', started['state'])
        self.assertEqual(1, len(self.migrations()))

    def test_a_users_resize_to_the_host_awaiting_confirmation(self):
        # Someone resized an instance onto this host and has not
        # confirmed: not fleet's to confirm; it waits, then fails.
        self.config(task_wait_timeout=10, group='maintenance')
        self.set_state('resized')
        e = self.assertRaises(
            tasks_base.MigrationFailed,
            self.live.execute,
            self.uuid,
            HOST,
            self.params,
            1,
        )
        self.assertIn('resize awaiting confirmation', str(e))
        self.assertEqual('VERIFY_RESIZE', self.status())
        self.assertEqual([], self.migrations())

    def test_a_task_that_never_ends_fails_the_attempt(self):
        self.config(task_wait_timeout=10, group='maintenance')
        self.cloud.start_task(self.inst, 'image_snapshot', 1000.0)
        e = self.assertRaises(
            tasks_base.MigrationFailed,
            self.live.execute,
            self.uuid,
            HOST,
            self.params,
            1,
        )
        self.assertIn('image_snapshot was still in flight after 10 s', str(e))
        self.assertEqual([], self.migrations())

    def test_cancel_while_waiting_for_a_task(self):
        self.cloud.start_task(self.inst, 'image_snapshot', 1000.0)

        def tick(seconds):
            self.cloud.advance(seconds)
            if self.cloud.now > 3:
                self.cancel()

        self.sleep.side_effect = tick
        self.assertRaises(
            tasks_base.ExecutionCancelled,
            self.live.execute,
            self.uuid,
            HOST,
            self.params,
            1,
        )
        self.assertLess(self.cloud.now, 6)

    def test_own_migration_is_adopted_after_a_restart(self):
        first = self.live.execute(self.uuid, HOST, self.params, 1)
        self.cloud.advance(1.0)  # the record exists, the migration runs
        # The conductor died before it saved the result: run it again.
        again = self.live.execute(self.uuid, HOST, self.params, 1)
        self.assertEqual('adopted', again['state'])
        self.assertEqual(
            first['previous_migration_id'], again['previous_migration_id']
        )
        result = self.wait.execute(self.uuid, again)
        self.assertEqual('migrated', result['state'])
        self.assertEqual(1, len(self.migrations()))

    def test_own_migration_is_adopted_before_its_record_appears(self):
        self.live.execute(self.uuid, HOST, self.params, 1)
        again = self.live.execute(self.uuid, HOST, self.params, 1)
        self.assertEqual('adopted', again['state'])
        self.wait.execute(self.uuid, again)
        self.assertEqual(1, len(self.migrations()))

    def retry_after_timeout(self):
        self.cloud.migration_seconds = 1000  # never ends in time
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        e = self.assertRaises(
            tasks_base.MigrationFailed, self.wait.execute, self.uuid, started
        )
        self.wait.revert(utils.failure(e), self.uuid, started)
        self.live.revert(started, self.uuid, HOST, self.params, 1)
        self.cloud.migration_seconds = 3.0
        second = self.live.execute(self.uuid, HOST, self.params, 2)
        self.assertEqual('started', second['state'])
        result = self.wait.execute(self.uuid, second)
        self.assertEqual('migrated', result['state'])
        first, last = self.migrations()
        self.assertEqual('cancelled', first['status'])
        self.assertEqual('completed', last['status'])
        self.assertEqual(last['id'], result['migration_id'])

    def test_retry_after_a_timeout_starts_a_new_migration(self):
        # The race of the issue: the retry must not adopt the migration
        # that its own revert is aborting.
        self.retry_after_timeout()

    def test_retry_waits_for_an_abort_slower_than_the_revert(self):
        self.config(abort_timeout=0, group='maintenance')
        self.cloud.api_delay = 4.0
        self.retry_after_timeout()


class TestCancelDuringAWait(MigrationTestCase):
    def setUp(self):
        super().setUp()
        self.async_cloud()

    def cancel_at(self, when):
        def tick(seconds):
            self.cloud.advance(seconds)
            if self.cloud.now >= when:
                self.cancel()

        self.sleep.side_effect = tick

    def cancelled(self, started):
        e = self.assertRaises(
            tasks_base.ExecutionCancelled,
            self.wait.execute,
            self.uuid,
            started,
        )
        self.wait.revert(utils.failure(e), self.uuid, started)

    def test_cancel_aborts_a_live_migration_that_cannot_finish(self):
        self.cloud.migration_seconds = 10000
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.cancel_at(2.0)
        self.cancelled(started)
        self.assertEqual('cancelled', self.migrations()[0]['status'])
        self.assertEqual((HOST, 'ACTIVE'), self.where())
        record = self.progress()[self.inst]
        self.assertEqual(
            ('cancelled', HOST), (record['state'], record['host'])
        )
        self.assertIn('Abort of migration', '\n'.join(self.messages()))
        self.assertLess(self.cloud.now, 10)

    def test_cancel_before_the_migration_record_appears(self):
        self.cloud.migration_seconds = 10000
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.cancel()
        self.cancelled(started)
        self.assertEqual('cancelled', self.migrations()[0]['status'])
        self.assertEqual((HOST, 'ACTIVE'), self.where())

    def test_cancel_lets_a_cold_migration_finish_and_confirms_it(self):
        # Nova cannot abort a cold migration: it must not stay in
        # VERIFY_RESIZE.
        self.set_state('stopped')
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.cancel_at(1.0)
        self.cancelled(started)
        inst = self.cloud.instances[self.inst]
        self.assertNotEqual(HOST, inst['host'])
        self.assertEqual('SHUTOFF', self.status())
        self.assertEqual('confirmed', self.migrations()[0]['status'])
        record = self.progress()[self.inst]
        self.assertTrue(record['left_host'])
        self.assertEqual(inst['host'], record['host'])


class TestCheckInstanceStates(MigrationTestCase):
    def setUp(self):
        super().setUp()
        self.uuids = self.instances()
        self.task = instance_states.CheckInstanceStates(self.uuids)

    def test_plan(self):
        self.set_state('stopped', self.uuids[1])
        plan = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual({self.uuids[0]: 'live', self.uuids[1]: 'cold'}, plan)
        self.assertEqual('Instance plan: 1 cold, 1 live.', self.messages()[-1])

    def test_an_action_in_flight_is_planned_as_a_wait(self):
        self.cloud.instances[self.uuids[0]]['task_state'] = 'image_snapshot'
        self.set_state('error', self.uuids[1])
        params = dict(self.params, state_policies={'error': 'leave'})
        plan = self.task.execute(self.uuid, HOST, params)
        self.assertEqual(
            {
                self.uuids[0]: 'wait for image_snapshot',
                self.uuids[1]: 'leave',
            },
            plan,
        )

    def test_abort_policy_refuses_before_anything_moves(self):
        self.set_state('suspended', self.uuids[1])
        params = dict(self.params, state_policies={'suspended': 'abort'})
        e = self.assertRaises(
            tasks_base.StepFailed, self.task.execute, self.uuid, HOST, params
        )
        self.assertIn(self.uuids[1], str(e))
        self.assertEqual([], self.cloud.migrations)

    def test_revert_records_where_each_instance_is(self):
        self.cloud.instances[self.uuids[0]]['host'] = OTHER
        self.task.revert(None, self.uuid)
        progress = self.progress()
        self.assertEqual(OTHER, progress[self.uuids[0]]['host'])
        self.assertEqual(HOST, progress[self.uuids[1]]['host'])
        self.assertIn('Where the instances are', self.messages()[-1])


class TestVerifyHostDrained(utils.TaskTestCase):
    def setUp(self):
        super().setUp()
        self.task = migration.VerifyHostDrained()

    def empty(self, keep=()):
        for uuid, inst in self.cloud.instances.items():
            if inst['host'] == HOST and uuid not in keep:
                inst['host'] = OTHER

    def test_drained(self):
        self.empty()
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual({'skipped': [], 'left': []}, result)
        self.assertEqual(f'Host {HOST} is drained.', self.messages()[-1])

    def test_an_instance_that_arrived_during_the_run_is_moved_too(self):
        # Scheduled to the host after the run listed its instances, before
        # nova-compute was disabled: no progress record of this run.
        late = self.instances()[0]
        self.empty(keep=(late,))
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual({'skipped': [], 'left': []}, result)
        self.assertNotEqual(HOST, self.cloud.instances[late]['host'])
        self.assertEqual('migrated', self.progress()[late]['state'])
        self.assertTrue(
            any(
                'after the run listed its instances' in m
                for m in self.messages()
            )
        )

    def test_an_instance_that_cannot_be_moved_fails_the_check(self):
        late = self.instances()[0]
        self.empty(keep=(late,))
        for name in self.cloud.hosts:
            if name != HOST:
                self.service(name)['status'] = 'disabled'
        e = self.assertRaises(
            tasks_base.StepFailed,
            self.task.execute,
            self.uuid,
            HOST,
            self.params,
        )
        self.assertIn(f'instance {late} reached {HOST}', str(e))

    def test_an_instance_moved_back_fails_the_check(self):
        back = self.instances()[0]
        self.empty(keep=(back,))
        self.dbapi.update_execution_progress(
            self.uuid, 'instances', back, {'state': 'migrated'}
        )
        e = self.assertRaises(
            tasks_base.StepFailed,
            self.task.execute,
            self.uuid,
            HOST,
            self.params,
        )
        self.assertIn(f'are on {HOST} again: {back}', str(e))

    def test_skipped_instances_allowed_for_a_drain_only(self):
        left = self.instances()[0]
        self.empty(keep=(left,))
        self.dbapi.update_execution_progress(
            self.uuid, 'instances', left, {'state': 'skipped'}
        )
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual({'skipped': [left], 'left': []}, result)
        params = dict(self.params, kind='drain_patch_reboot')
        e = self.assertRaises(
            tasks_base.StepFailed, self.task.execute, self.uuid, HOST, params
        )
        self.assertIn('cannot be patched or rebooted', str(e))

    def test_cancelled(self):
        self.cancel()
        self.assertRaises(
            tasks_base.ExecutionCancelled,
            self.task.execute,
            self.uuid,
            HOST,
            self.params,
        )

    def test_left_instances_are_accepted_for_any_run(self):
        left = self.instances()[0]
        self.empty(keep=(left,))
        self.dbapi.update_execution_progress(
            self.uuid, 'instances', left, {'state': 'left'}
        )
        params = dict(self.params, kind='drain_patch_reboot')
        result = self.task.execute(self.uuid, HOST, params)
        self.assertEqual({'skipped': [], 'left': [left]}, result)
        self.assertIn('1 left by policy', self.messages()[-1])
