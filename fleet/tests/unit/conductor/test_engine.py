"""Whole maintenance runs on the simulated cloud, through the Runner:
success, resume of a suspended run, failure policies and cancel."""

import functools
import os
import tempfile
from unittest import mock

from fleet.common import executions
from fleet.common import states
from fleet.conductor import engine
from fleet.conductor.tasks import migration
from fleet.drivers import base as driver_base
from fleet.drivers import fake_cloud
from fleet.tests import base

HOST = 'sim-compute-001'


class RunnerTestCase(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.config(hosts=3, instances_per_host=4, group='fake_cloud')
        self.config(poll_interval=0, group='maintenance')
        tmp = tempfile.mkdtemp()
        self.config(
            persistence_connection=f'sqlite:///{os.path.join(tmp, "tf.db")}',
            group='maintenance',
        )
        engine.reset_backend()
        self.addCleanup(engine.reset_backend)
        engine.init_persistence()
        self.cloud = fake_cloud.get_cloud()
        for name in self.cloud.hosts:
            self.dbapi.create_host({'name': name, 'kind': 'compute'})
        self.runner = engine.Runner('test-conductor')

    def create_run(self, kind='drain', **params):
        values = {
            'kind': kind,
            'executor': 'noop',
            'executor_args': {},
            'max_parallel': 2,
            'on_instance_failure': {'retries': 1, 'then': 'abort'},
            'target_host': None,
            'reenable': True,
            'expected_facts': {},
        }
        values.update(params)
        host = self.dbapi.get_host(HOST)
        execution = self.dbapi.create_execution(
            {
                'kind': kind,
                'state': states.EXEC_PENDING,
                'host_uuid': host['uuid'],
                'parameters': values,
            }
        )
        self.dbapi.reserve_host(host['uuid'], execution['uuid'])
        return execution

    def run_to_end(self, execution, resume=False, runner=None):
        runner = runner or self.runner
        if resume:
            runner.resume(self.dbapi.get_execution(execution['uuid']))
        else:
            runner.start(execution)
        # A run closed before its flow began (cancelled while pending,
        # failed to start) has no thread.
        thread = runner._threads.get(execution['uuid'])
        if thread is not None:
            thread.join(30)
        return self.dbapi.get_execution(execution['uuid'])

    def migrations_of(self, uuid):
        return [m for m in self.cloud.migrations if m['instance_uuid'] == uuid]


class TestRuns(RunnerTestCase):
    def test_drain_patch_reboot_succeeds(self):
        instances = [i['uuid'] for i in self.cloud.instances_on(HOST)]
        execution = self.run_to_end(self.create_run('drain_patch_reboot'))
        self.assertEqual(states.EXEC_SUCCEEDED, execution['state'])
        self.assertEqual('4 of 4 instances moved', execution['result'])
        self.assertEqual([], self.cloud.instances_on(HOST))
        for uuid in instances:
            self.assertEqual(1, len(self.migrations_of(uuid)))
            record = execution['progress']['instances'][uuid]
            self.assertEqual('migrated', record['state'])
            self.assertNotEqual(HOST, record['destination'])
        self.assertEqual('enabled', self.cloud.hosts[HOST]['status'])
        host = self.dbapi.get_host(HOST)
        self.assertEqual(states.HOST_ACTIVE, host['state'])
        self.assertIsNone(host['execution_uuid'])
        steps = execution['progress']['steps']
        self.assertEqual('success', steps['RunExecutor']['state'])
        events = self.dbapi.list_execution_events(execution['uuid'])
        self.assertIn('succeeded', events[-1]['message'])

    def test_reenable_false_leaves_maintenance(self):
        execution = self.run_to_end(self.create_run(reenable=False))
        self.assertEqual(states.EXEC_SUCCEEDED, execution['state'])
        self.assertEqual('disabled', self.cloud.hosts[HOST]['status'])
        self.assertEqual(
            states.HOST_MAINTENANCE, self.dbapi.get_host(HOST)['state']
        )

    def test_resume_never_migrates_twice(self):
        execution = self.create_run(max_parallel=1)
        real = migration.WaitForMigration.execute
        calls = []

        # wraps: TaskFlow reads the arguments from the signature.
        @functools.wraps(real)
        def wait_then_stop(task, *args, **kwargs):
            result = real(task, *args, **kwargs)
            calls.append(task.instance_uuid)
            if len(calls) == 2:
                # The conductor stops after two instances: the engine
                # suspends, the run stays "running" on record.
                self.runner.stop(timeout=0)
            return result

        with mock.patch.object(
            migration.WaitForMigration, 'execute', wait_then_stop
        ):
            stopped = self.run_to_end(execution)
        self.assertEqual(states.EXEC_RUNNING, stopped['state'])
        self.assertEqual('disabled', self.cloud.hosts[HOST]['status'])
        self.assertEqual(2, len(self.cloud.instances_on(HOST)))
        restarted = engine.Runner('test-conductor')
        done = self.run_to_end(execution, resume=True, runner=restarted)
        self.assertEqual(states.EXEC_SUCCEEDED, done['state'])
        for uuid in done['progress']['instances']:
            self.assertEqual(1, len(self.migrations_of(uuid)), uuid)
        self.assertEqual('enabled', self.cloud.hosts[HOST]['status'])

    def test_resume_of_a_logbook_without_flow_starts_the_run(self):
        # The conductor died after saving the logbook, before the engine
        # saved its flow: the resumed run starts from the beginning.
        execution = self.create_run()
        book = engine.tf_models.LogBook('execution-' + execution['uuid'])
        conn = engine.get_backend().get_connection()
        conn.save_logbook(book)
        conn.close()
        self.dbapi.update_execution(
            execution['uuid'], {'logbook_uuid': book.uuid}
        )
        done = self.run_to_end(execution, resume=True)
        self.assertEqual(states.EXEC_SUCCEEDED, done['state'])
        self.assertEqual([], self.cloud.instances_on(HOST))

    def test_no_valid_host_aborts_and_reenables(self):
        for name, host in self.cloud.hosts.items():
            if name != HOST:
                host['status'] = 'disabled'
        execution = self.run_to_end(
            self.create_run(target_host='sim-compute-002', max_parallel=1)
        )
        self.assertEqual(states.EXEC_FAILED, execution['state'])
        self.assertIn('WaitForMigration', execution['result'])
        self.assertEqual(4, len(self.cloud.instances_on(HOST)))
        self.assertEqual('enabled', self.cloud.hosts[HOST]['status'])
        self.assertEqual(
            states.HOST_ACTIVE, self.dbapi.get_host(HOST)['state']
        )
        # retries 1: two attempts on the first instance, then abort.
        self.assertEqual(2, len(self.cloud.migrations))

    def test_skip_policy_leaves_instance_and_succeeds(self):
        self.cloud.hosts['sim-compute-002']['status'] = 'disabled'
        execution = self.run_to_end(
            self.create_run(
                target_host='sim-compute-002',
                on_instance_failure={'retries': 0, 'then': 'skip'},
            )
        )
        self.assertEqual(states.EXEC_SUCCEEDED, execution['state'])
        self.assertIn('4 skipped', execution['result'])
        self.assertEqual(4, len(self.cloud.instances_on(HOST)))

    def test_failure_after_moves_keeps_host_disabled(self):
        self.config(failure_rate=0.0, group='fake_cloud')
        execution = self.create_run(max_parallel=1)
        real = migration.LiveMigrateInstance.execute

        # wraps: TaskFlow reads the arguments from the signature.
        @functools.wraps(real)
        def fail_third(task, *args, **kwargs):
            moved = 4 - len(self.cloud.instances_on(HOST))
            if moved >= 2:
                raise RuntimeError('boom')
            return real(task, *args, **kwargs)

        with mock.patch.object(
            migration.LiveMigrateInstance, 'execute', fail_third
        ):
            execution = self.run_to_end(execution)
        self.assertEqual(states.EXEC_FAILED, execution['state'])
        self.assertEqual('disabled', self.cloud.hosts[HOST]['status'])
        host = self.dbapi.get_host(HOST)
        self.assertEqual(states.HOST_MAINTENANCE, host['state'])
        self.assertIn('2 instance(s) already moved', host['state_reason'])
        self.assertIsNone(host['execution_uuid'])

    def test_executor_failure_hands_host_to_human(self):
        with mock.patch(
            'fleet.drivers.executor.noop.NoopExecutor.run',
            return_value=mock.Mock(
                ok=False, output='patch failed', details={}
            ),
        ):
            execution = self.run_to_end(self.create_run('drain_patch_reboot'))
        self.assertEqual(states.EXEC_FAILED, execution['state'])
        host = self.dbapi.get_host(HOST)
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertIn('a human is needed', host['state_reason'])
        self.assertEqual('disabled', self.cloud.hosts[HOST]['status'])

    def test_cancel_before_start(self):
        execution = self.create_run()
        self.dbapi.update_execution(
            execution['uuid'], {'cancel_requested': True}
        )
        execution = self.run_to_end(execution)
        self.assertEqual(states.EXEC_CANCELLED, execution['state'])
        self.assertEqual('enabled', self.cloud.hosts[HOST]['status'])
        self.assertEqual(4, len(self.cloud.instances_on(HOST)))
        self.assertIsNone(self.dbapi.get_host(HOST)['execution_uuid'])

    def test_cancel_mid_run(self):
        execution = self.create_run(max_parallel=1)
        real = migration.WaitForMigration.execute

        # wraps: TaskFlow reads the arguments from the signature.
        @functools.wraps(real)
        def wait_then_cancel(task, *args, **kwargs):
            result = real(task, *args, **kwargs)
            self.dbapi.update_execution(
                execution['uuid'], {'cancel_requested': True}
            )
            return result

        with mock.patch.object(
            migration.WaitForMigration, 'execute', wait_then_cancel
        ):
            execution = self.run_to_end(execution)
        self.assertEqual(states.EXEC_CANCELLED, execution['state'])
        # The migration in flight finished; nothing new started.
        self.assertEqual(3, len(self.cloud.instances_on(HOST)))
        self.assertEqual('disabled', self.cloud.hosts[HOST]['status'])
        self.assertEqual(
            states.HOST_MAINTENANCE, self.dbapi.get_host(HOST)['state']
        )


class TestRunLifecycle(RunnerTestCase):
    """Every way a run ends frees its host, with the reason on record."""

    def setUp(self):
        super().setUp()
        self.config(verify_timeout=0, group='maintenance')

    def assert_freed(self, execution, state, reason_part):
        self.assertEqual(state, execution['state'])
        self.assertIn(reason_part, execution['result'])
        self.assertIsNotNone(execution['finished_at'])
        host = self.dbapi.get_host(execution['host_uuid'])
        self.assertIsNone(host['execution_uuid'])
        messages = [
            e['message']
            for e in self.dbapi.list_execution_events(execution['uuid'])
        ]
        ends = [m for m in messages if m.startswith(f'Run {state}: ')]
        self.assertEqual(1, len(ends), messages)
        self.assertIn(reason_part, ends[0])

    def test_a_host_unknown_to_the_compute_driver_fails_at_once(self):
        ghost = self.dbapi.create_host({'name': 'ghost', 'kind': 'compute'})
        execution = self.dbapi.create_execution(
            {
                'kind': 'drain',
                'state': states.EXEC_PENDING,
                'host_uuid': ghost['uuid'],
                'parameters': {'max_parallel': 1},
            }
        )
        self.dbapi.reserve_host(ghost['uuid'], execution['uuid'])
        self.assertTrue(self.runner.start(execution))
        ended = self.dbapi.get_execution(execution['uuid'])
        self.assert_freed(
            ended,
            states.EXEC_FAILED,
            'conductor test-conductor could not start it: Host ghost',
        )
        # Nothing left running, no claim left registered.
        self.assertEqual([], self.runner.running())
        self.assertEqual({}, self.runner._claims)

    def test_a_run_that_cannot_start_fails_on_resume_too(self):
        execution = self.create_run()
        self.dbapi.update_execution(
            execution['uuid'], {'conductor': 'test-conductor'}
        )
        del self.cloud.hosts[HOST]  # the compute driver forgot it
        self.runner.resume(self.dbapi.get_execution(execution['uuid']))
        self.assert_freed(
            self.dbapi.get_execution(execution['uuid']),
            states.EXEC_FAILED,
            'could not start it',
        )

    def test_a_cancelled_pending_run_closes_without_a_flow(self):
        execution = self.create_run()
        self.dbapi.update_execution(
            execution['uuid'], {'cancel_requested': True}
        )
        self.assertTrue(self.runner.start(execution))
        self.assertNotIn(execution['uuid'], self.runner._threads)
        self.assert_freed(
            self.dbapi.get_execution(execution['uuid']),
            states.EXEC_CANCELLED,
            'cancelled by request before conductor test-conductor',
        )
        self.assertEqual(4, len(self.cloud.instances_on(HOST)))

    def test_check_closed_fails_the_run_and_frees_the_host(self):
        execution = self.create_run()
        self.dbapi.update_execution(
            execution['uuid'], {'state': states.EXEC_RUNNING}
        )
        self.runner._check_closed(execution['uuid'])
        self.assert_freed(
            self.dbapi.get_execution(execution['uuid']),
            states.EXEC_FAILED,
            'the flow engine stopped without closing the run',
        )

    def test_an_executor_that_stops_nova_compute_fails_the_run(self):
        # The case: the patch stopped nova-compute and never
        # started it again. Nova says "up" for service_down_time, but no
        # heartbeat comes: the run fails, the host goes to a human.
        def stop_compute(host, arguments, timeout):
            self.cloud.hosts[HOST].update(
                heartbeat_stopped=True,
                heartbeat_at='2026-11-30T10:00:00.000000',
            )
            return driver_base.ExecutorResult(ok=True, output='stopped')

        with mock.patch(
            'fleet.drivers.executor.noop.NoopExecutor.run',
            side_effect=stop_compute,
        ):
            execution = self.run_to_end(self.create_run('drain_patch_reboot'))
        self.assert_freed(execution, states.EXEC_FAILED, 'sent no heartbeat')
        service = self.cloud.hosts[HOST]
        self.assertEqual('up', service['state'])
        self.assertEqual('disabled', service['status'])
        self.assertEqual(
            f'fleet: maintenance run {execution["uuid"]}',
            service['disabled_reason'],
        )
        host = self.dbapi.get_host(HOST)
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertIn('VerifyHost failed', host['state_reason'])
        self.assertIn('a human is needed', host['state_reason'])

    def test_force_release_mid_run_stops_it_and_keeps_the_host_out(self):
        execution = self.create_run(max_parallel=1)
        real = migration.WaitForMigration.execute
        calls = []

        @functools.wraps(real)
        def wait_then_release(task, *args, **kwargs):
            result = real(task, *args, **kwargs)
            calls.append(1)
            if len(calls) == 1:
                executions.release_host(
                    self.dbapi,
                    self.dbapi.get_host(HOST),
                    'conductor looks stuck',
                    {'source': 'api', 'actor': 'admin-user'},
                )
            return result

        with mock.patch.object(
            migration.WaitForMigration, 'execute', wait_then_release
        ):
            execution = self.run_to_end(execution)
        self.assert_freed(
            execution,
            states.EXEC_CANCELLED,
            'force-released by admin-user: conductor looks stuck',
        )
        # The flow stopped at its next check: one instance moved, the rest
        # stayed; fleet re-enabled nothing.
        self.assertEqual(3, len(self.cloud.instances_on(HOST)))
        self.assertEqual('disabled', self.cloud.hosts[HOST]['status'])
        host = self.dbapi.get_host(HOST)
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertEqual(
            'released by admin-user: conductor looks stuck',
            host['state_reason'],
        )
