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
