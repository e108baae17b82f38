"""``openstack fleet maintenance start`` and ``fleet execution ...`` end
to end. No conductor runs here: the tests play its part by writing the
run's progress and end into the database while the command waits."""

import json
import os

import fixtures

from fleet.tests.unit.cli import base


class TestExecutionCommands(base.CLITestCase):
    def setUp(self):
        super().setUp()
        self.host = self.create_host(name='c1', kind='compute')

    def start(self, *args):
        return self.openstack_json(
            'fleet', 'maintenance', 'start', 'c1', *args
        )

    def test_start_list_show(self):
        run = self.start('--max-parallel', '2', '--on-failure', 'skip')
        self.assertEqual('pending', run['state'])
        self.assertEqual(self.host['uuid'], run['host_uuid'])
        self.assertEqual(2, run['parameters']['max_parallel'])
        self.assertEqual(
            'skip', run['parameters']['on_instance_failure']['then']
        )
        runs = self.openstack_json('fleet', 'execution', 'list')
        self.assertEqual([run['uuid']], [r['UUID'] for r in runs])
        runs = self.openstack_json(
            'fleet', 'execution', 'list', '--host', 'c1', '--state', 'pending'
        )
        self.assertEqual(1, len(runs))
        shown = self.openstack_json('fleet', 'execution', 'show', run['uuid'])
        self.assertEqual(run['uuid'], shown['uuid'])
        self.assertIn('Run requested by', shown['events'][0]['message'])

    def test_start_with_state_policies(self):
        run = self.start(
            '--state-policy', 'error=leave', '--state-policy', 'shelved=skip'
        )
        policies = run['parameters']['state_policies']
        self.assertEqual('leave', policies['error'])
        self.assertEqual('skip', policies['shelved'])
        self.assertEqual('skip', policies['suspended'])  # server default

    def test_show_table_has_progress_lines(self):
        run = self.start()
        self.dbapi.update_execution_progress(
            run['uuid'], 'instances', 'i-1',
            {'name': 'vm1', 'state': 'migrated', 'destination': 'c2'},
        )  # fmt: skip
        self.dbapi.update_execution_progress(
            run['uuid'], 'instances', 'i-2',
            {'name': 'vm2', 'state': 'failed', 'error': 'no valid\nhost'},
        )  # fmt: skip
        self.dbapi.update_execution(
            run['uuid'], {'state': 'running', 'current_step': 'Migrate'}
        )
        out, _ = self.openstack('fleet', 'execution', 'show', run['uuid'])
        self.assertIn('1/2 instances moved (failed: 1)', out)
        self.assertIn('vm1: migrated -> c2', out)
        self.assertIn('vm2: failed (no valid host)', out)
        self.assertIn('Run requested by', out)
        out, _ = self.openstack('fleet', 'execution', 'list', '--long')
        self.assertIn('1/2 instances moved (failed: 1)', out)
        shown = self.openstack_json('fleet', 'execution', 'show', run['uuid'])
        self.assertEqual(
            {'total': 2, 'moved': 1},
            {
                k: shown['progress']['instances_summary'][k]
                for k in ('total', 'moved')
            },
        )
        self.assertEqual('c2', shown['instances']['i-1']['destination'])

    def test_cancel(self):
        run = self.start()
        cancelled = self.openstack_json(
            'fleet', 'execution', 'cancel', run['uuid']
        )
        self.assertTrue(cancelled['cancel_requested'])

    def test_errors_are_one_line(self):
        self.start()
        _, err = self.openstack('fleet', 'maintenance', 'start', 'c1', rc=1)
        self.assert_one_line_error(err, 'HTTP 409')
        self.create_host(name='sw1', kind='switch')
        _, err = self.openstack('fleet', 'maintenance', 'start', 'sw1', rc=1)
        self.assert_one_line_error(
            err, 'only compute hosts can be drained', 'HTTP 400'
        )
        _, err = self.openstack(
            'fleet', 'execution', 'show', 'not-a-uuid', rc=1
        )
        self.assert_one_line_error(err, 'not-a-uuid', 'HTTP 400')

    def _play_conductor(self, steps):
        """Each poll's sleep applies the next of ``steps`` to the run."""
        steps = list(steps)

        def sleep(seconds):
            if steps:
                steps.pop(0)()

        self.useFixture(
            fixtures.MonkeyPatch('fleet.cli.v1.execution._sleep', sleep)
        )

    def _run_uuid(self):
        return self.dbapi.list_executions(
            filters={}, limit=10, marker=None, sort_key='id', sort_dir='asc'
        )[-1]['uuid']

    def _steps(self, final_state, result):
        def running():
            uuid = self._run_uuid()
            self.dbapi.update_execution(
                uuid,
                {'state': 'running', 'current_step': 'LiveMigrateInstance'},
            )
            for i in (1, 2, 3):
                self.dbapi.update_execution_progress(
                    uuid, 'instances', f'i-{i}', {'state': 'migrating'}
                )

        def moved_one():
            uuid = self._run_uuid()
            self.dbapi.update_execution_progress(
                uuid, 'instances', 'i-1', {'state': 'migrated'}
            )
            self.dbapi.add_execution_event(
                uuid, 'Instance i-1 moved to c2.', step='WaitForMigration'
            )

        def end():
            self.dbapi.update_execution(
                self._run_uuid(),
                {'state': final_state, 'result': result, 'current_step': None},
            )

        return [running, moved_one, end]

    def test_wait_success(self):
        self._play_conductor(self._steps('succeeded', '3 of 3 moved'))
        out, err = self.openstack(
            'fleet', 'maintenance', 'start', 'c1', '--wait',
            '--poll-interval', '0', '-f', 'json',
        )  # fmt: skip
        run = json.loads(out)
        self.assertEqual('succeeded', run['state'])
        lines = err.splitlines()
        self.assertIn('Admitted: every disruption budget has room.', lines[1])
        self.assertIn('pending, 0/0 instances moved', lines[2])
        self.assertTrue(
            any(
                'running: LiveMigrateInstance, 0/3 instances moved '
                '(migrating: 3)' in line
                for line in lines
            ),
            err,
        )
        self.assertIn('[WaitForMigration] Instance i-1 moved to c2.', err)
        self.assertIn('1/3 instances moved (migrating: 2)', err)
        self.assertTrue(
            lines[-1].endswith(
                'succeeded, 1/3 instances moved (migrating: 2)'
            ),
            err,
        )

    def test_wait_failure_exits_non_zero_with_reason(self):
        self._play_conductor(
            self._steps('failed', 'Instance i-2 could not\nbe moved')
        )
        _, err = self.openstack(
            'fleet', 'maintenance', 'start', 'c1', '--wait',
            '--poll-interval', '0', rc=1,
        )  # fmt: skip
        self.assertNotIn('Traceback', err)
        last = err.splitlines()[-1]
        self.assertRegex(
            last,
            r'^Maintenance of c1 failed: Instance i-2 could not be moved '
            r'\(execution [0-9a-f-]{36}\)\.$',
        )

    def test_wait_timeout(self):
        self._play_conductor([])
        _, err = self.openstack(
            'fleet', 'maintenance', 'start', 'c1', '--wait',
            '--poll-interval', '0', '--timeout', '0.01', rc=1,
        )  # fmt: skip
        self.assertIn('Gave up waiting after 0.01 s', err.splitlines()[-1])


class TestActionCommands(base.CLITestCase):
    def setUp(self):
        super().setUp()
        self.create_host(name='c1', kind='compute')
        # A catalog of the one action the default executors can run (the
        # in-process API would log the shipped ansible examples as
        # unusable onto the command's stderr).
        directory = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(directory, 'a.yaml'), 'w') as f:
            f.write('noop: {executor: noop}\n')
        self.config(actions_dir=directory, group='executor')

    def test_list_and_show(self):
        actions = self.openstack_json('fleet', 'action', 'list')
        self.assertEqual(['noop'], [a['Name'] for a in actions])
        shown = self.openstack_json('fleet', 'action', 'show', 'noop')
        self.assertEqual('noop', shown['executor'])
        _, err = self.openstack('fleet', 'action', 'show', 'rm-rf', rc=1)
        self.assert_one_line_error(err, 'HTTP 404')

    def test_start_with_an_action(self):
        run = self.openstack_json(
            'fleet', 'maintenance', 'start', 'c1', '--action', 'noop'
        )
        self.assertEqual('drain_patch_reboot', run['kind'])
        self.assertEqual('noop', run['parameters']['action'])

    def test_undeclared_parameter(self):
        _, err = self.openstack(
            'fleet', 'maintenance', 'start', 'c1',
            '--action', 'noop', '--action-parameter', 'cmd=id',
            rc=1,
        )  # fmt: skip
        self.assert_one_line_error(err, 'HTTP 400')
        self.assertIn('cmd', err)

    def test_parameter_needs_an_action(self):
        _, err = self.openstack(
            'fleet', 'maintenance', 'start', 'c1',
            '--action-parameter', 'x=1',
            rc=1,
        )  # fmt: skip
        self.assertIn('--action', err)
