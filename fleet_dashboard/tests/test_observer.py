"""The read-only persona: a user with the "fleet_observer" role (and no
admin role) sees the Fleet dashboard's panels and no action button; a
member of an ordinary project sees none of it."""

from unittest import mock

from django.urls import reverse

from fleet_dashboard.api import fleet as api
from fleet_dashboard.tests import base
from fleet_dashboard.tests import data

RUNBOOK = {
    'uuid': 'rb-1',
    'name': 'disk',
    'enabled': True,
    'match': {'alert_name': 'DiskFailing'},
    'remediation': {'action': 'maintenance', 'kind': 'drain'},
    'approval': 'admin',
}
ALERT = {
    'uuid': 'a-1',
    'name': 'DiskFailing',
    'severity': 'critical',
    'state': 'firing',
    'host_name': 'cmp-1',
    'count': 1,
    'source': 'api',
    'last_seen': '2026-11-30T10:00:00Z',
    'silenced_until': None,
}


class ObserverTests(base.FleetObserverTestCase):
    @mock.patch.object(api, 'instance_counts', return_value={'cmp-1': 2})
    @mock.patch.object(api, 'host_list')
    def test_hosts_without_actions(self, host_list, counts):
        held = data.host('cmp-2', state='draining', execution=data.RUN_UUID)
        host_list.return_value = [data.host(), held]
        res = self.client.get(reverse('horizon:fleet:hosts:index'))
        self.assertEqual(200, res.status_code)
        html = res.content.decode()
        self.assertIn('hosts__row__cmp-1', html)
        self.assertIn('hosts__row__cmp-2', html)
        for action in ('maintenance', 'unmanage', 'manage', 'release'):
            self.assertNotIn(f'__action_{action}', html, action)
            for host in ('cmp-1', 'cmp-2'):
                self.assertNotIn(
                    reverse(f'horizon:fleet:hosts:{action}', args=[host]),
                    html,
                )

    @mock.patch.object(api, 'host_list', return_value=[data.host()])
    @mock.patch.object(api, 'execution_list')
    def test_runs_without_actions(self, execution_list, host_list):
        execution_list.return_value = [
            data.run(),
            data.run(state='awaiting approval', uuid='r-2'),
        ]
        html = self.client.get(
            reverse('horizon:fleet:executions:index')
        ).content.decode()
        self.assertIn(f'runs__row__{data.RUN_UUID}', html)
        for action in ('cancel', 'approve', 'reject'):
            self.assertNotIn(f'runs__{action}', html, action)

    @mock.patch.object(api, 'host_get', return_value=data.host())
    @mock.patch.object(api, 'execution_get')
    def test_run_detail_without_actions(self, execution_get, host_get):
        execution_get.return_value = data.run(state='awaiting approval')
        res = self.client.get(
            reverse('horizon:fleet:executions:detail', args=[data.RUN_UUID])
        )
        self.assertEqual(200, res.status_code)
        html = res.content.decode()
        self.assertIn('fleet-run-progress', html)
        for action in ('cancel', 'approve', 'reject'):
            self.assertNotIn(f'runs__{action}', html, action)

    @mock.patch.object(api, 'host_get', return_value=data.host())
    def test_host_detail_without_actions(self, host_get):
        res = self.client.get(
            reverse('horizon:fleet:hosts:detail', args=['cmp-1'])
        )
        self.assertEqual(200, res.status_code)
        self.assertNotIn('__action_', res.content.decode())

    @mock.patch.object(api, 'alert_list')
    def test_alerts_without_actions(self, alert_list):
        alert_list.return_value = [
            dict(ALERT),
            dict(ALERT, uuid='a-2', state='silenced'),
        ]
        html = self.client.get(
            reverse('horizon:fleet:alerts:index')
        ).content.decode()
        self.assertIn('alerts__row__a-1', html)
        for action in ('acknowledge', 'silence', 'unsilence'):
            self.assertNotIn(f'alerts__{action}', html, action)
            self.assertNotIn(f'__action_{action}', html, action)

    @mock.patch.object(api, 'runbook_list')
    def test_runbooks_offer_only_the_dry_run(self, runbook_list):
        runbook_list.return_value = [
            dict(RUNBOOK),
            dict(RUNBOOK, uuid='rb-2', name='off', enabled=False),
        ]
        html = self.client.get(
            reverse('horizon:fleet:runbooks:index')
        ).content.decode()
        for action in ('enable', 'disable'):
            self.assertNotIn(f'runbooks__{action}', html, action)
        # Read-only: fleet's policy lets an observer dry-run.
        self.assertIn(
            reverse('horizon:fleet:runbooks:dry_run', args=['disk']), html
        )

    @mock.patch.object(api, 'execution_cancel')
    @mock.patch.object(api, 'execution_list')
    @mock.patch.object(api, 'host_list', return_value=[data.host()])
    def test_posted_action_is_refused_without_calling_fleet(
        self, host_list, execution_list, cancel
    ):
        # No button, but a hand-made POST: Horizon refuses an action that
        # is not allowed, and fleet is not called.
        execution_list.return_value = [data.run()]
        index = reverse('horizon:fleet:executions:index')
        res = self.client.post(
            index, {'action': f'runs__cancel__{data.RUN_UUID}'}
        )
        cancel.assert_not_called()
        self.assertIn(res.status_code, (200, 302))


class AdminRefusedTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'alert_acknowledge')
    @mock.patch.object(api, 'alert_list')
    def test_refused_action_is_horizons_error_message(self, alert_list, ack):
        # fleet's policy says no (a deployment's policy.yaml): Horizon's
        # usual error message, fleet's reason in it, no traceback.
        alert_list.return_value = [dict(ALERT)]
        ack.side_effect = api.FleetRequestError(
            'Policy doesn\'t allow fleet:alert:acknowledge to be performed. '
            '(HTTP 403)',
            403,
        )
        index = reverse('horizon:fleet:alerts:index')
        res = self.client.post(
            index, {'action': 'alerts__acknowledge__a-1'}, follow=True
        )
        self.assertEqual(200, res.status_code)
        messages = [(m.level_tag, str(m)) for m in res.context['messages']]
        self.assertEqual(
            [
                (
                    'error',
                    'Unable to acknowledge alert a-1: Policy doesn\'t allow '
                    'fleet:alert:acknowledge to be performed. (HTTP 403)',
                )
            ],
            messages,
        )
        ack.assert_called_once_with(mock.ANY, 'a-1')


class MemberTests(base.FleetMemberTestCase):
    @mock.patch.object(api, 'host_list')
    def test_dashboard_refused_to_ordinary_members(self, host_list):
        for name in ('hosts', 'executions', 'plans', 'alerts', 'runbooks'):
            res = self.client.get(reverse(f'horizon:fleet:{name}:index'))
            self.assertNotEqual(200, res.status_code, name)
        host_list.assert_not_called()
