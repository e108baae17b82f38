from unittest import mock

from django.urls import reverse

from fleet_dashboard.api import fleet as api
from fleet_dashboard.tests import base
from fleet_dashboard.tests import data

INDEX = reverse('horizon:fleet:executions:index')
DETAIL = reverse('horizon:fleet:executions:detail', args=[data.RUN_UUID])


class RunsIndexTests(base.FleetAdminTestCase):
    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(
            api, 'host_list', return_value=[data.host()]
        )
        self.host_list = patcher.start()
        self.addCleanup(patcher.stop)

    @mock.patch.object(api, 'execution_list')
    def test_index(self, execution_list):
        execution_list.return_value = [
            data.run(),
            data.run(state='awaiting approval', uuid='r-2'),
        ]
        res = self.client.get(INDEX)
        html = res.content.decode()
        self.assertIn('1/2 moved', html)
        # Runs name their host by UUID; the table shows its name.
        self.assertIn(
            reverse('horizon:fleet:hosts:detail', args=['cmp-1']), html
        )
        self.host_list.assert_called_once_with(mock.ANY)
        self.assertIn('migrate_instances', html)
        # Only the run awaiting approval offers approve / reject.
        self.assertIn('runs__approve__r-2', html)
        self.assertNotIn(f'runs__approve__{data.RUN_UUID}', html)
        self.assertIn(f'runs__cancel__{data.RUN_UUID}', html)
        # A running row polls for updates.
        self.assertIn('data-update-url', html)
        execution_list.assert_called_once_with(mock.ANY)

    @mock.patch.object(api, 'execution_cancel')
    @mock.patch.object(api, 'execution_list')
    def test_cancel(self, execution_list, cancel):
        execution_list.return_value = [data.run()]
        res = self.client.post(
            INDEX, {'action': f'runs__cancel__{data.RUN_UUID}'}
        )
        self.assertRedirectsNoFollow(res, INDEX)
        cancel.assert_called_once_with(mock.ANY, data.RUN_UUID)

    @mock.patch.object(api, 'execution_approve')
    @mock.patch.object(api, 'execution_list')
    def test_approve(self, execution_list, approve):
        execution_list.return_value = [data.run(state='awaiting approval')]
        res = self.client.post(
            INDEX, {'action': f'runs__approve__{data.RUN_UUID}'}
        )
        self.assertRedirectsNoFollow(res, INDEX)
        approve.assert_called_once_with(mock.ANY, data.RUN_UUID)

    @mock.patch.object(api, 'execution_reject')
    @mock.patch.object(api, 'execution_list')
    def test_reject_refused_shows_error(self, execution_list, reject):
        execution_list.return_value = [data.run(state='awaiting approval')]
        reject.side_effect = api.FleetRequestError(
            'Run is not awaiting approval. (HTTP 409)', 409
        )
        res = self.client.post(
            INDEX, {'action': f'runs__reject__{data.RUN_UUID}'}
        )
        self.assertRedirectsNoFollow(res, INDEX)
        self.assertMessageCount(error=1)
        reject.assert_called_once_with(mock.ANY, data.RUN_UUID)

    @mock.patch.object(api, 'host_get')
    @mock.patch.object(api, 'execution_get')
    def test_row_update(self, execution_get, host_get):
        host_get.return_value = data.host()
        execution_get.return_value = data.run(state='succeeded')
        res = self.client.get(
            INDEX,
            {'action': 'row_update', 'table': 'runs', 'obj_id': data.RUN_UUID},
            HTTP_X_REQUESTED_WITH='XMLHttpRequest',
        )
        self.assertEqual(200, res.status_code)
        self.assertIn('succeeded', res.content.decode())
        execution_get.assert_called_once_with(mock.ANY, data.RUN_UUID)


class RunDetailTests(base.FleetAdminTestCase):
    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(api, 'host_get', return_value=data.host())
        self.host_get = patcher.start()
        self.addCleanup(patcher.stop)

    @mock.patch.object(api, 'execution_get')
    def test_detail_running_polls_its_progress_tab(self, execution_get):
        execution_get.return_value = data.run()
        res = self.client.get(DETAIL)
        html = res.content.decode()
        self.assertIn('disable_compute_service', html)
        self.assertIn('vm-one', html)
        self.assertIn('cmp-2', html)
        self.assertIn('id="fleet-run-moved">1/2', html)
        self.assertIn('<dd>cmp-1</dd>', html)
        self.host_get.assert_called_once_with(mock.ANY, data.host()['uuid'])
        # No page reload: the script polls the progress tab alone.
        self.assertNotIn('window.location.reload', html)
        self.assertIn(
            f'data-poll-url="{DETAIL}?tab=run_details__progress"', html
        )
        self.assertIn('id="fleet-run-progress" data-final="false"', html)
        template = html.split('<template id="fleet-run-actions">')[1]
        self.assertIn(
            f'runs__cancel__{data.RUN_UUID}', template.split('</template>')[0]
        )
        execution_get.assert_called_once_with(mock.ANY, data.RUN_UUID)

    @mock.patch.object(api, 'execution_get')
    def test_progress_poll_answers_the_tab_alone(self, execution_get):
        # What the script asks every 2 s: one fleet GET, the tab's HTML
        # (no page around it), fresh values, and final once it is.
        execution_get.return_value = data.run(
            state='succeeded',
            current_step=None,
            progress=dict(
                data.run()['progress'],
                instances={
                    'i-1': {'state': 'migrated', 'name': 'vm-one'},
                    'i-2': {
                        'state': 'migrated',
                        'name': 'vm-two',
                        'destination': 'cmp-3',
                    },
                },
                instances_summary={'total': 2, 'moved': 2},
            ),
        )
        res = self.client.get(
            DETAIL + '?tab=run_details__progress',
            HTTP_X_REQUESTED_WITH='XMLHttpRequest',
        )
        self.assertEqual(200, res.status_code)
        html = res.content.decode()
        self.assertNotIn('<html', html)
        self.assertNotIn('run_details__events', html)
        self.assertIn('id="fleet-run-progress" data-final="true"', html)
        self.assertIn('id="fleet-run-moved">2/2', html)
        self.assertIn('cmp-3', html)
        self.assertIn('>succeeded</dd>', html)
        # The header's buttons as of now: a final run has none.
        template = html.split('<template id="fleet-run-actions">')[1]
        self.assertNotIn('runs__', template.split('</template>')[0])
        execution_get.assert_called_once_with(mock.ANY, data.RUN_UUID)

    @mock.patch.object(api, 'execution_get')
    def test_progress_poll_of_a_vanished_run(self, execution_get):
        # The run was purged between two polls: the poll answers with a
        # redirect (Horizon's handling), which has no progress block, so
        # the page keeps what it showed last.
        execution_get.side_effect = api.FleetNotFound('gone (HTTP 404)', 404)
        res = self.client.get(
            DETAIL + '?tab=run_details__progress',
            HTTP_X_REQUESTED_WITH='XMLHttpRequest',
        )
        self.assertNotIn(b'fleet-run-progress', res.content)

    @mock.patch.object(api, 'execution_get')
    def test_detail_final_stops_polling(self, execution_get):
        execution_get.return_value = data.run(state='succeeded')
        res = self.client.get(DETAIL + '?tab=run_details__events')
        html = res.content.decode()
        self.assertIn('id="fleet-run-progress" data-final="true"', html)
        self.assertIn('nova-compute on cmp-1 disabled.', html)

    @mock.patch.object(api, 'execution_get')
    def test_missing_run_redirects(self, execution_get):
        execution_get.side_effect = api.FleetNotFound(
            'not found (HTTP 404)', 404
        )
        res = self.client.get(DETAIL)
        self.assertRedirectsNoFollow(res, INDEX)
