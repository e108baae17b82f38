from unittest import mock

from django.urls import reverse

from fleet_dashboard.api import fleet as api
from fleet_dashboard.tests import base

INDEX = reverse('horizon:fleet:alerts:index')


def alert(uuid='a-1', state='firing', **fields):
    body = {
        'uuid': uuid,
        'name': 'DiskFailing',
        'severity': 'critical',
        'state': state,
        'host_uuid': 'h-1',
        'host_name': 'cmp-1',
        'count': 3,
        'source': 'prometheus',
        'first_seen': '2026-11-30T09:00:00Z',
        'last_seen': '2026-11-30T10:00:00Z',
        'silenced_until': None,
    }
    body.update(fields)
    return body


class AlertsTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'alert_list')
    def test_index_and_actions_by_state(self, alert_list):
        alert_list.return_value = [
            alert(),
            alert('a-2', state='silenced', silenced_until='2026-12-01'),
        ]
        res = self.client.get(INDEX)
        html = res.content.decode()
        self.assertIn('DiskFailing', html)
        self.assertIn('cmp-1', html)
        self.assertIn('alerts__acknowledge__a-1', html)
        self.assertNotIn('alerts__acknowledge__a-2', html)
        self.assertIn(
            reverse('horizon:fleet:alerts:silence', args=['a-1']), html
        )
        self.assertNotIn(
            reverse('horizon:fleet:alerts:silence', args=['a-2']), html
        )

    @mock.patch.object(api, 'alert_acknowledge')
    @mock.patch.object(api, 'alert_list')
    def test_acknowledge(self, alert_list, ack):
        alert_list.return_value = [alert()]
        res = self.client.post(INDEX, {'action': 'alerts__acknowledge__a-1'})
        self.assertRedirectsNoFollow(res, INDEX)
        ack.assert_called_once_with(mock.ANY, 'a-1')

    @mock.patch.object(api, 'alert_silence')
    def test_silence(self, silence):
        url = reverse('horizon:fleet:alerts:silence', args=['a-1'])
        res = self.client.post(
            url, {'alert': 'a-1', 'reason': 'known', 'duration': '14400'}
        )
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX)
        silence.assert_called_once_with(
            mock.ANY, 'a-1', 'known', duration=14400
        )

    @mock.patch.object(api, 'alert_silence')
    def test_silence_needs_reason(self, silence):
        url = reverse('horizon:fleet:alerts:silence', args=['a-1'])
        res = self.client.post(url, {'alert': 'a-1', 'duration': '3600'})
        self.assertFormErrors(res, 1)
        silence.assert_not_called()


class UnsilenceTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'alert_unsilence')
    @mock.patch.object(api, 'alert_list')
    def test_unsilence_only_a_silenced_alert(self, alert_list, unsilence):
        alert_list.return_value = [
            alert(),
            alert('a-2', state='silenced', silenced_until='2026-12-01'),
        ]
        html = self.client.get(INDEX).content.decode()
        self.assertIn('alerts__unsilence__a-2', html)
        self.assertNotIn('alerts__unsilence__a-1', html)
        res = self.client.post(INDEX, {'action': 'alerts__unsilence__a-2'})
        self.assertRedirectsNoFollow(res, INDEX)
        unsilence.assert_called_once_with(mock.ANY, 'a-2')

    @mock.patch.object(api, 'alert_unsilence')
    @mock.patch.object(api, 'alert_list')
    def test_unsilence_of_a_firing_alert_is_not_sent(
        self, alert_list, unsilence
    ):
        # Another operator unsilenced it meanwhile: the row is firing now,
        # the action is not allowed on it and fleet is not called.
        alert_list.return_value = [alert('a-2', state='firing')]
        self.client.post(INDEX, {'action': 'alerts__unsilence__a-2'})
        unsilence.assert_not_called()

    @mock.patch.object(api, 'alert_unsilence')
    @mock.patch.object(api, 'alert_list')
    def test_refused_unsilence_is_an_error_message(
        self, alert_list, unsilence
    ):
        alert_list.return_value = [alert('a-2', state='silenced')]
        unsilence.side_effect = api.FleetRequestError(
            'Alert a-2 is not silenced. (HTTP 409)', 409
        )
        res = self.client.post(INDEX, {'action': 'alerts__unsilence__a-2'})
        self.assertRedirectsNoFollow(res, INDEX)
        self.assertMessageCount(error=1)
