"""fleet.alerts.runbooks: matching and planning without the API."""

from unittest import mock

from fleet.alerts import intake
from fleet.alerts import runbooks
from fleet.common import context
from fleet.tests import base


def _runbook(dbapi, **kw):
    values = {
        'name': 'rb',
        'enabled': True,
        'match': {'alert_name': 'Hot', 'severity': ['critical']},
        'threshold_count': 2,
        'threshold_window': 600,
        'cooldown': 0,
        'remediation': {'action': 'maintenance', 'kind': 'drain'},
        'approval': 'automatic',
        'limits': {},
    }
    values.update(kw)
    return dbapi.create_runbook(values)


class TestMatches(base.TestCase):
    ALERT = {
        'name': 'Hot',
        'severity': 'critical',
        'source': 'api',
        'labels': {'rack': 'r1', 'n': '3'},
    }
    HOST = {'kind': 'compute'}

    def test_matches(self):
        def rb(**match):
            return {'match': match}

        self.assertTrue(runbooks.matches(rb(), self.ALERT, None))
        self.assertTrue(
            runbooks.matches(rb(alert_name=['X', 'Hot']), self.ALERT, None)
        )
        self.assertFalse(
            runbooks.matches(rb(alert_name='X'), self.ALERT, None)
        )
        self.assertFalse(
            runbooks.matches(rb(severity='warning'), self.ALERT, None)
        )
        self.assertTrue(
            runbooks.matches(rb(labels={'rack': 'r1'}), self.ALERT, None)
        )
        self.assertFalse(
            runbooks.matches(rb(labels={'rack': 'r2'}), self.ALERT, None)
        )
        self.assertTrue(
            runbooks.matches(rb(host_kind='compute'), self.ALERT, self.HOST)
        )
        # A host kind needs a host.
        self.assertFalse(
            runbooks.matches(rb(host_kind='compute'), self.ALERT, None)
        )
        self.assertFalse(runbooks.matches(rb(source='nova'), self.ALERT, None))


class TestPlan(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.host = self.create_host(name='c1', kind='compute')
        self.ctx = context.get_admin_context()

    def alert(self, n=1, host='c1', severity='critical'):
        result = None
        for _ in range(n):
            result = intake.process(
                [
                    {
                        'source': 'api',
                        'name': 'Hot',
                        'severity': severity,
                        'host': host,
                        'status': 'firing',
                    }
                ],
                self.ctx,
                mock.Mock(),
                act=False,
            )[0]
        return result['alert']

    def test_reasons(self):
        rb = _runbook(self.dbapi)
        alert = self.alert()
        self.assertIn('threshold 2', runbooks.plan(rb, alert)['reason'])
        alert = self.alert()
        decision = runbooks.plan(rb, alert)
        self.assertEqual('execution', decision['action'])
        self.assertEqual(2, decision['occurrences'])
        disabled = dict(rb, enabled=False)
        self.assertEqual(
            'runbook is disabled', runbooks.plan(disabled, alert)['reason']
        )
        self.dbapi.update_host('c1', {'state': 'failed'})
        self.assertIn('is failed', runbooks.plan(rb, alert)['reason'])

    def test_unknown_host(self):
        rb = _runbook(self.dbapi, threshold_count=1)
        alert = self.alert(host='ghost')
        self.assertIn('no host', runbooks.plan(rb, alert)['reason'])

    def test_evaluate_records_error_and_goes_on(self):
        _runbook(self.dbapi, threshold_count=1)
        _runbook(
            self.dbapi,
            name='rb2',
            threshold_count=1,
            remediation={'action': 'handoff', 'owner': 'rey'},
        )
        alert = self.alert()
        with mock.patch.object(
            runbooks.executions, 'create', side_effect=RuntimeError('x')
        ):
            decisions = runbooks.evaluate(alert, self.ctx, mock.Mock())
        self.assertEqual(['none', 'handoff'], [d['action'] for d in decisions])
        self.assertIn('error', decisions[0]['reason'])
        self.assertEqual('unmanaged', self.dbapi.get_host('c1')['state'])
