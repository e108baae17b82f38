"""Per-instance tasks and the drained check, called directly on the
simulated cloud (migrations end when the call returns), with time
itself driven by the tests: nothing sleeps."""

import itertools
from unittest import mock

import fixtures
from taskflow import retry

from fleet.common import exception
from fleet.conductor.tasks import base as tasks_base
from fleet.conductor.tasks import migration
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

    def in_flight(self, kind=migration.LIVE):
        """Make self.inst look mid-migration, as Nova shows it."""
        inst = self.cloud.instances[self.inst]
        inst.update(status='MIGRATING', task_state='migrating')
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

    def test_adopts_a_migration_in_flight(self):
        record = self.in_flight()
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.assertEqual('adopted', started['state'])
        self.assertIsNone(started['previous_migration_id'])
        self.assertEqual([record], self.migrations())
        self.assertIn('already migrating', self.messages()[-1])

    def test_adopts_but_skips_an_old_finished_migration(self):
        record = self.in_flight()
        record['status'] = 'completed'  # an old one; a new one is coming
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.assertEqual('adopted', started['state'])
        self.assertEqual(record['id'], started['previous_migration_id'])

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

    def test_waits_for_a_running_migration(self):
        record = self.in_flight()
        started = self.live.execute(self.uuid, HOST, self.params, 1)

        def land(seconds):
            self.cloud._finish_migration(record, fail=False)

        self.sleep.side_effect = land
        result = self.wait.execute(self.uuid, started)
        self.assertEqual('migrated', result['state'])
        self.assertEqual(record['id'], result['migration_id'])
        self.sleep.assert_called_once_with(0)

    def test_cold_migration_confirmed(self):
        params = dict(
            self.params,
            on_instance_failure={'retries': 0, 'then': 'cold_migrate'},
        )
        started = self.live.execute(self.uuid, HOST, params, 2)
        self.assertEqual(
            'VERIFY_RESIZE', self.cloud.instances[self.inst]['status']
        )
        result = self.wait.execute(self.uuid, started)
        self.assertEqual('migrated', result['state'])
        self.assertEqual('ACTIVE', self.cloud.instances[self.inst]['status'])
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
        self.assertEqual('ACTIVE', self.cloud.instances[self.inst]['status'])
        self.assertEqual(1, len(self.migrations()))
        self.assertEqual('confirmed', self.migrations()[0]['status'])

    def test_someone_elses_resize_is_not_confirmed(self):
        inst = self.cloud.instances[self.inst]
        inst.update(host=OTHER, status='VERIFY_RESIZE')
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
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.fast_clock()
        self.assertRaises(
            tasks_base.MigrationFailed, self.wait.execute, self.uuid, started
        )
        self.assertEqual('VERIFY_RESIZE', inst['status'])

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

    def test_timeout_then_revert_aborts(self):
        record = self.in_flight()
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        self.fast_clock()
        e = self.assertRaises(
            tasks_base.MigrationFailed,
            self.wait.execute,
            self.uuid,
            started,
        )
        self.assertIn('not done after 30 s', str(e))
        self.wait.revert(utils.failure(e), self.uuid, started)
        self.assertEqual('cancelled', record['status'])
        inst = self.cloud.instances[self.inst]
        self.assertEqual((HOST, 'ACTIVE'), (inst['host'], inst['status']))
        progress = self.progress()[self.inst]
        self.assertEqual('failed', progress['state'])
        self.assertIn('not done after', progress['error'])
        self.assertIn('Attempt 1 for instance', self.messages()[-1])

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
        self.in_flight()
        started = self.live.execute(self.uuid, HOST, self.params, 1)
        with mock.patch(
            'fleet.drivers.compute.fake.FakeCompute.abort_migration',
            side_effect=exception.ComputeError(reason='nova is down'),
        ):
            self.wait.revert(
                utils.failure(ValueError('timeout')), self.uuid, started
            )
        self.assertEqual('failed', self.progress()[self.inst]['state'])


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
        self.assertEqual({'skipped': []}, result)
        self.assertEqual(f'Host {HOST} is drained.', self.messages()[-1])

    def test_instance_left(self):
        left = self.instances()[0]
        self.empty(keep=(left,))
        e = self.assertRaises(
            tasks_base.StepFailed,
            self.task.execute,
            self.uuid,
            HOST,
            self.params,
        )
        self.assertIn(f'not planned by this run are on {HOST}: {left}', str(e))

    def test_skipped_instances_allowed_for_a_drain_only(self):
        left = self.instances()[0]
        self.empty(keep=(left,))
        self.dbapi.update_execution_progress(
            self.uuid, 'instances', left, {'state': 'skipped'}
        )
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual({'skipped': [left]}, result)
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
