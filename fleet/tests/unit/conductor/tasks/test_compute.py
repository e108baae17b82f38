"""Pre-checks and nova-compute service tasks, execute() and revert()
called directly on the simulated cloud."""

from unittest import mock

from fleet.common import exception
from fleet.common import states
from fleet.conductor.tasks import base as tasks_base
from fleet.conductor.tasks import compute
from fleet.tests.unit.conductor.tasks import utils
from fleet.tests.unit.conductor.tasks.utils import HOST
from fleet.tests.unit.conductor.tasks.utils import OTHER


class TestCheckHostManaged(utils.TaskTestCase):
    def test_active_compute_passes(self):
        compute.CheckHostManaged().execute(self.uuid, HOST)
        self.assertIn(
            f'Host {HOST} is managed; nova-compute is enabled and up.',
            self.messages(),
        )

    def test_draining_and_maintenance_pass(self):
        # A resumed or repeated run finds the host in one of these.
        for state in (states.HOST_DRAINING, states.HOST_MAINTENANCE):
            self.dbapi.update_host(HOST, {'state': state})
            compute.CheckHostManaged().execute(self.uuid, HOST)

    def test_unmanaged_host_refused_with_reason(self):
        self.dbapi.update_host(
            HOST, {'state': states.HOST_UNMANAGED, 'state_reason': 'RMA 17'}
        )
        e = self.assertRaises(
            tasks_base.StepFailed,
            compute.CheckHostManaged().execute,
            self.uuid,
            HOST,
        )
        self.assertIn('is unmanaged (RMA 17)', str(e))

    def test_not_a_compute_refused(self):
        self.dbapi.create_host({'name': 'ctl-1', 'kind': 'controller'})
        e = self.assertRaises(
            tasks_base.StepFailed,
            compute.CheckHostManaged().execute,
            self.uuid,
            'ctl-1',
        )
        self.assertIn('is a controller, not a compute', str(e))

    def test_revert_changes_nothing(self):
        task = compute.CheckHostManaged()
        task.revert(utils.failure(ValueError('x')), self.uuid, HOST)
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])


class TestCheckCapacity(utils.TaskTestCase):
    def test_enough_capacity(self):
        summary = compute.CheckCapacity().execute(self.uuid, HOST, self.params)
        # Two instances of 1 vCPU / 512 MiB; two other hosts of 64 vCPUs
        # holding two such instances each.
        self.assertEqual(
            {
                'needed_vcpus': 2,
                'needed_memory_mb': 1024,
                'free_vcpus': 124,
                'free_memory_mb': 2 * (262144 - 1024),
            },
            summary,
        )
        self.assertTrue(self.messages()[-1].startswith('Capacity suffices'))

    def test_not_enough_capacity(self):
        for name in self.cloud.hosts:
            self.cloud.hosts[name]['vcpus'] = 2  # full with its own two
        e = self.assertRaises(
            tasks_base.StepFailed,
            compute.CheckCapacity().execute,
            self.uuid,
            HOST,
            self.params,
        )
        self.assertIn('need 2 vCPUs / 1024 MiB, free 0 vCPUs', str(e))

    def test_disabled_or_down_hosts_do_not_count(self):
        self.service(OTHER)['status'] = 'disabled'
        self.service('sim-compute-003')['state'] = 'down'
        self.assertRaises(
            tasks_base.StepFailed,
            compute.CheckCapacity().execute,
            self.uuid,
            HOST,
            self.params,
        )

    def test_named_target_counts_whatever_its_status(self):
        self.service(OTHER)['status'] = 'disabled'
        params = dict(self.params, target_host=OTHER)
        summary = compute.CheckCapacity().execute(self.uuid, HOST, params)
        self.assertEqual(62, summary['free_vcpus'])  # the target only

    def test_revert_changes_nothing(self):
        compute.CheckCapacity().revert(
            utils.failure(ValueError('x')), self.uuid, HOST, self.params
        )


class TestDisableComputeService(utils.TaskTestCase):
    def setUp(self):
        super().setUp()
        self.task = compute.DisableComputeService()
        self.reason = f'fleet: maintenance run {self.uuid}'

    def test_disabled_reason_names_fleet_and_run(self):
        self.assertEqual(self.reason, compute.disabled_reason(self.uuid))

    def test_execute_disables_and_drains(self):
        result = self.task.execute(self.uuid, HOST)
        self.assertEqual({'was_enabled': True, 'reason': self.reason}, result)
        self.assertEqual('disabled', self.service()['status'])
        self.assertEqual(self.reason, self.service()['disabled_reason'])
        host = self.host()
        self.assertEqual(states.HOST_DRAINING, host['state'])
        self.assertEqual(f'fleet run {self.uuid}', host['state_reason'])
        self.assertIn(
            f'nova-compute on {HOST} disabled: "{self.reason}".',
            self.messages(),
        )

    def test_execute_again_on_resume_knows_it_was_enabled(self):
        self.task.execute(self.uuid, HOST)
        # The conductor died before the result was saved: run again.
        result = self.task.execute(self.uuid, HOST)
        self.assertTrue(result['was_enabled'])

    def test_execute_on_a_service_disabled_before(self):
        self.service()['status'] = 'disabled'
        self.service()['disabled_reason'] = 'broken fan'
        result = self.task.execute(self.uuid, HOST)
        self.assertFalse(result['was_enabled'])
        self.assertEqual(self.reason, self.service()['disabled_reason'])

    def test_execute_cancelled_touches_nothing(self):
        self.cancel()
        self.assertRaises(
            tasks_base.ExecutionCancelled,
            self.task.execute,
            self.uuid,
            HOST,
        )
        self.assertEqual('enabled', self.service()['status'])
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])

    def test_revert_reenables_when_nothing_left(self):
        result = self.task.execute(self.uuid, HOST)
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('enabled', self.service()['status'])
        self.assertIsNone(self.service()['disabled_reason'])
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])
        self.assertIsNone(self.host()['state_reason'])
        self.assertIn('nova-compute re-enabled', self.messages()[-1])

    def test_revert_keeps_disabled_when_an_instance_left(self):
        result = self.task.execute(self.uuid, HOST)
        moved = self.instances()[0]
        self.dbapi.update_execution_progress(
            self.uuid, 'instances', moved, {'state': 'migrated'}
        )
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        self.assertEqual(self.reason, self.service()['disabled_reason'])
        host = self.host()
        self.assertEqual(states.HOST_MAINTENANCE, host['state'])
        self.assertIn('1 instance(s) already moved away', host['state_reason'])

    def test_revert_counts_an_instance_that_left_in_a_failed_attempt(self):
        result = self.task.execute(self.uuid, HOST)
        self.dbapi.update_execution_progress(
            self.uuid,
            'instances',
            self.instances()[0],
            {'state': 'failed', 'left_host': True},
        )
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])

    def test_revert_keeps_disabled_when_fleet_did_not_disable_it(self):
        self.service()['status'] = 'disabled'
        self.service()['disabled_reason'] = 'broken fan'
        result = self.task.execute(self.uuid, HOST)
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        host = self.host()
        self.assertEqual(states.HOST_MAINTENANCE, host['state'])
        self.assertIn('disabled before the run', host['state_reason'])

    def test_revert_keeps_a_service_someone_else_disabled_meanwhile(self):
        result = self.task.execute(self.uuid, HOST)
        # A human found a fault during the run and disabled it himself.
        self.service()['disabled_reason'] = 'ops: bad DIMM'
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        self.assertEqual('ops: bad DIMM', self.service()['disabled_reason'])
        self.assertEqual(states.HOST_MAINTENANCE, self.host()['state'])

    def test_revert_keeps_disabled_for_an_unmanaged_host(self):
        result = self.task.execute(self.uuid, HOST)
        self.dbapi.update_host(
            HOST,
            {'state': states.HOST_UNMANAGED, 'state_reason': 'patch failed'},
        )
        self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        host = self.host()
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertEqual('patch failed', host['state_reason'])
        self.assertIn('handed to a human', self.messages()[-1])

    def test_revert_of_its_failure_before_disabling_changes_nothing(self):
        # The host was left in maintenance, disabled, by an earlier run.
        self.service()['status'] = 'disabled'
        self.service()['disabled_reason'] = 'fleet: maintenance run other'
        self.dbapi.update_host(
            HOST, {'state': states.HOST_MAINTENANCE, 'state_reason': 'x'}
        )
        self.cancel()
        self.assertRaises(
            tasks_base.ExecutionCancelled,
            self.task.execute,
            self.uuid,
            HOST,
        )
        self.task.revert(
            utils.failure(tasks_base.ExecutionCancelled(execution=self.uuid)),
            self.uuid,
            HOST,
        )
        self.assertEqual('disabled', self.service()['status'])
        # Not "active" while nova-compute is disabled.
        self.assertEqual(states.HOST_MAINTENANCE, self.host()['state'])

    def test_revert_of_its_failure_after_disabling_reenables(self):
        # Nova disabled it, then the call failed (e.g. a read timeout).
        self.cloud.hosts[HOST]['status'] = 'disabled'
        self.cloud.hosts[HOST]['disabled_reason'] = self.reason
        self.task.revert(
            utils.failure(exception.ComputeError(reason='timeout')),
            self.uuid,
            HOST,
        )
        self.assertEqual('enabled', self.service()['status'])
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])

    def test_revert_never_raises_when_the_driver_fails(self):
        result = self.task.execute(self.uuid, HOST)
        with mock.patch(
            'fleet.drivers.compute.fake.FakeCompute.enable_service',
            side_effect=exception.ComputeError(reason='nova is down'),
        ):
            self.task.revert(result, self.uuid, HOST)
        self.assertEqual('disabled', self.service()['status'])
        host = self.host()
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertIn('could not restore nova-compute', host['state_reason'])

    def test_revert_never_raises_when_everything_fails(self):
        with (
            mock.patch(
                'fleet.drivers.compute.fake.FakeCompute.get_service',
                side_effect=exception.ComputeError(reason='nova is down'),
            ),
            mock.patch.object(
                self.dbapi, 'update_host', side_effect=RuntimeError('db')
            ),
        ):
            self.task.revert(
                {'was_enabled': True, 'reason': self.reason}, self.uuid, HOST
            )


class TestEnableComputeService(utils.TaskTestCase):
    def setUp(self):
        super().setUp()
        compute.DisableComputeService().execute(self.uuid, HOST)
        self.task = compute.EnableComputeService()

    def test_execute_enables_and_activates(self):
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual({'enabled': True}, result)
        self.assertEqual('enabled', self.service()['status'])
        self.assertIsNone(self.service()['disabled_reason'])
        self.assertEqual(states.HOST_ACTIVE, self.host()['state'])
        self.assertIn('enabled; host active', self.messages()[-1])

    def test_execute_leaves_a_service_a_human_disabled(self):
        self.task.compute.disable_service(HOST, 'operator: bad DIMM')
        result = self.task.execute(self.uuid, HOST, self.params)
        self.assertEqual({'enabled': False}, result)
        service = self.service()
        self.assertEqual('disabled', service['status'])
        self.assertEqual('operator: bad DIMM', service['disabled_reason'])
        host = self.host()
        self.assertEqual(states.HOST_MAINTENANCE, host['state'])
        self.assertIn('bad DIMM', host['state_reason'])
        self.assertIn('by someone else', self.messages()[-1])

    def test_reenable_false_leaves_maintenance(self):
        params = dict(self.params, reenable=False)
        result = self.task.execute(self.uuid, HOST, params)
        self.assertEqual({'enabled': False}, result)
        self.assertEqual('disabled', self.service()['status'])
        host = self.host()
        self.assertEqual(states.HOST_MAINTENANCE, host['state'])
        self.assertIn('reenable: false', host['state_reason'])

    def test_revert_changes_nothing(self):
        self.task.revert(
            utils.failure(exception.ComputeError(reason='x')),
            self.uuid,
            HOST,
            self.params,
        )
        self.assertEqual('disabled', self.service()['status'])
