"""ReauditHost called directly: it gathers the facts again, audits the
host, and fails the run (handing the host to a human) when the rule the
run was started for still does not pass."""

from unittest import mock

from taskflow.types import failure

from fleet.common import exception
from fleet.common import states
from fleet.conductor.tasks import audit
from fleet.conductor.tasks import base as tasks_base
from fleet.drivers import fake_cloud
from fleet.tests.unit.conductor.tasks import utils
from fleet.tests.unit.conductor.tasks.utils import HOST

PROFILE = {
    'name': 'el9',
    'enabled': True,
    'applies_to': {},
    'rules': [
        {
            'name': 'kernel-patch-level',
            'severity': 'critical',
            'check': {
                'type': 'kernel_version',
                'op': '>=',
                'version': '5.14.0-503.el9',
            },
        },
        {
            'name': 'sshd-running',
            'check': {'type': 'service', 'service': 'sshd', 'running': True},
        },
    ],
}
REAUDIT = {'profile': 'el9', 'rules': ['kernel-patch-level']}


class TestReauditHost(utils.TaskTestCase):
    def setUp(self):
        super().setUp()
        self.config(facts=['fake'], group='drivers')
        self.dbapi.create_audit_profile(dict(PROFILE))
        self.task = audit.ReauditHost()

    def params(self, **kw):
        return dict(self.execution['parameters'], **kw)

    def test_passing_rule_succeeds_and_records(self):
        self.cloud.update_facts(HOST, {'kernel': '5.14.0-503.el9.x86_64'})
        result = self.task.execute(
            self.uuid, HOST, self.params(reaudit=REAUDIT)
        )
        self.assertTrue(result['audited'])
        host = self.dbapi.get_host(HOST)
        self.assertEqual(
            '5.14.0-503.el9.x86_64',
            self.dbapi.get_host_facts(host['uuid'])['facts']['kernel'],
        )
        events = self.dbapi.list_execution_events(self.uuid)
        self.assertIn('re-audited against profile el9', events[-1]['message'])

    def test_failing_rule_fails_with_the_rule_and_evidence(self):
        e = self.assertRaises(
            tasks_base.StepFailed,
            self.task.execute,
            self.uuid,
            HOST,
            self.params(reaudit=REAUDIT),
        )
        self.assertIn('el9/kernel-patch-level still fails', str(e))
        self.assertIn('5.14.0-427.el9.x86_64', str(e))

    def test_other_failing_rules_do_not_fail_the_run(self):
        self.cloud.update_facts(
            HOST,
            {
                'kernel': '5.14.0-503.el9.x86_64',
                'services': {'sshd': {'state': 'dead'}},
            },
        )
        self.task.execute(self.uuid, HOST, self.params(reaudit=REAUDIT))
        (finding,) = self.dbapi.list_audit_findings(
            filters={'rule': 'sshd-running', 'host_name': HOST}
        )
        self.assertEqual('fail', finding['result'])

    def test_unreachable_host_fails_a_run_that_needs_the_audit(self):
        with mock.patch.object(
            fake_cloud.SimulatedCloud,
            'facts_of',
            side_effect=exception.FactsError(
                host=HOST, driver='fake', reason='ssh: timed out'
            ),
        ):
            e = self.assertRaises(
                tasks_base.StepFailed,
                self.task.execute,
                self.uuid,
                HOST,
                self.params(reaudit=REAUDIT),
            )
            self.assertIn('ssh: timed out', str(e))
            # A run that names no rule only warns.
            result = self.task.execute(self.uuid, HOST, self.params())
        self.assertFalse(result['audited'])
        events = self.dbapi.list_execution_events(self.uuid)
        self.assertEqual('warning', events[-1]['level'])

    def test_revert_hands_host_to_human(self):
        try:
            raise tasks_base.StepFailed(step='ReauditHost', reason='rule x')
        except tasks_base.StepFailed:
            result = failure.Failure()
        self.task.revert(result, self.uuid, HOST)
        host = self.dbapi.get_host(HOST)
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertIn('rule x', host['state_reason'])
        self.assertIn('nova-compute left disabled', host['state_reason'])
        # A later step's failure is not this step's business.
        self.dbapi.update_host(HOST, {'state': states.HOST_MAINTENANCE})
        self.task.revert({'audited': True}, self.uuid, HOST)
        self.assertEqual(
            states.HOST_MAINTENANCE, self.dbapi.get_host(HOST)['state']
        )
