"""The executor step and the host verification, called directly: a
failure of either hands the host to a human and never re-enables it."""

import itertools
from unittest import mock

import fixtures

from fleet.common import exception
from fleet.common import states
from fleet.conductor.tasks import base as tasks_base
from fleet.conductor.tasks import compute
from fleet.conductor.tasks import executor
from fleet.conductor.tasks import lifecycle
from fleet.drivers import base as driver_base
from fleet.tests.unit.conductor.tasks import utils
from fleet.tests.unit.conductor.tasks.utils import HOST
from fleet.tests.unit.conductor.tasks.utils import OTHER


class ExecutorTestCase(utils.TaskTestCase):
    def setUp(self):
        super().setUp()
        # The run so far: disabled, drained, in maintenance.
        self.disabled = compute.DisableComputeService().execute(
            self.uuid, HOST
        )
        for inst in self.cloud.instances.values():
            if inst['host'] == HOST:
                inst['host'] = OTHER
        lifecycle.MarkHostMaintenance().execute(self.uuid, HOST)

    def use_executor(self, result=None, error=None):
        driver = mock.Mock(spec=driver_base.ExecutorDriver)
        driver.name = 'script'
        driver.run.return_value = result
        driver.run.side_effect = error
        self.useFixture(
            fixtures.MockPatch(
                'fleet.drivers.factory.get_executor', return_value=driver
            )
        )
        return driver

    def stop_heartbeats(self, last='2026-11-30T10:00:00.000000'):
        """nova-compute stopped: Nova still says "up" (for
        service_down_time) but its heartbeat stays at ``last``."""
        self.service().update(heartbeat_stopped=True, heartbeat_at=last)

    def beat(self, at):
        self.service()['heartbeat_at'] = at

    def assert_handed_to_human(self, step):
        host = self.host()
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertIn(f'{step} failed', host['state_reason'])
        self.assertIn('a human is needed', host['state_reason'])
        # What DisableComputeService's revert then does: nothing.
        compute.DisableComputeService().revert(self.disabled, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        self.assertEqual(states.HOST_UNMANAGED, self.host()['state'])


class TestRunExecutor(ExecutorTestCase):
    def setUp(self):
        super().setUp()
        self.task = executor.RunExecutor()

    def test_noop_succeeds(self):
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertTrue(result['ok'])
        events = self.dbapi.list_execution_events(self.uuid)
        self.assertEqual(
            f'Running executor noop on {HOST}.', events[-2]['message']
        )
        self.assertTrue(
            events[-1]['message'].startswith('Executor noop succeeded in')
        )
        self.assertEqual(
            f'noop: nothing run on {HOST}', events[-1]['details']['output']
        )

    def test_arguments_timeout_and_facts(self):
        driver = self.use_executor(
            driver_base.ExecutorResult(
                ok=True, output='ok', details={'facts': {'kernel': '6.1'}}
            )
        )
        params = dict(
            self.params,
            executor='script',
            action='restart',
            action_parameters={'unit': 'a b; $(id) -x'},
            action_definition={
                'name': 'restart',
                'executor': 'script',
                'command': ['systemctl', 'restart', '--', '{unit}', '{host}'],
                'ssh': False,
            },
            executor_timeout=60,
        )
        self.task.execute(self.uuid, HOST, params)
        host, args, timeout = driver.run.call_args[0]
        self.assertEqual(HOST, host['name'])
        # The value is one argument, as given; the host comes from fleet.
        self.assertEqual(
            (
                {
                    'argv': [
                        'systemctl',
                        'restart',
                        '--',
                        'a b; $(id) -x',
                        HOST,
                    ],
                    'ssh': False,
                },
                60,
            ),
            (args, timeout),
        )
        self.assertEqual('6.1', self.host()['facts']['kernel'])
        events = self.dbapi.list_execution_events(self.uuid)
        self.assertIn(
            'Running action restart with executor', events[-2]['message']
        )

    def test_ad_hoc_arguments_are_not_run(self):
        # A run recorded before the catalog, with a command of its own.
        driver = self.use_executor(driver_base.ExecutorResult(ok=True))
        params = dict(
            self.params,
            executor='script',
            executor_args={'command': ['sh', '-c', 'id']},
        )
        e = self.assertRaises(
            tasks_base.StepFailed, self.task.execute, self.uuid, HOST, params
        )
        self.assertIn('catalogued action', str(e))
        self.assertFalse(driver.run.called)

    def test_output_is_bounded(self):
        self.use_executor(
            driver_base.ExecutorResult(ok=True, output='x' * 100000)
        )
        self.task.execute(self.uuid, HOST, self.params)
        output = self.dbapi.list_execution_events(self.uuid)[-1]['details'][
            'output'
        ]
        self.assertEqual(tasks_base.MAX_OUTPUT + len('[...]\n'), len(output))

    def test_failure_names_the_last_line(self):
        self.use_executor(
            driver_base.ExecutorResult(
                ok=False, output='step 1\nE: package conflict\n'
            )
        )
        e = self.assertRaises(
            tasks_base.StepFailed,
            self.task.execute,
            self.uuid,
            HOST,
            self.params,
        )
        self.assertIn('executor script: E: package conflict', str(e))
        event = self.dbapi.list_execution_events(self.uuid)[-1]
        self.assertEqual('error', event['level'])

    def test_cancelled_runs_nothing(self):
        driver = self.use_executor()
        self.cancel()
        self.assertRaises(
            tasks_base.ExecutionCancelled,
            self.task.execute,
            self.uuid,
            HOST,
            self.params,
        )
        driver.run.assert_not_called()

    def test_revert_of_a_failure_hands_the_host_to_a_human(self):
        self.use_executor(driver_base.ExecutorResult(ok=False, output='E'))
        e = self.assertRaises(
            tasks_base.StepFailed,
            self.task.execute,
            self.uuid,
            HOST,
            self.params,
        )
        self.task.revert(utils.failure(e), self.uuid, HOST, self.params)
        self.assert_handed_to_human('RunExecutor')
        self.assertIn('handed to a human', self.messages()[-2])

    def test_revert_of_a_driver_error_hands_the_host_to_a_human(self):
        self.use_executor(
            error=exception.DriverLoadError(
                name='script', namespace='fleet.executor', reason='bad'
            )
        )
        e = self.assertRaises(
            exception.DriverLoadError,
            self.task.execute,
            self.uuid,
            HOST,
            self.params,
        )
        self.task.revert(utils.failure(e), self.uuid, HOST, self.params)
        self.assert_handed_to_human('RunExecutor')

    def test_revert_of_a_cancel_touches_nothing(self):
        self.task.revert(
            utils.failure(tasks_base.ExecutionCancelled(execution=self.uuid)),
            self.uuid,
            HOST,
            self.params,
        )
        self.assertEqual(states.HOST_MAINTENANCE, self.host()['state'])

    def test_revert_of_a_success_touches_nothing(self):
        result = self.task.execute(self.uuid, HOST, self.params)
        self.task.revert(result, self.uuid, HOST, self.params)
        self.assertEqual(states.HOST_MAINTENANCE, self.host()['state'])

    def test_revert_never_raises(self):
        with mock.patch.object(
            tasks_base.MaintenanceTask,
            'update_host_state',
            side_effect=RuntimeError('db'),
        ):
            self.task.revert(
                utils.failure(ValueError('x')), self.uuid, HOST, self.params
            )

    def test_rerun_after_a_crash_runs_the_executor_again(self):
        # Documented: a conductor that died during this step runs it again
        # on resume, so playbooks and commands must be idempotent.
        driver = self.use_executor(driver_base.ExecutorResult(ok=True))
        self.task.execute(self.uuid, HOST, self.params)
        self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual(2, driver.run.call_count)
        self.assertIn('idempotent', executor.RunExecutor.__doc__)


class TestVerifyHost(ExecutorTestCase):
    def setUp(self):
        super().setUp()
        self.task = executor.VerifyHost()

    def test_a_heartbeat_after_the_step_verifies(self):
        self.stop_heartbeats()
        self.sleep.side_effect = lambda s: self.beat(
            '2026-11-30T10:00:10.000000'
        )
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual('2026-11-30T10:00:10', result['heartbeat'])
        self.assertEqual('up', result['service_state'])
        self.assertIsNone(result['restart'])
        self.assertEqual(
            f'Host {HOST} verified: nova-compute up with a heartbeat at '
            f'2026-11-30T10:00:10 after the executor step.',
            self.messages()[-1],
        )

    def test_up_but_no_new_heartbeat_fails(self):
        # The case: the executor stopped nova-compute; Nova still
        # reports it "up" but it never beats again.
        self.stop_heartbeats()
        clock = self.useFixture(
            fixtures.MockPatchObject(executor, 'time')
        ).mock
        clock.monotonic.side_effect = itertools.count(0, 10)
        e = self.assertRaises(
            tasks_base.StepFailed,
            self.task.execute,
            self.uuid,
            HOST,
            self.params,
        )
        self.assertIn(
            f'nova-compute on {HOST} sent no heartbeat after the executor '
            f'step within 30 s (last heartbeat 2026-11-30T10:00:00, state '
            f'up): the host did not come back',
            str(e),
        )
        self.assertEqual('up', self.service()['state'])

    def test_an_older_heartbeat_does_not_count(self):
        self.stop_heartbeats('2026-11-30T10:00:10.000000')
        beats = iter(
            ['2026-11-30T10:00:05.000000', '2026-11-30T10:00:20.000000']
        )
        self.sleep.side_effect = lambda s: self.beat(next(beats))
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual('2026-11-30T10:00:20', result['heartbeat'])
        self.assertEqual(2, self.sleep.call_count)

    def test_waits_for_nova_compute(self):
        self.service().update(state='down', heartbeat_at=None)
        self.sleep.side_effect = lambda s: self.service().update(state='up')
        self.config(poll_interval=5, group='maintenance')
        self.task.execute(self.uuid, HOST, self.params)
        self.sleep.assert_called_once_with(5)

    def test_not_up_in_time(self):
        self.service()['state'] = 'down'
        clock = self.useFixture(
            fixtures.MockPatchObject(executor, 'time')
        ).mock
        clock.monotonic.side_effect = itertools.count(0, 10)
        e = self.assertRaises(
            tasks_base.StepFailed,
            self.task.execute,
            self.uuid,
            HOST,
            self.params,
        )
        self.assertIn('last heartbeat never, state down', str(e))

    def executor_step(self, started, finished):
        self.dbapi.update_execution_progress(
            self.uuid,
            'steps',
            'RunExecutor',
            {'started_at': started, 'finished_at': finished},
        )

    def test_reboot_needs_a_boot_after_the_step_began(self):
        self.executor_step('2026-11-30T10:00:00Z', '2026-11-30T10:05:00Z')
        params = dict(self.params, action='reboot')
        self.dbapi.update_host(
            HOST, {'facts': {'boot_time': '2026-11-29T08:00:00Z'}}
        )
        e = self.assertRaises(
            tasks_base.StepFailed, self.task.execute, self.uuid, HOST, params
        )
        self.assertIn(
            'was to reboot sim-compute-001 but it last booted at '
            '2026-11-29T08:00:00, before the step began',
            str(e),
        )
        self.dbapi.update_host(
            HOST, {'facts': {'boot_time': '2026-11-30T10:03:00Z'}}
        )
        result = self.task.execute(self.uuid, HOST, params)
        self.assertEqual('rebooted at 2026-11-30T10:03:00', result['restart'])

    def test_a_possible_reboot_that_did_not_happen_is_fine(self):
        # dnf-update reboots only when the update needs it.
        self.executor_step('2026-11-30T10:00:00Z', '2026-11-30T10:05:00Z')
        params = dict(
            self.params,
            action='dnf-update',
            action_parameters={'reboot': True},
        )
        self.dbapi.update_host(
            HOST, {'facts': {'boot_time': '2026-11-29T08:00:00Z'}}
        )
        result = self.task.execute(self.uuid, HOST, params)
        self.assertEqual(
            'not rebooted (last boot 2026-11-29T08:00:00)', result['restart']
        )

    def test_reboot_seen_as_the_service_going_down(self):
        self.executor_step('2026-11-30T10:00:00Z', '2026-11-30T10:05:00Z')
        params = dict(self.params, action='reboot')
        self.service().update(state='down', heartbeat_at=None)
        self.sleep.side_effect = lambda s: self.service().update(state='up')
        result = self.task.execute(self.uuid, HOST, params)
        self.assertEqual(
            'nova-compute was seen down, then back up', result['restart']
        )

    def test_reboot_without_evidence_is_recorded(self):
        params = dict(self.params, action='reboot')
        self.stop_heartbeats()
        self.sleep.side_effect = lambda s: self.beat(
            '2026-11-30T10:00:10.000000'
        )
        result = self.task.execute(self.uuid, HOST, params)
        self.assertEqual('restart not observable', result['restart'])
        self.assertIn(
            'no evidence of a restart is available', self.messages()[-2]
        )

    def test_expected_facts(self):
        self.dbapi.update_host(HOST, {'facts': {'kernel': '6.1'}})
        params = dict(self.params, expected_facts={'kernel': '6.1'})
        self.task.execute(self.uuid, HOST, params)
        self.assertIn("facts ['kernel'] as expected", self.messages()[-1])
        params = dict(self.params, expected_facts={'kernel': '6.2'})
        e = self.assertRaises(
            tasks_base.StepFailed, self.task.execute, self.uuid, HOST, params
        )
        self.assertIn("kernel='6.1' (expected '6.2')", str(e))

    def test_revert_of_a_failure_hands_the_host_to_a_human(self):
        self.task.revert(
            utils.failure(
                tasks_base.StepFailed(step='VerifyHost', reason='down')
            ),
            self.uuid,
            HOST,
            self.params,
        )
        self.assert_handed_to_human('VerifyHost')

    def test_revert_of_a_success_touches_nothing(self):
        self.stop_heartbeats()
        self.sleep.side_effect = lambda s: self.beat(
            '2026-11-30T10:00:10.000000'
        )
        self.stop_heartbeats()
        self.sleep.side_effect = lambda s: self.beat(
            '2026-11-30T10:00:10.000000'
        )
        result = self.task.execute(self.uuid, HOST, self.params)
        self.task.revert(result, self.uuid, HOST, self.params)
        self.assertEqual(states.HOST_MAINTENANCE, self.host()['state'])

    def test_revert_never_raises(self):
        with mock.patch.object(
            tasks_base.MaintenanceTask,
            'update_host_state',
            side_effect=RuntimeError('db'),
        ):
            self.task.revert(
                utils.failure(ValueError('x')), self.uuid, HOST, self.params
            )
