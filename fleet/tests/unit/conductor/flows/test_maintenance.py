"""Shape of the maintenance flows: exact requires / provides, lanes."""

from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow

from fleet.conductor.flows import maintenance
from fleet.tests import base

UUIDS = [f'00000000-0000-4000-8000-00000000000{i}' for i in range(5)]
PARAMS = {
    'max_parallel': 2,
    'on_instance_failure': {'retries': 1, 'then': 'abort'},
}


class TestMaintenanceFlow(base.TestCase):
    def test_drain_requires_provides(self):
        flow = maintenance.get_maintenance_flow('e1', 'drain', UUIDS, PARAMS)
        self.assertIsInstance(flow, linear_flow.Flow)
        self.assertEqual(
            {'execution_uuid', 'host_name', 'params'}, set(flow.requires)
        )
        expected = {
            'capacity',
            'instance_plan',
            'service_disabled',
            'drained',
            'service_enabled',
        }
        for uuid in UUIDS:
            expected |= {
                f'attempt_{uuid}',
                f'started_{uuid}',
                f'migrated_{uuid}',
            }
        self.assertEqual(expected, set(flow.provides))

    def test_instance_states_are_checked_before_the_host_is_disabled(self):
        flow = maintenance.get_maintenance_flow('e1', 'drain', UUIDS, PARAMS)
        names = [atom.name for atom, _ in flow.iter_nodes()]
        self.assertEqual(['CheckHostManaged', 'pre-checks'], names[1:3])
        self.assertEqual('DisableComputeService', names[3])
        checks = next(
            a for a, _ in flow.iter_nodes() if a.name == 'pre-checks'
        )
        self.assertIsInstance(checks, unordered_flow.Flow)
        self.assertEqual(
            {'CheckCapacity', 'CheckInstanceStates'},
            {atom.name for atom, _ in checks.iter_nodes()},
        )

    def test_drain_patch_reboot_adds_executor_and_verify(self):
        flow = maintenance.get_maintenance_flow(
            'e1', 'drain_patch_reboot', [], PARAMS
        )
        self.assertEqual(
            {'execution_uuid', 'host_name', 'params'}, set(flow.requires)
        )
        self.assertEqual(
            {
                'capacity',
                'service_disabled',
                'drained',
                'executor_result',
                'host_verified',
                'reaudit',
                'service_enabled',
            },
            set(flow.provides),
        )
        names = [atom.name for atom, _ in flow.iter_nodes()]
        self.assertNotIn('CheckInstanceStates', names)  # nothing to move
        self.assertEqual('MarkExecutionRunning', names[0])
        self.assertEqual('MarkExecutionSucceeded', names[-1])
        self.assertLess(names.index('RunExecutor'), names.index('VerifyHost'))
        # The re-audit judges the patched host before it is re-enabled.
        self.assertLess(names.index('VerifyHost'), names.index('ReauditHost'))
        self.assertLess(
            names.index('ReauditHost'), names.index('EnableComputeService')
        )

    def test_unknown_kind(self):
        self.assertRaises(
            ValueError,
            maintenance.get_maintenance_flow,
            'e1',
            'reboot',
            [],
            PARAMS,
        )

    def test_lanes_bound_parallelism(self):
        self.assertEqual(
            [UUIDS[0::2], UUIDS[1::2]], maintenance.lanes(UUIDS, 2)
        )
        self.assertEqual([UUIDS[:1]], maintenance.lanes(UUIDS[:1], 4))
        flow = maintenance.get_migrate_instances_flow(UUIDS, PARAMS)
        self.assertEqual(2, len(flow))

    def test_instance_subflow(self):
        flow = maintenance.get_instance_migration_subflow(UUIDS[0], PARAMS)
        self.assertEqual(
            {'execution_uuid', 'host_name', 'params'}, set(flow.requires)
        )
        self.assertEqual(
            {
                f'attempt_{UUIDS[0]}',
                f'started_{UUIDS[0]}',
                f'migrated_{UUIDS[0]}',
            },
            set(flow.provides),
        )
        # retries 1, then abort: two live attempts, no fallback.
        self.assertEqual(2, flow.retry._attempts)
        skip = dict(PARAMS, on_instance_failure={'retries': 0, 'then': 'skip'})
        flow = maintenance.get_instance_migration_subflow(UUIDS[0], skip)
        self.assertEqual(2, flow.retry._attempts)
