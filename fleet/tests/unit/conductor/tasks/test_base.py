"""What every maintenance task shares: history, cancel, host state."""

from unittest import mock

from fleet.common import states
from fleet.conductor.tasks import base as tasks_base
from fleet.tests import base
from fleet.tests.unit.conductor.tasks import utils
from fleet.tests.unit.conductor.tasks.utils import HOST


class Step(tasks_base.MaintenanceTask):
    def execute(self, execution_uuid):
        pass


class TestMaintenanceTask(utils.TaskTestCase):
    def test_name_and_step(self):
        self.assertEqual('Step', Step().name)
        self.assertEqual('Step', Step().step_name)
        self.assertEqual('x', Step(name='x').name)

    def test_event_recorded_with_step(self):
        Step().event(self.uuid, 'hello', level='warning', details={'a': 1})
        event = self.dbapi.list_execution_events(self.uuid)[-1]
        self.assertEqual(
            ('hello', 'warning', 'Step', {'a': 1}),
            (
                event['message'],
                event['level'],
                event['step'],
                event['details'],
            ),
        )

    def test_event_never_fails_the_step(self):
        with mock.patch.object(
            self.dbapi, 'add_execution_event', side_effect=RuntimeError('db')
        ):
            Step().event(self.uuid, 'hello')

    def test_progress_never_fails_the_step(self):
        with mock.patch.object(
            self.dbapi,
            'update_execution_progress',
            side_effect=RuntimeError('db'),
        ):
            Step().progress(self.uuid, 'instances', 'i', state='x')

    def test_check_cancel(self):
        Step().check_cancel(self.uuid)
        self.cancel()
        self.assertRaises(
            tasks_base.ExecutionCancelled, Step().check_cancel, self.uuid
        )

    def test_update_host_state_keeps(self):
        step = Step()
        step.update_host_state(HOST, states.HOST_UNMANAGED, 'human')
        step.update_host_state(
            HOST, states.HOST_ACTIVE, None, keep=(states.HOST_UNMANAGED,)
        )
        self.assertEqual(states.HOST_UNMANAGED, self.host()['state'])
        self.assertEqual('human', self.host()['state_reason'])

    def test_update_host_state_never_raises(self):
        Step().update_host_state('no-such-host', states.HOST_ACTIVE)

    def test_is_failure(self):
        self.assertTrue(tasks_base.is_failure(utils.failure(ValueError())))
        self.assertFalse(tasks_base.is_failure({'ok': True}))
        self.assertFalse(tasks_base.is_failure(None))


class TestSleep(base.TestCase):
    def test_sleep_waits_only_for_a_positive_time(self):
        with mock.patch.object(tasks_base.time, 'sleep') as sleep:
            tasks_base.sleep(0)
            sleep.assert_not_called()
            tasks_base.sleep(0.5)
            sleep.assert_called_once_with(0.5)
