"""Runbooks and audit findings: match them, audit a host, and a run for a
failing rule carries the rule that judges it."""

from unittest import mock

from fleet.alerts import intake
from fleet.alerts import runbooks
from fleet.common import context
from fleet.tests import base
from fleet.tests.unit.alerts import test_runbooks

AUDIT_ALERT = {
    'name': 'AuditFailed',
    'severity': 'critical',
    'source': 'audit',
    'labels': {'profile': 'el9', 'rule': 'kernel-patch-level'},
}


class TestAuditMatch(base.TestCase):
    def rb(self, **audit):
        return {'match': {'audit': audit}}

    def test_profile_and_rule(self):
        self.assertTrue(runbooks.matches(self.rb(), AUDIT_ALERT, None))
        self.assertTrue(
            runbooks.matches(self.rb(profile='el9'), AUDIT_ALERT, None)
        )
        self.assertTrue(
            runbooks.matches(
                self.rb(profile='el9', rule=['x', 'kernel-patch-level']),
                AUDIT_ALERT,
                None,
            )
        )
        self.assertFalse(
            runbooks.matches(self.rb(profile='other'), AUDIT_ALERT, None)
        )
        self.assertFalse(
            runbooks.matches(self.rb(rule='sshd'), AUDIT_ALERT, None)
        )

    def test_other_sources_never_match_an_audit_runbook(self):
        # An alert from elsewhere with the same labels is no finding.
        forged = dict(AUDIT_ALERT, source='api')
        self.assertFalse(runbooks.matches(self.rb(), forged, None))


class TestAuditActions(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.host = self.create_host(name='c1', kind='compute')
        self.ctx = context.get_admin_context()
        self.rpcapi = mock.Mock()

    def signal(self, **kw):
        signal = dict(
            AUDIT_ALERT,
            host='c1',
            status='firing',
            labels=dict(AUDIT_ALERT['labels']),
        )
        signal.update(kw)
        return signal

    def test_audit_remediation_casts_an_audit(self):
        rb = test_runbooks._runbook(
            self.dbapi,
            name='log-audit',
            match={'alert_name': 'KernelErrorLog'},
            threshold_count=1,
            remediation={'action': 'audit', 'profiles': ['el9']},
        )
        (result,) = intake.process(
            [self.signal(name='KernelErrorLog', source='loki', labels={})],
            self.ctx,
            self.rpcapi,
        )
        (decision,) = result['decisions']
        self.assertEqual('audit', decision['action'])
        self.rpcapi.run_audit.assert_called_once_with(
            self.ctx,
            host_uuids=[self.host['uuid']],
            profiles=['el9'],
            gather=True,
            wait=False,
            cause_alert_uuid=result['alert']['uuid'],
        )
        # It counts for the cooldown like any action.
        self.assertIsNotNone(
            self.dbapi.last_runbook_action(
                rb['uuid'],
                self.host['uuid'],
                runbooks.ACTING,
                result['alert']['first_seen'],
            )
        )

    def test_run_for_a_finding_is_judged_by_its_rule(self):
        test_runbooks._runbook(
            self.dbapi,
            name='patch',
            match={'audit': {'profile': 'el9'}},
            threshold_count=1,
            remediation={'action': 'maintenance', 'kind': 'drain'},
        )
        (result,) = intake.process([self.signal()], self.ctx, self.rpcapi)
        (decision,) = result['decisions']
        self.assertEqual('execution', decision['action'])
        run = self.dbapi.get_execution(decision['execution_uuid'])
        self.assertEqual(
            {'profile': 'el9', 'rules': ['kernel-patch-level']},
            run['parameters']['reaudit'],
        )

    def test_alert_from_another_source_starts_no_reaudit(self):
        test_runbooks._runbook(
            self.dbapi,
            name='hot',
            match={'alert_name': 'Hot'},
            threshold_count=1,
            remediation={'action': 'maintenance', 'kind': 'drain'},
        )
        (result,) = intake.process(
            [self.signal(name='Hot', source='api')], self.ctx, self.rpcapi
        )
        run = self.dbapi.get_execution(
            result['decisions'][0]['execution_uuid']
        )
        self.assertEqual({}, run['parameters']['reaudit'])
