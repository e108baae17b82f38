from unittest import mock

from django.urls import reverse

from fleet_dashboard.api import fleet as api
from fleet_dashboard.tests import base

INDEX = reverse('horizon:fleet:runbooks:index')

RUNBOOK = {
    'uuid': 'rb-1',
    'name': 'disk',
    'enabled': True,
    'match': {'alert_name': 'DiskFailing'},
    'threshold': {'count': 2},
    'remediation': {'action': 'maintenance', 'kind': 'drain'},
    'approval': 'admin',
    'links': [],
}


class RunbooksTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'runbook_list')
    def test_index(self, runbook_list):
        runbook_list.return_value = [dict(RUNBOOK)]
        html = self.client.get(INDEX).content.decode()
        self.assertIn('DiskFailing', html)
        self.assertIn(
            reverse('horizon:fleet:runbooks:detail', args=['disk']), html
        )

    @mock.patch.object(api, 'runbook_get')
    def test_detail(self, runbook_get):
        runbook_get.return_value = dict(
            RUNBOOK,
            actions=[
                {
                    'created_at': '2026-11-30T10:00:00Z',
                    'action': 'execution',
                    'alert_uuid': 'a-1',
                    'execution_uuid': 'r-1',
                    'host_uuid': 'h-1',
                    'details': {'reason': 'threshold 2 reached'},
                }
            ],
        )
        res = self.client.get(
            reverse('horizon:fleet:runbooks:detail', args=['disk'])
        )
        html = res.content.decode()
        self.assertIn('&quot;alert_name&quot;: &quot;DiskFailing&quot;', html)
        self.assertIn('threshold 2 reached', html)
        runbook_get.assert_called_once_with(mock.ANY, 'disk')

    @mock.patch.object(api, 'runbook_get')
    def test_missing_runbook_redirects(self, runbook_get):
        runbook_get.side_effect = api.FleetNotFound('no (HTTP 404)', 404)
        res = self.client.get(
            reverse('horizon:fleet:runbooks:detail', args=['nope'])
        )
        self.assertRedirectsNoFollow(res, INDEX)


class RunbookActionsTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'runbook_set_enabled')
    @mock.patch.object(api, 'runbook_list')
    def test_enable_disable_by_state(self, runbook_list, set_enabled):
        runbook_list.return_value = [
            dict(RUNBOOK),
            dict(RUNBOOK, uuid='rb-2', name='off', enabled=False),
        ]
        html = self.client.get(INDEX).content.decode()
        self.assertIn('runbooks__disable__disk', html)
        self.assertNotIn('runbooks__enable__disk', html)
        self.assertIn('runbooks__enable__off', html)
        self.assertNotIn('runbooks__disable__off', html)
        res = self.client.post(INDEX, {'action': 'runbooks__enable__off'})
        self.assertRedirectsNoFollow(res, INDEX)
        set_enabled.assert_called_once_with(mock.ANY, 'off', True)
        set_enabled.reset_mock()
        self.client.post(INDEX, {'action': 'runbooks__disable__disk'})
        set_enabled.assert_called_once_with(mock.ANY, 'disk', False)

    @mock.patch.object(api, 'runbook_set_enabled')
    @mock.patch.object(api, 'runbook_list')
    def test_refused_toggle_is_an_error_message(self, runbook_list, toggle):
        runbook_list.return_value = [dict(RUNBOOK)]
        toggle.side_effect = api.FleetRequestError(
            "Policy doesn't allow fleet:runbook:update. (HTTP 403)", 403
        )
        res = self.client.post(INDEX, {'action': 'runbooks__disable__disk'})
        self.assertRedirectsNoFollow(res, INDEX)
        self.assertMessageCount(error=1)

    @mock.patch.object(api, 'runbook_dry_run')
    def test_dry_run_page(self, dry_run):
        dry_run.return_value = {
            'runbook': 'disk',
            'decisions': [
                {
                    'runbook': 'disk', 'runbook_uuid': 'rb-1',
                    'alert_uuid': 'a-1', 'alert': 'DiskFailing',
                    'host': 'cmp-1', 'action': 'execution',
                    'approval': 'admin', 'occurrences': 2,
                    'reason': 'threshold 2 reached',
                },
                {
                    'runbook': 'disk', 'runbook_uuid': 'rb-1',
                    'alert_uuid': 'a-2', 'alert': 'DiskFailing',
                    'host': 'cmp-2', 'action': 'none',
                    'approval': 'admin', 'occurrences': 1,
                    'reason': 'below threshold (1 of 2)',
                },
            ],
        }  # fmt: skip
        url = reverse('horizon:fleet:runbooks:dry_run', args=['disk'])
        res = self.client.get(url)
        self.assertEqual(200, res.status_code)
        html = res.content.decode()
        self.assertIn('threshold 2 reached', html)
        self.assertIn('below threshold (1 of 2)', html)
        self.assertIn('decisions__row__a-2', html)
        self.assertIn('Nothing was done', html)
        dry_run.assert_called_once_with(mock.ANY, 'disk')

    @mock.patch.object(api, 'runbook_dry_run')
    def test_dry_run_with_no_firing_alert(self, dry_run):
        dry_run.return_value = {'runbook': 'disk', 'decisions': []}
        res = self.client.get(
            reverse('horizon:fleet:runbooks:dry_run', args=['disk'])
        )
        self.assertEqual(200, res.status_code)
        self.assertEqual([], res.context['table'].data)

    @mock.patch.object(api, 'runbook_dry_run')
    def test_dry_run_of_a_missing_runbook_redirects(self, dry_run):
        dry_run.side_effect = api.FleetNotFound('no (HTTP 404)', 404)
        res = self.client.get(
            reverse('horizon:fleet:runbooks:dry_run', args=['nope'])
        )
        self.assertRedirectsNoFollow(res, INDEX)
