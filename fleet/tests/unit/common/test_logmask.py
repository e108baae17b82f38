"""No secrets in logs, TaskFlow's included."""

import logging

import fixtures
from taskflow import engines
from taskflow import logging as tf_logging
from taskflow import task
from taskflow.patterns import linear_flow

from fleet.common import logmask
from fleet.tests import base

SECRET = 'hunter2-s3cret'


class _Echo(task.Task):
    def execute(self, params):
        return params


class TestLogMask(base.TestCase):
    def setUp(self):
        super().setUp()
        factory = logging.getLogRecordFactory()
        self.addCleanup(logging.setLogRecordFactory, factory)
        self.addCleanup(setattr, logmask, '_installed', False)
        logmask._installed = False
        logmask.install()

    def capture(self, name, level):
        return self.useFixture(
            fixtures.FakeLogger(
                name=name, level=level, format='%(name)s %(message)s'
            )
        )

    def test_taskflow_trace_of_a_store(self):
        # TaskFlow logs the values it binds to a task's arguments.
        logs = self.capture('taskflow', tf_logging.TRACE)
        params = {
            'action_parameters': {'password': SECRET, 'unit': 'nova'},
            'auth_token': SECRET,
        }
        flow = linear_flow.Flow('f').add(_Echo())
        engines.run(flow, store={'params': params})
        self.assertIn('Matched', logs.output)
        self.assertIn("'unit': 'nova'", logs.output)
        self.assertNotIn(SECRET, logs.output)

    def test_fleet_logs(self):
        logs = self.capture('fleet', logging.DEBUG)
        log = logging.getLogger('fleet.drivers.executor.script')
        log.info('Running: %s', f'mysql --password={SECRET} -e x')
        log.info('params %s', {'admin_password': SECRET})
        self.assertNotIn(SECRET, logs.output)
        self.assertIn('--password=***', logs.output)

    def test_other_loggers_untouched(self):
        logs = self.capture('elsewhere', logging.INFO)
        logging.getLogger('elsewhere').info('password=%s', 'x')
        self.assertIn('password=x', logs.output)

    def test_install_is_idempotent(self):
        factory = logging.getLogRecordFactory()
        logmask.install()
        self.assertIs(factory, logging.getLogRecordFactory())
