"""Tasks that open and close a run, called directly."""

from unittest import mock

from fleet.common import exception
from fleet.common import states
from fleet.conductor.tasks import base as tasks_base
from fleet.conductor.tasks import lifecycle
from fleet.tests.unit.conductor.tasks import utils
from fleet.tests.unit.conductor.tasks.utils import HOST


class TestMarkExecutionRunning(utils.TaskTestCase):
    def setUp(self):
        super().setUp()
        self.task = lifecycle.MarkExecutionRunning()
        self.dbapi.update_execution(self.uuid, {'state': states.EXEC_PENDING})

    def get(self):
        return self.dbapi.get_execution(self.uuid)

    def test_pending_to_running(self):
        self.task.execute(self.uuid)
        execution = self.get()
        self.assertEqual(states.EXEC_RUNNING, execution['state'])
        self.assertEqual('MarkExecutionRunning', execution['current_step'])
        self.assertIsNotNone(execution['started_at'])
        self.assertEqual(['Run started.'], self.messages())

    def test_resumed_run_keeps_its_start(self):
        self.task.execute(self.uuid)
        started = self.get()['started_at']
        self.task.execute(self.uuid)
        self.assertEqual(states.EXEC_RUNNING, self.get()['state'])
        self.assertEqual(started, self.get()['started_at'])

    def test_cancelled_before_start(self):
        self.dbapi.update_execution(
            self.uuid,
            {'state': states.EXEC_CANCELLING, 'cancel_requested': True},
        )
        self.assertRaises(
            tasks_base.ExecutionCancelled, self.task.execute, self.uuid
        )
        self.assertEqual(states.EXEC_CANCELLING, self.get()['state'])

    def test_final_run_refused(self):
        self.dbapi.update_execution(
            self.uuid, {'state': states.EXEC_CANCELLED}
        )
        self.assertRaises(exception.InvalidState, self.task.execute, self.uuid)
        self.assertEqual(states.EXEC_CANCELLED, self.get()['state'])

    def test_revert_fails_the_run_and_releases_the_host(self):
        self.task.execute(self.uuid)
        self.dbapi.update_host(
            HOST,
            {'state': states.HOST_MAINTENANCE, 'state_reason': 'drained'},
        )
        self.task.revert(utils.failure(ValueError('boom')), self.uuid)
        execution = self.get()
        self.assertEqual(states.EXEC_FAILED, execution['state'])
        self.assertEqual('a step failed', execution['result'])
        self.assertIsNone(execution['current_step'])
        self.assertIsNotNone(execution['finished_at'])
        self.assertIsNone(self.host()['execution_uuid'])
        self.assertEqual(
            f'Run failed: a step failed. Host {HOST} is maintenance '
            f'(drained).',
            self.messages()[-1],
        )

    def test_revert_keeps_the_failing_step_as_result(self):
        # The engine's listener records which step failed.
        self.dbapi.update_execution(
            self.uuid, {'result': 'CheckCapacity: not enough capacity'}
        )
        self.task.revert({'ok': True}, self.uuid)
        self.assertEqual(
            'CheckCapacity: not enough capacity', self.get()['result']
        )

    def test_revert_of_a_cancelled_run(self):
        self.task.execute(self.uuid)
        self.cancel()
        self.task.revert(
            utils.failure(tasks_base.ExecutionCancelled(execution=self.uuid)),
            self.uuid,
        )
        execution = self.get()
        self.assertEqual(states.EXEC_CANCELLED, execution['state'])
        self.assertEqual('cancelled by request', execution['result'])
        self.assertIsNone(self.host()['execution_uuid'])

    def test_revert_leaves_a_closed_run_alone(self):
        self.dbapi.update_execution(
            self.uuid, {'state': states.EXEC_SUCCEEDED, 'result': 'done'}
        )
        self.task.revert(utils.failure(ValueError('x')), self.uuid)
        self.assertEqual(states.EXEC_SUCCEEDED, self.get()['state'])
        self.assertEqual('done', self.get()['result'])

    def test_revert_never_raises(self):
        with mock.patch.object(
            self.dbapi, 'get_execution', side_effect=RuntimeError('db gone')
        ):
            self.task.revert(utils.failure(ValueError('x')), self.uuid)


class TestMarkHostMaintenance(utils.TaskTestCase):
    def test_execute(self):
        lifecycle.MarkHostMaintenance().execute(self.uuid, HOST)
        host = self.host()
        self.assertEqual(states.HOST_MAINTENANCE, host['state'])
        self.assertEqual(
            f'drained by fleet run {self.uuid}', host['state_reason']
        )
        self.assertEqual(
            f'Host {HOST} is in maintenance.', self.messages()[-1]
        )

    def test_revert_changes_nothing(self):
        task = lifecycle.MarkHostMaintenance()
        task.execute(self.uuid, HOST)
        task.revert(None, self.uuid, HOST)
        self.assertEqual(states.HOST_MAINTENANCE, self.host()['state'])


class TestMarkExecutionSucceeded(utils.TaskTestCase):
    def test_execute_summarises_and_releases(self):
        for uuid, state in (
            ('a', 'migrated'),
            ('b', 'already_moved'),
            ('c', 'skipped'),
        ):
            self.dbapi.update_execution_progress(
                self.uuid, 'instances', uuid, {'state': state}
            )
        lifecycle.MarkExecutionSucceeded().execute(self.uuid)
        execution = self.dbapi.get_execution(self.uuid)
        self.assertEqual(states.EXEC_SUCCEEDED, execution['state'])
        self.assertEqual(
            '2 of 3 instances moved, 1 skipped (left on the host)',
            execution['result'],
        )
        self.assertIsNone(execution['current_step'])
        self.assertIsNotNone(execution['finished_at'])
        self.assertIsNone(self.host()['execution_uuid'])
        self.assertEqual(
            'Run succeeded: 2 of 3 instances moved, 1 skipped (left on the '
            'host).',
            self.messages()[-1],
        )

    def test_empty_host(self):
        lifecycle.MarkExecutionSucceeded().execute(self.uuid)
        self.assertEqual(
            '0 of 0 instances moved',
            self.dbapi.get_execution(self.uuid)['result'],
        )

    def test_revert_changes_nothing(self):
        lifecycle.MarkExecutionSucceeded().revert(
            utils.failure(ValueError('x')), self.uuid
        )
        self.assertEqual(
            states.EXEC_RUNNING, self.dbapi.get_execution(self.uuid)['state']
        )
