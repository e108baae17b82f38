"""Whole runs through the Runner on a simulated cloud as asynchronous as
Nova, whose clock moves only when a task waits: instances in every state,
and a cancel during a migration that cannot finish."""

import fixtures

from fleet.common import states
from fleet.conductor.tasks import base as tasks_base
from fleet.conductor.tasks import migration
from fleet.drivers import fake_cloud
from fleet.tests.unit.conductor import test_engine

HOST = test_engine.HOST


class StatesRunTestCase(test_engine.RunnerTestCase):
    def setUp(self):
        self.states = ['ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED']
        super().setUp()

    def use_cloud(self, migration_seconds=3.0, **conf):
        self.config(
            instance_states=self.states,
            instances_per_host=len(self.states),
            group='fake_cloud',
        )
        fake_cloud.reset()
        self.cloud = fake_cloud.get_cloud()
        self.cloud.manual = True
        self.cloud.api_delay = 0.5
        self.cloud.migration_seconds = migration_seconds
        self.config(poll_interval=1.0, group='maintenance', **conf)
        clock = self.useFixture(
            fixtures.MockPatchObject(migration, 'time')
        ).mock
        clock.monotonic.side_effect = lambda: self.cloud.now
        clock.time.side_effect = lambda: 1000.0 + self.cloud.now
        self.ticks = []
        self.useFixture(
            fixtures.MockPatchObject(tasks_base, 'sleep', self.tick)
        )

    def tick(self, seconds):
        self.cloud.advance(seconds)
        for tick in self.ticks:
            tick()

    def on_host(self):
        return {i['uuid']: i for i in self.cloud.instances_on(HOST)}


class TestEveryState(StatesRunTestCase):
    def test_each_instance_lands_in_its_own_state(self):
        self.use_cloud()
        before = {
            u: fake_cloud.status_of(i) for u, i in self.on_host().items()
        }
        execution = self.run_to_end(
            self.create_run(
                'drain_patch_reboot', state_policies={'suspended': 'leave'}
            )
        )
        self.assertEqual(
            states.EXEC_SUCCEEDED, execution['state'], execution['result']
        )
        self.assertEqual(
            '3 of 4 instances moved', execution['result'].split(',')[0]
        )
        progress = execution['progress']['instances']
        for uuid, status in before.items():
            inst = self.cloud.instances[uuid]
            if status == 'SUSPENDED':
                self.assertEqual(HOST, inst['host'])
                self.assertEqual('left', progress[uuid]['state'])
                continue
            self.assertNotEqual(HOST, inst['host'])
            self.assertEqual(status, fake_cloud.status_of(inst))
            self.assertEqual('migrated', progress[uuid]['state'])
        cold = [
            m
            for m in self.cloud.migrations
            if m['migration_type'] == 'migration'
        ]
        self.assertEqual(['confirmed'], [m['status'] for m in cold])
        self.assertEqual('enabled', self.cloud.hosts[HOST]['status'])

    def test_a_skipped_instance_stops_a_patch_before_the_executor(self):
        self.use_cloud()
        execution = self.run_to_end(self.create_run('drain_patch_reboot'))
        self.assertEqual(states.EXEC_FAILED, execution['state'])
        self.assertIn('cannot be patched or rebooted', execution['result'])
        steps = execution['progress']['steps']
        self.assertNotIn('RunExecutor', steps)

    def test_abort_policy_refuses_before_the_host_is_disabled(self):
        self.use_cloud()
        execution = self.run_to_end(
            self.create_run(state_policies={'suspended': 'abort'})
        )
        self.assertEqual(states.EXEC_FAILED, execution['state'])
        self.assertIn('CheckInstanceStates', execution['result'])
        self.assertEqual([], self.cloud.migrations)
        self.assertEqual('enabled', self.cloud.hosts[HOST]['status'])


class TestCancelDuringAWait(StatesRunTestCase):
    def test_cancel_aborts_migrations_that_cannot_finish(self):
        self.states = ['ACTIVE', 'PAUSED', 'ACTIVE', 'ACTIVE']
        self.use_cloud(migration_seconds=100000)
        execution = self.create_run(max_parallel=2)
        planned = sorted(self.on_host())

        def cancel_once_migrating():
            running = [
                m for m in self.cloud.migrations if m['status'] == 'running'
            ]
            if len(running) == 2:
                self.dbapi.update_execution(
                    execution['uuid'], {'cancel_requested': True}
                )

        self.ticks.append(cancel_once_migrating)
        execution = self.run_to_end(execution)
        self.assertEqual(states.EXEC_CANCELLED, execution['state'])
        self.assertEqual(
            ['cancelled', 'cancelled'],
            [m['status'] for m in self.cloud.migrations],
        )
        self.assertEqual(planned, sorted(self.on_host()))
        progress = execution['progress']['instances']
        for uuid in planned:
            # Every instance's final place is on record.
            self.assertEqual(HOST, progress[uuid]['host'])
            self.assertIsNone(self.cloud.instances[uuid]['task_state'])
        self.assertEqual('enabled', self.cloud.hosts[HOST]['status'])
        self.assertIsNone(self.dbapi.get_host(HOST)['execution_uuid'])
        # Simulated seconds from the cancel to the end: a few polls.
        self.assertLess(self.cloud.now, 30)
