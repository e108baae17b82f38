from unittest import mock

from django.urls import reverse

from fleet_dashboard.api import fleet as api
from fleet_dashboard.tests import base
from fleet_dashboard.tests import data

INDEX = reverse('horizon:fleet:hosts:index')


def detail(name):
    return reverse('horizon:fleet:hosts:detail', args=[name])


class HostsIndexTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'instance_counts')
    @mock.patch.object(api, 'host_list')
    def test_index_shows_every_column(self, host_list, counts):
        busy = data.host('cmp-2', state='draining', execution=data.RUN_UUID)
        host_list.return_value = [data.host(), busy]
        counts.return_value = {'cmp-1': 3, 'cmp-2': 0}

        res = self.client.get(INDEX)

        self.assertTemplateUsed(res, 'horizon/common/_data_table_view.html')
        rows = res.context['table'].data
        self.assertEqual(['cmp-1', 'cmp-2'], [h['name'] for h in rows])
        self.assertEqual([3, 0], [h['instance_count'] for h in rows])
        html = res.content.decode()
        self.assertIn('enabled (up)', html)
        self.assertIn('RegionOne / nova / r12', html)
        self.assertIn('tier=gold', html)
        self.assertIn(
            reverse('horizon:fleet:executions:detail', args=[data.RUN_UUID]),
            html,
        )
        # A held host offers release, not another maintenance.
        self.assertIn(
            reverse('horizon:fleet:hosts:maintenance', args=['cmp-1']),
            html,
        )
        self.assertNotIn(
            reverse('horizon:fleet:hosts:maintenance', args=['cmp-2']),
            html,
        )
        self.assertIn(
            reverse('horizon:fleet:hosts:release', args=['cmp-2']), html
        )
        host_list.assert_called_once_with(mock.ANY)

    @mock.patch.object(api, 'instance_counts')
    @mock.patch.object(api, 'host_list')
    def test_server_side_filter(self, host_list, counts):
        host_list.return_value = []
        counts.return_value = {}
        res = self.client.post(
            INDEX,
            {
                'hosts__filter__q': 'maintenance',
                'hosts__filter__q_field': 'state',
            },  # fmt: skip
            follow=True,
        )
        self.assertEqual(200, res.status_code)
        host_list.assert_called_with(mock.ANY, state='maintenance')

    @mock.patch.object(api, 'instance_counts')
    @mock.patch.object(api, 'host_list')
    def test_label_filter(self, host_list, counts):
        host_list.return_value = []
        counts.return_value = {}
        for text, labels in (
            ('rack = r12', {'rack': 'r12'}),
            ('tier', {'tier': None}),
        ):
            self.client.post(
                INDEX,
                {'hosts__filter__q': text, 'hosts__filter__q_field': 'label'},
                follow=True,
            )
            host_list.assert_called_with(mock.ANY, labels=labels)

    @mock.patch.object(api, 'instance_counts')
    @mock.patch.object(api, 'host_list')
    def test_api_error_is_a_message_not_a_traceback(self, host_list, counts):
        host_list.side_effect = api.FleetUnavailable(
            'Cannot reach the fleet API at http://f:9880', None
        )
        res = self.client.get(INDEX)
        self.assertEqual(200, res.status_code)
        self.assertEqual([], res.context['table'].data)
        self.assertMessageCount(res, error=1)
        counts.assert_not_called()

    @mock.patch.object(api, 'instance_counts')
    @mock.patch.object(api, 'host_list')
    def test_counts_failing_still_lists_hosts(self, host_list, counts):
        host_list.return_value = [data.host()]
        counts.side_effect = api.FleetUnavailable('boom (HTTP 500)', 500)
        res = self.client.get(INDEX)
        self.assertEqual(
            ['cmp-1'], [h['name'] for h in res.context['table'].data]
        )
        self.assertIsNone(res.context['table'].data[0]['instance_count'])


class NoFleetTests(base.NoFleetAdminTestCase):
    @mock.patch.object(api, 'host_list')
    def test_panel_hidden_without_fleet_in_catalog(self, host_list):
        res = self.client.get(INDEX)
        # Horizon refuses a panel the user lacks a permission for.
        self.assertNotEqual(200, res.status_code)
        host_list.assert_not_called()


class MemberTests(base.FleetMemberTestCase):
    @mock.patch.object(api, 'host_list')
    def test_panels_refused_to_non_admins(self, host_list):
        for name in ('hosts', 'executions', 'plans', 'alerts', 'runbooks'):
            res = self.client.get(reverse(f'horizon:fleet:{name}:index'))
            self.assertNotEqual(200, res.status_code, name)
        host_list.assert_not_called()


class HostDetailTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'host_history')
    @mock.patch.object(api, 'host_get')
    def test_detail_tabs(self, host_get, history):
        host_get.return_value = data.host(
            instances=[
                {
                    'uuid': 'i-1', 'name': 'vm-one', 'status': 'ACTIVE',
                    'task_state': None, 'project_id': 'p1',
                    'flavor': 'm1.tiny',
                }
            ]
        )  # fmt: skip
        history.return_value = [
            {
                'created_at': '2026-11-30T10:00:00Z', 'action': 'update',
                'source': 'api', 'actor': 'admin', 'request_id': 'req-1',
                'reason': 'RMA 17', 'changes': {'state': ['active', 'x']},
            }
        ]  # fmt: skip
        res = self.client.get(detail('cmp-1') + '?tab=host_details__history')
        self.assertTemplateUsed(res, 'horizon/common/_detail.html')
        html = res.content.decode()
        self.assertIn('vm-one', html)
        self.assertIn('RMA 17', html)
        host_get.assert_called_once_with(mock.ANY, 'cmp-1')
        history.assert_called_once_with(
            mock.ANY, host_get.return_value['uuid']
        )

    @mock.patch.object(api, 'host_get')
    def test_missing_host_redirects_with_message(self, host_get):
        host_get.side_effect = api.FleetNotFound(
            'Host nope could not be found. (HTTP 404)', 404
        )
        res = self.client.get(detail('nope'))
        self.assertRedirectsNoFollow(res, INDEX)


class StartMaintenanceTests(base.FleetAdminTestCase):
    url = reverse('horizon:fleet:hosts:maintenance', args=['cmp-1'])

    @mock.patch.object(api, 'action_list')
    def test_form_offers_catalogued_actions(self, action_list):
        action_list.return_value = [
            {'name': 'dnf-update', 'parameters': {}},
        ]
        res = self.client.get(self.url)
        self.assertTemplateUsed(res, 'fleet/form.html')
        choices = dict(res.context['form'].fields['action'].choices)
        self.assertIn('dnf-update', choices)

    @mock.patch.object(api, 'execution_create')
    @mock.patch.object(api, 'action_list')
    def test_start(self, action_list, create):
        action_list.return_value = [{'name': 'dnf-update'}]
        create.return_value = data.run(state='pending')
        res = self.client.post(
            self.url,
            {
                'host': 'cmp-1',
                'kind': 'drain_patch_reboot',
                'action': 'dnf-update',
                'max_parallel': 2,
                'on_instance_failure': 'skip',
            },  # fmt: skip
        )
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(
            res,
            reverse('horizon:fleet:executions:detail', args=[data.RUN_UUID]),
        )
        create.assert_called_once_with(
            mock.ANY,
            'cmp-1',
            kind='drain_patch_reboot',
            action='dnf-update',
            max_parallel=2,
            on_instance_failure={'then': 'skip'},
        )

    @mock.patch.object(api, 'execution_create')
    @mock.patch.object(api, 'action_list')
    def test_action_needs_patch_kind(self, action_list, create):
        action_list.return_value = [{'name': 'dnf-update'}]
        res = self.client.post(
            self.url,
            {'host': 'cmp-1', 'kind': 'drain', 'action': 'dnf-update'},
        )
        self.assertFormErrors(res, 1)
        create.assert_not_called()

    @mock.patch.object(api, 'execution_create')
    @mock.patch.object(api, 'action_list')
    def test_refusal_shows_fleets_reason(self, action_list, create):
        action_list.return_value = []
        create.side_effect = api.FleetRequestError(
            'Host cmp-1 is held by run 6b0f. (HTTP 409)', 409
        )
        res = self.client.post(self.url, {'host': 'cmp-1', 'kind': 'drain'})
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertIn(
            'Host cmp-1 is held by run 6b0f. (HTTP 409)', res.content.decode()
        )
        create.assert_called_once()

    @mock.patch.object(api, 'action_list')
    def test_actions_unavailable_still_shows_form(self, action_list):
        action_list.side_effect = api.FleetRequestError(
            'needs API 1.4 (HTTP 406)', 406
        )
        res = self.client.get(self.url)
        self.assertEqual(200, res.status_code)
        self.assertEqual(
            [''], [c for c, _ in res.context['form'].fields['action'].choices]
        )


class ReleaseTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'host_release')
    def test_release(self, release):
        release.return_value = data.host(state='unmanaged')
        url = reverse('horizon:fleet:hosts:release', args=['cmp-2'])
        res = self.client.post(url, {'host': 'cmp-2', 'reason': 'stuck'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX)
        release.assert_called_once_with(mock.ANY, 'cmp-2', reason='stuck')

    @mock.patch.object(api, 'host_unmanage')
    def test_unmanage_needs_reason(self, unmanage):
        url = reverse('horizon:fleet:hosts:unmanage', args=['cmp-1'])
        res = self.client.post(url, {'host': 'cmp-1', 'reason': ''})
        self.assertFormErrors(res, 1)
        unmanage.assert_not_called()


class HostAuditTabsTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'host_facts')
    @mock.patch.object(api, 'host_get')
    def test_facts_tab(self, host_get, host_facts):
        host_get.return_value = data.host()
        host_facts.return_value = {
            'host': 'cmp-1',
            'facts': {
                'os': {'name': 'Rocky', 'kernel': '5.14.0-427'},
                'packages': ['openssh', 'chrony'],
                'empty': {},
            },
            'drivers': ['ansible', 'static'],
            'gathered_at': '2026-11-30T10:00:00Z',
            'errors': {'script': 'timed out'},
        }
        res = self.client.get(detail('cmp-1') + '?tab=host_details__facts')
        html = res.content.decode()
        self.assertIn('os.kernel', html)
        self.assertIn('5.14.0-427', html)
        self.assertIn('[&quot;openssh&quot;, &quot;chrony&quot;]', html)
        self.assertIn('ansible, static', html)
        self.assertIn('script: timed out', html)
        host_facts.assert_called_once_with(
            mock.ANY, host_get.return_value['uuid']
        )

    @mock.patch.object(api, 'host_facts', return_value=None)
    @mock.patch.object(api, 'host_get')
    def test_facts_never_gathered(self, host_get, host_facts):
        host_get.return_value = data.host()
        res = self.client.get(detail('cmp-1') + '?tab=host_details__facts')
        self.assertIn('No facts were gathered', res.content.decode())
        self.assertMessageCount(res, error=0)

    @mock.patch.object(api, 'finding_list')
    @mock.patch.object(api, 'host_get')
    def test_findings_tab(self, host_get, finding_list):
        host_get.return_value = data.host()
        finding_list.return_value = [
            {
                'uuid': 'f-1', 'profile_name': 'el9-baseline',
                'rule': 'sshd-no-root', 'severity': 'critical',
                'result': 'fail', 'message': 'PermitRootLogin yes',
                'checked_at': '2026-11-30T10:00:00Z',
            }
        ]  # fmt: skip
        res = self.client.get(detail('cmp-1') + '?tab=host_details__findings')
        html = res.content.decode()
        self.assertIn('sshd-no-root', html)
        self.assertIn('PermitRootLogin yes', html)
        # To the finding's evidence and history, and to its profile.
        self.assertIn(
            reverse('horizon:fleet:audits:finding', args=['f-1']), html
        )
        self.assertIn(
            reverse('horizon:fleet:audits:profile', args=['el9-baseline']),
            html,
        )
        finding_list.assert_called_once_with(
            mock.ANY, host=host_get.return_value['uuid']
        )

    @mock.patch.object(api, 'host_metrics')
    @mock.patch.object(api, 'host_get')
    def test_metrics_tab_and_its_failure(self, host_get, host_metrics):
        host_get.return_value = data.host()
        host_metrics.return_value = [
            {
                'name': 'node_load1', 'value': 0.42, 'unit': None,
                'source': 'prometheus', 'sampled_at': '2026-11-30T10:00:00Z',
            }
        ]  # fmt: skip
        url = detail('cmp-1') + '?tab=host_details__metrics'
        self.assertIn('node_load1', self.client.get(url).content.decode())
        # An older fleet (before 1.7) or a refused call: the page still
        # renders, with Horizon's error message.
        host_metrics.side_effect = api.FleetNotFound(
            'Not found (HTTP 404)', 404
        )
        res = self.client.get(url)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)


class HostUrlTests(base.FleetAdminTestCase):
    """Hosts is the default panel, mounted at /fleet/ after the other
    panels: a host named like another panel still has its own page."""

    def test_layout(self):
        self.assertEqual('/fleet/', INDEX)
        self.assertEqual('/fleet/hosts/plans/', detail('plans'))

    @mock.patch.object(api, 'host_get')
    def test_host_named_like_a_panel(self, host_get):
        host_get.return_value = data.host('executions')
        res = self.client.get(detail('executions'))
        self.assertEqual(200, res.status_code)
        host_get.assert_called_once_with(mock.ANY, 'executions')

    def test_old_style_index_redirects(self):
        res = self.client.get('/fleet/hosts/')
        self.assertRedirectsNoFollow(res, INDEX)
