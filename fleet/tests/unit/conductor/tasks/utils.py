"""Shared set-up of the maintenance task tests.

Each test calls a task's ``execute()`` / ``revert()`` directly, as the
engine would, on the simulated cloud (``[fake_cloud] migration_seconds =
0``: a migration is over when the call returns) and the SQLite database;
``fleet.conductor.tasks.base.sleep`` is replaced, so nothing ever waits.

Usage::

    class TestMyTask(utils.TaskTestCase):
        def test_it(self):
            task = compute.DisableComputeService()
            task.execute(self.uuid, utils.HOST)
            self.assertEqual('disabled', self.service()['status'])
"""

import fixtures
from taskflow.types import failure as tf_failure

from fleet.common import states
from fleet.conductor.tasks import base as tasks_base
from fleet.drivers import fake_cloud
from fleet.tests import base

HOST = 'sim-compute-001'
OTHER = 'sim-compute-002'

PARAMS = {
    'kind': 'drain',
    'executor': 'noop',
    'executor_args': {},
    'max_parallel': 2,
    'on_instance_failure': {'retries': 1, 'then': 'abort'},
    'target_host': None,
    'reenable': True,
    'expected_facts': {},
}


def failure(exc):
    """A TaskFlow Failure of ``exc``, as the engine hands it to revert."""
    try:
        raise exc
    except Exception:
        return tf_failure.Failure()


class TaskTestCase(base.DbTestCase):
    """Three simulated computes with two instances each, the same hosts
    in fleet's database, and one run holding :data:`HOST`."""

    def setUp(self):
        super().setUp()
        self.config(hosts=3, instances_per_host=2, group='fake_cloud')
        self.config(
            poll_interval=0,
            migration_timeout=30,
            verify_timeout=30,
            group='maintenance',
        )
        self.sleep = self.useFixture(
            fixtures.MockPatchObject(tasks_base, 'sleep')
        ).mock
        self.cloud = fake_cloud.get_cloud()
        for name in self.cloud.hosts:
            self.dbapi.create_host({'name': name, 'kind': 'compute'})
        self.execution = self.create_run()
        self.uuid = self.execution['uuid']

    def create_run(self, state=states.EXEC_RUNNING, **params):
        host = self.dbapi.get_host(HOST)
        execution = self.dbapi.create_execution(
            {
                'kind': params.get('kind', 'drain'),
                'state': state,
                'host_uuid': host['uuid'],
                'parameters': dict(PARAMS, **params),
            }
        )
        self.dbapi.reserve_host(host['uuid'], execution['uuid'])
        return execution

    @property
    def params(self):
        return self.dbapi.get_execution(self.uuid)['parameters']

    def service(self, host=HOST):
        return self.cloud.hosts[host]

    def host(self, name=HOST):
        return self.dbapi.get_host(name)

    def instances(self, host=HOST):
        return sorted(i['uuid'] for i in self.cloud.instances_on(host))

    def messages(self, uuid=None):
        return [
            e['message']
            for e in self.dbapi.list_execution_events(uuid or self.uuid)
        ]

    def progress(self, section='instances'):
        execution = self.dbapi.get_execution(self.uuid)
        return (execution['progress'] or {}).get(section) or {}

    def cancel(self):
        self.dbapi.update_execution(self.uuid, {'cancel_requested': True})
