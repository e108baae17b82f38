"""fleet's versioned notifications: what is emitted has exactly the shape
(event type, priority, payload name, version and fields) of the samples
committed in doc/notification_samples/."""

import datetime
import json
import os

from oslo_messaging.notify import _impl_test

from fleet.common import context
from fleet.common import rpc
from fleet.conductor import engine
from fleet.notifications import alert
from fleet.notifications import base as notif_base
from fleet.notifications import execution
from fleet.tests import base
from fleet.tests.unit.api import test_alerts

ROOT = os.path.dirname(
    os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    )
)
SAMPLES = os.path.join(ROOT, 'doc', 'notification_samples')


def _sample(name):
    with open(os.path.join(SAMPLES, name)) as f:
        return json.load(f)


def _shape(value):
    """Keys (recursively for the payload object), not values."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return type(value).__name__ if value is not None else None


class NotificationsFixtureMixin:
    def setUp(self):
        super().setUp()
        self.config(driver=['test'], group='oslo_messaging_notifications')
        self.useFixture(base.RPCFixture())
        notif_base._notifier = None
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)

    def sent(self):
        return [
            (message, priority)
            for _ctx, message, priority, _retry in _impl_test.NOTIFICATIONS
        ]

    def assert_like_sample(self, message, priority, sample_name):
        sample = _sample(sample_name)
        self.assertEqual(sample['event_type'], message['event_type'])
        self.assertEqual(sample['priority'], priority.upper())
        payload, expected = message['payload'], sample['payload']
        for key in (
            'fleet_object.name',
            'fleet_object.namespace',
            'fleet_object.version',
        ):
            self.assertEqual(expected[key], payload[key])
        self.assertEqual(
            sorted(expected['fleet_object.data']),
            sorted(payload['fleet_object.data']),
        )
        self.assertTrue(message['publisher_id'].startswith('fleet:'))


class TestSamples(NotificationsFixtureMixin, base.DbTestCase):
    def test_every_payload_has_a_sample(self):
        self.assertEqual(
            [
                'alert-raise.json',
                'alert-resolve.json',
                'execution-end.json',
                'execution-start.json',
            ],
            sorted(os.listdir(SAMPLES)),
        )

    def test_sample_data_is_the_payload_fields(self):
        for name, payload in (
            ('alert-raise.json', alert.AlertPayload),
            ('alert-resolve.json', alert.AlertPayload),
            ('execution-start.json', execution.ExecutionPayload),
            ('execution-end.json', execution.ExecutionPayload),
        ):
            sample = _sample(name)['payload']
            self.assertEqual(payload.NAME, sample['fleet_object.name'])
            self.assertEqual(payload.VERSION, sample['fleet_object.version'])
            self.assertEqual(
                sorted(payload.FIELDS), sorted(sample['fleet_object.data'])
            )

    def test_execution_start_and_end(self):
        host = self.create_host(name='c1')
        run = self.dbapi.create_execution(
            {
                'kind': 'drain',
                'state': 'running',
                'host_uuid': host['uuid'],
                'started_at': datetime.datetime(2026, 11, 21, 10, 0),
            }
        )
        engine._notify(execution.START, run['uuid'])
        self.dbapi.update_execution(
            run['uuid'],
            {
                'state': 'failed',
                'finished_at': datetime.datetime(2026, 11, 21, 10, 5),
            },
        )
        engine._notify(execution.END, run['uuid'])
        (start, p1), (end, p2) = self.sent()
        self.assert_like_sample(start, p1, 'execution-start.json')
        # A run that did not succeed ends with a warning.
        self.assertEqual('warn', p2.lower()[:4])
        end_sample = _sample('execution-end.json')
        self.assertEqual(end_sample['event_type'], end['event_type'])
        self.assertEqual(
            _shape(end_sample['payload'])['fleet_object.data'].keys(),
            end['payload']['fleet_object.data'].keys(),
        )
        self.assertEqual(
            '2026-11-21T10:05:00Z',
            end['payload']['fleet_object.data']['finished_at'],
        )

    def test_emit_never_raises(self):
        class Broken:
            transport = rpc.NOTIFICATION_TRANSPORT

            def info(self, *args):
                raise RuntimeError('bus down')

        notif_base._notifier = Broken()
        self.addCleanup(setattr, notif_base, '_notifier', None)
        notif_base.emit(
            context.get_admin_context(),
            'execution.start',
            execution.ExecutionPayload({}),
        )


class TestAlertNotifications(
    NotificationsFixtureMixin, test_alerts.AlertsTestBase
):
    def test_raise_and_resolve_like_samples(self):
        self.hook(test_alerts.payload(test_alerts.am_alert()))
        # A duplicate raises nothing new.
        self.hook(test_alerts.payload(test_alerts.am_alert()))
        resolved = test_alerts.am_alert(status='resolved')
        resolved['endsAt'] = '2026-11-21T10:30:00Z'
        self.hook(test_alerts.payload(resolved))
        sent = self.sent()
        self.assertEqual(
            ['alert.raise', 'alert.resolve'],
            [m['event_type'] for m, _ in sent],
        )
        self.assert_like_sample(*sent[0], 'alert-raise.json')
        self.assert_like_sample(*sent[1], 'alert-resolve.json')
        data = sent[1][0]['payload']['fleet_object.data']
        self.assertEqual('resolved', data['state'])
        self.assertEqual('2026-11-21T10:30:00Z', data['resolved_at'])
