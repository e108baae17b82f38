from unittest import mock

from django.urls import reverse

from fleet_dashboard.api import fleet as api
from fleet_dashboard.tests import base
from fleet_dashboard.tests import data

INDEX = reverse('horizon:fleet:plans:index')
PLAN_UUID = '9a3c1f52-0b7e-4e0c-8d7e-5d2b8c3f9a10'
DETAIL = reverse('horizon:fleet:plans:detail', args=[PLAN_UUID])


def plan(state='running', **fields):
    body = {
        'uuid': PLAN_UUID,
        'name': 'patch-rack-12',
        'state': state,
        'state_reason': None,
        'selector': {'rack': 'r12'},
        'action': {'kind': 'drain_patch_reboot', 'action': 'dnf-update'},
        'budget': {'max_hosts_in_maintenance': 1},
        'blocking_alerts': {},
        'max_failed_hosts': 0,
        'windows': [],
        'requested_by': {'user_id': 'u1'},
        'created_at': '2026-11-30T10:00:00Z',
        'finished_at': None,
        'progress': {'succeeded': 1, 'running': 1, 'pending': 1, 'total': 3},
        'hosts': [
            {
                'host_name': 'cmp-3', 'host_uuid': 'h-3', 'position': 2,
                'state': 'pending', 'execution_uuid': None, 'result': None,
            },
            {
                'host_name': 'cmp-1', 'host_uuid': 'h-1', 'position': 0,
                'state': 'succeeded', 'execution_uuid': 'r-0',
                'result': 'succeeded',
            },
            {
                'host_name': 'cmp-2', 'host_uuid': 'h-2', 'position': 1,
                'state': 'running', 'execution_uuid': data.RUN_UUID,
                'result': None,
            },
        ],
    }  # fmt: skip
    body.update(fields)
    return body


class PlansTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'plan_list')
    def test_index_and_actions_by_state(self, plan_list):
        plan_list.return_value = [
            plan(),
            plan(state='paused', uuid='p-2', name='paused-one'),
            plan(state='succeeded', uuid='p-3', name='done'),
        ]
        html = self.client.get(INDEX).content.decode()
        self.assertIn('patch-rack-12', html)
        self.assertIn('1/3 hosts done', html)
        self.assertIn(f'plans__pause__{PLAN_UUID}', html)
        self.assertNotIn(f'plans__resume__{PLAN_UUID}', html)
        self.assertIn('plans__resume__p-2', html)
        self.assertNotIn('plans__pause__p-2', html)
        self.assertIn('plans__cancel__p-2', html)
        for action in ('pause', 'resume', 'cancel'):
            self.assertNotIn(f'plans__{action}__p-3', html)
        # Active plans poll for updates, a finished one does not.
        self.assertIn('data-update-url', html)
        plan_list.assert_called_once_with(mock.ANY)

    @mock.patch.object(api, 'plan_pause')
    @mock.patch.object(api, 'plan_list')
    def test_pause(self, plan_list, pause):
        plan_list.return_value = [plan()]
        res = self.client.post(INDEX, {'action': f'plans__pause__{PLAN_UUID}'})
        self.assertRedirectsNoFollow(res, INDEX)
        pause.assert_called_once_with(mock.ANY, PLAN_UUID)

    @mock.patch.object(api, 'plan_resume')
    @mock.patch.object(api, 'plan_list')
    def test_resume_refused_is_an_error_message(self, plan_list, resume):
        # The conductor finished it between the page and the click.
        plan_list.return_value = [plan(state='paused')]
        resume.side_effect = api.FleetRequestError(
            'Plan is succeeded, not paused. (HTTP 409)', 409
        )
        res = self.client.post(
            INDEX, {'action': f'plans__resume__{PLAN_UUID}'}
        )
        self.assertRedirectsNoFollow(res, INDEX)
        self.assertMessageCount(error=1)

    @mock.patch.object(api, 'plan_cancel')
    @mock.patch.object(api, 'plan_list')
    def test_cancel(self, plan_list, cancel):
        plan_list.return_value = [plan(state='blocked')]
        self.client.post(INDEX, {'action': f'plans__cancel__{PLAN_UUID}'})
        cancel.assert_called_once_with(mock.ANY, PLAN_UUID)

    @mock.patch.object(api, 'plan_list')
    def test_state_filter(self, plan_list):
        plan_list.return_value = []
        self.client.post(
            INDEX,
            {'plans__filter__q': 'paused', 'plans__filter__q_field': 'state'},
            follow=True,
        )
        plan_list.assert_called_with(mock.ANY, state='paused')

    @mock.patch.object(api, 'plan_list')
    def test_api_error_is_a_message(self, plan_list):
        plan_list.side_effect = api.FleetNotFound(
            'The plans resource needs API version 1.8 (HTTP 404)', 404
        )
        res = self.client.get(INDEX)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)

    @mock.patch.object(api, 'plan_get')
    def test_detail_hosts_in_order_with_their_runs(self, plan_get):
        plan_get.return_value = plan()
        res = self.client.get(DETAIL)
        self.assertEqual(200, res.status_code)
        self.assertEqual(
            ['cmp-1', 'cmp-2', 'cmp-3'],
            [h['host_name'] for h in res.context['table'].data],
        )
        html = res.content.decode()
        self.assertIn(
            reverse('horizon:fleet:executions:detail', args=[data.RUN_UUID]),
            html,
        )
        self.assertIn('&quot;rack&quot;: &quot;r12&quot;', html)
        self.assertIn(f'plans__pause__{PLAN_UUID}', html)
        plan_get.assert_called_once_with(mock.ANY, PLAN_UUID)

    @mock.patch.object(api, 'plan_get')
    def test_missing_plan_redirects(self, plan_get):
        plan_get.side_effect = api.FleetNotFound('no (HTTP 404)', 404)
        self.assertRedirectsNoFollow(self.client.get(DETAIL), INDEX)


class ObserverPlansTests(base.FleetObserverTestCase):
    @mock.patch.object(api, 'plan_get')
    @mock.patch.object(api, 'plan_list')
    def test_no_buttons(self, plan_list, plan_get):
        plan_list.return_value = [plan(), plan(state='paused', uuid='p-2')]
        plan_get.return_value = plan()
        for url in (INDEX, DETAIL):
            res = self.client.get(url)
            self.assertEqual(200, res.status_code)
            html = res.content.decode()
            for action in ('pause', 'resume', 'cancel'):
                self.assertNotIn(f'plans__{action}', html, (url, action))
