"""The run lifecycle owner: each terminal path records the final state
and releases the host in ONE transaction, through finish_execution only;
forbidden transitions write nothing."""

import ast
import os
from unittest import mock

import fixtures

from fleet.common import context
from fleet.common import exception
from fleet.common import executions
from fleet.common import states
from fleet.conductor.tasks import base as tasks_base
from fleet.conductor.tasks import lifecycle
from fleet.db.sqlalchemy import api as sa_api
from fleet.tests import base as base_test
from fleet.tests.unit.conductor.tasks import utils
from fleet.tests.unit.conductor.tasks.utils import HOST


class LifecycleTestCase(utils.TaskTestCase):
    def setUp(self):
        super().setUp()
        # The only way a run frees its host is finish_execution: the
        # separate release (a second transaction) must never be used.
        self.useFixture(
            fixtures.MockPatchObject(
                sa_api.Connection,
                'release_host',
                side_effect=AssertionError('released outside finish'),
            )
        )
        self.ctx = context.RequestContext(user_id='alice', is_admin=True)
        self.rpcapi = mock.Mock()

    def new_run(self, state, **values):
        # The fixture's run holds HOST; end it first.
        self.dbapi.finish_execution(
            self.uuid,
            {'state': states.EXEC_FAILED},
            expected_states=states.EXEC_STATES,
        )
        execution = self.create_run(state=state)
        if values:
            self.dbapi.update_execution(execution['uuid'], values)
        return execution['uuid']

    def assert_ended(self, uuid, state, reason_part):
        execution = self.dbapi.get_execution(uuid)
        self.assertEqual(state, execution['state'])
        self.assertIn(reason_part, execution['result'])
        self.assertIsNotNone(execution['finished_at'])
        self.assertIsNone(self.host()['execution_uuid'])
        history = self.dbapi.list_host_history(HOST)
        self.assertEqual('release', history[0]['action'])
        self.assertEqual(
            {'old': uuid, 'new': None}, history[0]['changes']['execution_uuid']
        )
        return execution


class TestTerminalPaths(LifecycleTestCase):
    def test_end_releases_capacity_reservations(self):
        # The reservation CheckCapacity took goes in the transaction that
        # ends the run, on every terminal path (finish_execution).
        other = self.dbapi.create_execution(
            {'kind': 'drain', 'state': states.EXEC_RUNNING, 'parameters': {}}
        )
        for uuid in (self.uuid, other['uuid']):
            self.dbapi.reserve_capacity(
                uuid, HOST, lambda hosts, instances, others: {'vcpus': 2}
            )
        self.dbapi.update_execution(self.uuid, {'result': 'X: broke'})
        lifecycle.MarkExecutionRunning().revert(None, self.uuid)
        self.assert_ended(self.uuid, states.EXEC_FAILED, 'X: broke')
        with sa_api.base.reader() as session:
            left = session.execute(
                sa_api.sa.select(
                    sa_api.models.CapacityReservation.execution_uuid
                )
            ).scalars()
            self.assertEqual([other['uuid']], list(left))

    def test_succeeded(self):
        lifecycle.MarkExecutionSucceeded().execute(self.uuid)
        self.assert_ended(self.uuid, states.EXEC_SUCCEEDED, 'instances moved')

    def test_failed(self):
        self.dbapi.update_execution(self.uuid, {'result': 'X: broke'})
        lifecycle.MarkExecutionRunning().revert(None, self.uuid)
        self.assert_ended(self.uuid, states.EXEC_FAILED, 'X: broke')

    def test_cancelled(self):
        self.cancel()
        lifecycle.MarkExecutionRunning().revert(None, self.uuid)
        self.assert_ended(self.uuid, states.EXEC_CANCELLED, 'cancelled')

    def test_rejected(self):
        uuid = self.new_run(states.EXEC_AWAITING_APPROVAL)
        executions.reject(self.dbapi, self.ctx, uuid, 'not tonight')
        self.assert_ended(
            uuid, states.EXEC_REJECTED, 'rejected by alice: not tonight'
        )

    def test_not_handed_to_a_conductor(self):
        self.rpcapi.start_execution.side_effect = RuntimeError('no bus')
        self.dbapi.finish_execution(
            self.uuid, {'state': 'failed'}, expected_states=('running',)
        )
        params = dict(utils.PARAMS)
        execution = executions.create(
            self.dbapi,
            self.rpcapi,
            self.ctx,
            self.host(),
            params,
            requested_by={'user_id': 'alice'},
        )
        self.assert_ended(
            execution['uuid'],
            states.EXEC_FAILED,
            'could not be handed to a conductor: no bus',
        )
        self.assertEqual(states.EXEC_FAILED, execution['state'])

    def test_cancel_of_a_pending_run_no_conductor_took(self):
        uuid = self.new_run(states.EXEC_PENDING)
        executions.request_cancel(self.dbapi, self.rpcapi, self.ctx, uuid)
        execution = self.assert_ended(
            uuid, states.EXEC_CANCELLED, 'cancelled by alice'
        )
        self.assertTrue(execution['cancel_requested'])
        self.rpcapi.cancel_execution.assert_not_called()

    def test_cancel_of_a_pending_run_a_conductor_took(self):
        uuid = self.new_run(states.EXEC_PENDING, conductor='c1')
        execution = executions.request_cancel(
            self.dbapi, self.rpcapi, self.ctx, uuid
        )
        # Only a flag: the conductor may be starting it right now.
        self.assertEqual(states.EXEC_PENDING, execution['state'])
        self.assertTrue(execution['cancel_requested'])
        self.rpcapi.cancel_execution.assert_called_once_with(self.ctx, uuid)
        # Whoever then finds it idle closes it.
        executions.close_if_idle(self.dbapi, uuid, 'closed by c2')
        self.assert_ended(uuid, states.EXEC_CANCELLED, 'closed by c2')

    def test_cancel_of_a_running_run_is_a_request(self):
        execution = executions.request_cancel(
            self.dbapi, self.rpcapi, self.ctx, self.uuid
        )
        self.assertEqual(states.EXEC_CANCELLING, execution['state'])
        self.assertEqual(self.uuid, self.host()['execution_uuid'])
        # A flow began: only its revert may close it.
        self.assertIsNone(
            executions.close_if_idle(self.dbapi, self.uuid, 'no')
        )

    def test_force_release_of_a_host_with_a_run(self):
        host, ended = executions.release_host(
            self.dbapi,
            self.host(),
            'stuck',
            {'source': 'api', 'actor': 'alice', 'reason': 'stuck'},
        )
        self.assertEqual(self.uuid, ended['uuid'])
        execution = self.assert_ended(
            self.uuid,
            states.EXEC_CANCELLED,
            f'host {HOST} force-released by alice: stuck',
        )
        self.assertTrue(execution['cancel_requested'])
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertEqual('released by alice: stuck', host['state_reason'])
        release = self.dbapi.list_host_history(HOST)[0]
        self.assertEqual('alice', release['actor'])
        self.assertEqual('stuck', release['reason'])
        self.assertEqual(
            states.HOST_UNMANAGED, release['changes']['state']['new']
        )

    def test_force_release_of_an_orphaned_hold(self):
        # A run that ended without freeing its host (what the old
        # _check_closed did): the release clears the hold.
        self.dbapi.update_execution(self.uuid, {'state': states.EXEC_FAILED})
        host, ended = executions.release_host(
            self.dbapi, self.host(), 'orphan', {'actor': 'alice'}
        )
        self.assertIsNone(ended)
        self.assertIsNone(host['execution_uuid'])
        self.assertEqual(states.HOST_UNMANAGED, host['state'])

    def test_force_release_of_a_hold_without_a_run(self):
        # The API died between holding the host and recording the run.
        ghost = '00000000-0000-4000-8000-00000000dead'
        self.dbapi.finish_execution(
            self.uuid, {'state': 'failed'}, expected_states=('running',)
        )
        self.dbapi.reserve_host(HOST, ghost)
        host, ended = executions.release_host(
            self.dbapi, self.host(), 'orphan', {'actor': 'alice'}
        )
        self.assertIsNone(ended)
        self.assertIsNone(host['execution_uuid'])

    def test_force_release_of_a_free_host(self):
        self.dbapi.finish_execution(
            self.uuid, {'state': 'failed'}, expected_states=('running',)
        )
        host, ended = executions.release_host(
            self.dbapi, self.host(), 'check it', {'actor': 'alice'}
        )
        self.assertIsNone(ended)
        self.assertEqual(states.HOST_UNMANAGED, host['state'])


class TestOneTransaction(LifecycleTestCase):
    def test_a_failed_write_leaves_run_and_hold_as_they_were(self):
        with mock.patch.object(
            sa_api.models, 'ExecutionEvent', side_effect=RuntimeError('disk')
        ):
            self.assertRaises(
                RuntimeError,
                executions.finish,
                self.dbapi,
                self.uuid,
                states.EV_FAIL,
                'boom',
                host_values={'state': states.HOST_UNMANAGED},
            )
        execution = self.dbapi.get_execution(self.uuid)
        self.assertEqual(states.EXEC_RUNNING, execution['state'])
        self.assertIsNone(execution['finished_at'])
        host = self.host()
        self.assertEqual(self.uuid, host['execution_uuid'])
        self.assertNotEqual(states.HOST_UNMANAGED, host['state'])

    def test_a_forbidden_transition_writes_nothing(self):
        lifecycle.MarkExecutionSucceeded().execute(self.uuid)
        before = self.dbapi.get_execution(self.uuid)
        events = len(self.dbapi.list_execution_events(self.uuid))
        self.assertRaises(
            exception.InvalidState,
            executions.finish,
            self.dbapi,
            self.uuid,
            states.EV_FAIL,
            'late failure',
        )
        self.assertEqual(before, self.dbapi.get_execution(self.uuid))
        self.assertEqual(
            events, len(self.dbapi.list_execution_events(self.uuid))
        )

    def test_succeed_after_a_release_is_refused(self):
        executions.release_host(
            self.dbapi, self.host(), 'stuck', {'actor': 'alice'}
        )
        self.assertRaises(
            exception.InvalidState,
            lifecycle.MarkExecutionSucceeded().execute,
            self.uuid,
        )
        self.assertEqual(
            states.EXEC_CANCELLED,
            self.dbapi.get_execution(self.uuid)['state'],
        )

    def test_an_ended_run_does_not_start_again(self):
        lifecycle.MarkExecutionSucceeded().execute(self.uuid)
        self.assertRaises(
            exception.InvalidState,
            lifecycle.MarkExecutionRunning().execute,
            self.uuid,
        )

    def test_a_pending_run_cancelled_shows_cancelling_when_started(self):
        uuid = self.new_run(states.EXEC_PENDING, cancel_requested=True)
        self.assertRaises(
            tasks_base.ExecutionCancelled,
            lifecycle.MarkExecutionRunning().execute,
            uuid,
        )
        self.assertEqual(
            states.EXEC_CANCELLING, self.dbapi.get_execution(uuid)['state']
        )

    def test_finish_decides_again_when_the_run_moved(self):
        real = self.dbapi.finish_execution
        calls = []

        def racing(uuid, values, expected_states, **kwargs):
            if not calls:
                # A cancel lands between the read and the write.
                self.dbapi.update_execution(
                    uuid, {'state': states.EXEC_CANCELLING}
                )
            calls.append(expected_states)
            return real(uuid, values, expected_states, **kwargs)

        with mock.patch.object(
            sa_api.Connection, 'finish_execution', side_effect=racing
        ):
            executions.finish(self.dbapi, self.uuid, states.EV_FAIL, 'x')
        self.assertEqual(
            [(states.EXEC_RUNNING,), (states.EXEC_CANCELLING,)], calls
        )
        self.assertEqual(
            states.EXEC_FAILED, self.dbapi.get_execution(self.uuid)['state']
        )


class TestOneOwner(base_test.TestCase):
    """No module but fleet.common.executions writes a run's state: every
    other update_execution() call passes a literal dict without 'state'
    (finish_execution is called from nowhere else)."""

    def test_only_the_owner_writes_a_runs_state(self):
        root = os.path.dirname(os.path.dirname(executions.__file__))
        owner = os.path.abspath(executions.__file__)
        offenders = []
        checked = 0
        for directory, _dirs, files in os.walk(root):
            if os.sep + 'tests' in directory or 'db' in directory.split(
                os.sep
            ):
                continue
            for name in files:
                if not name.endswith('.py'):
                    continue
                path = os.path.abspath(os.path.join(directory, name))
                if path == owner:
                    continue
                with open(path) as f:
                    tree = ast.parse(f.read())
                for node in ast.walk(tree):
                    if not (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and node.func.attr
                        in ('update_execution', 'finish_execution')
                    ):
                        continue
                    checked += 1
                    where = f'{path}:{node.lineno}'
                    if node.func.attr == 'finish_execution':
                        offenders.append(where)
                        continue
                    values = node.args[1] if len(node.args) > 1 else None
                    if not isinstance(values, ast.Dict) or any(
                        isinstance(k, ast.Constant) and k.value == 'state'
                        for k in values.keys
                    ):
                        offenders.append(where)
        self.assertGreater(checked, 0)
        self.assertEqual([], offenders)
