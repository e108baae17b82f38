"""The nova monitoring driver: notifications and os-services polls to
signals, acknowledgement, and the conductor's start of the drivers."""

import threading
from unittest import mock

from oslo_db import exception as db_exc
import oslo_messaging as messaging

from fleet.alerts import monitoring
from fleet.common import rpc
from fleet.conductor import rpcapi
from fleet.drivers import factory
from fleet.drivers import fake_cloud
from fleet.drivers.monitoring import nova
from fleet.tests import base


def _versioned(data, name='ServiceStatusPayload'):
    return {
        'nova_object.name': name,
        'nova_object.namespace': 'nova',
        'nova_object.version': '1.1',
        'nova_object.data': data,
    }


META = {'message_id': 'msg-1', 'timestamp': '2026-11-21 10:00:00'}


class TestSignalOf(base.TestCase):
    def test_service_forced_down_and_back(self):
        payload = _versioned(
            {'binary': 'nova-compute', 'host': 'c1', 'forced_down': True}
        )
        signal = nova.signal_of(
            'nova-compute:c1', 'service.update', payload, META
        )
        self.assertEqual('NovaComputeForcedDown', signal['name'])
        self.assertEqual('firing', signal['status'])
        self.assertEqual('c1', signal['host'])
        self.assertEqual('msg-1', signal['occurrence_key'])
        payload['nova_object.data']['forced_down'] = False
        signal = nova.signal_of(
            'nova-compute:c1', 'service.update', payload, META
        )
        self.assertEqual('resolved', signal['status'])

    def test_other_service_is_ignored(self):
        payload = _versioned({'binary': 'nova-scheduler', 'host': 'ctl'})
        self.assertIsNone(
            nova.signal_of('nova-scheduler:ctl', 'service.update', payload, {})
        )

    def test_compute_exception(self):
        payload = _versioned(
            {
                'exception': _versioned(
                    {
                        'exception': 'ComputeHostNotFound',
                        'exception_message': 'boom',
                    },
                    'ExceptionPayload',
                )
            },
            'ExceptionPayload',
        )
        signal = nova.signal_of(
            'nova-compute:c2', 'compute.exception', payload, META
        )
        self.assertEqual('NovaComputeException', signal['name'])
        self.assertEqual('c2', signal['host'])
        self.assertEqual(
            {'exception': 'ComputeHostNotFound'}, signal['labels']
        )

    def test_instance_error(self):
        payload = _versioned(
            {'uuid': 'i-1', 'host': 'c3', 'state': 'error'}, 'InstancePayload'
        )
        signal = nova.signal_of(
            'nova-compute:c3', 'instance.update', payload, META
        )
        self.assertEqual('NovaInstanceError', signal['name'])
        self.assertEqual({'instance': 'i-1'}, signal['labels'])
        payload['nova_object.data']['state'] = 'active'
        self.assertIsNone(
            nova.signal_of('nova-compute:c3', 'instance.update', payload, {})
        )


class TestEndpoint(base.TestCase):
    def test_handled_requeued(self):
        on_signal = mock.Mock()
        endpoint = nova.NovaNotificationEndpoint(on_signal)
        payload = _versioned(
            {'binary': 'nova-compute', 'host': 'c1', 'forced_down': True}
        )
        result = endpoint.info(
            {}, 'nova-compute:c1', 'service.update', payload, META
        )
        self.assertEqual(messaging.NotificationResult.HANDLED, result)
        on_signal.assert_called_once()
        on_signal.side_effect = db_exc.DBConnectionError()
        result = endpoint.info(
            {}, 'nova-compute:c1', 'service.update', payload, META
        )
        self.assertEqual(messaging.NotificationResult.REQUEUE, result)
        # Unreadable, or nothing to signal: handled, not redelivered.
        self.assertEqual(
            messaging.NotificationResult.HANDLED,
            endpoint.info({}, 'x', 'instance.update', 'junk', {}),
        )


class TestPoll(base.DbTestCase):
    def test_down_then_up(self):
        driver = nova.NovaMonitoring()
        self.assertEqual([], driver.poll_services())
        cloud = fake_cloud.get_cloud()
        name = sorted(cloud.hosts)[0]
        cloud.hosts[name]['state'] = 'down'
        signals = driver.poll_services()
        self.assertEqual(
            [('NovaComputeDown', name, 'firing')],
            [(s['name'], s['host'], s['status']) for s in signals],
        )
        cloud.hosts[name]['state'] = 'up'
        signals = driver.poll_services()
        self.assertEqual(['resolved'], [s['status'] for s in signals])
        self.assertEqual([], driver.poll_services())


class TestListener(base.DbTestCase):
    """Nova notifications on the fake bus become alerts in the database."""

    def test_notification_to_alert(self):
        self.config(
            driver=['messagingv2'], group='oslo_messaging_notifications'
        )
        self.config(nova_service_poll_interval=0, group='alerts')
        self.config(monitoring=['nova'], group='drivers')
        self.useFixture(base.RPCFixture())
        self.create_host(name='c1', kind='compute')
        with mock.patch.object(rpcapi.ConductorAPI, 'start_execution'):
            drivers = monitoring.start()
            self.addCleanup(monitoring.stop, drivers)
            self.assertIsInstance(
                factory.get_driver('monitoring', 'nova'), nova.NovaMonitoring
            )
            notifier = messaging.Notifier(
                rpc.NOTIFICATION_TRANSPORT,
                publisher_id='nova-compute:c1',
                topics=['versioned_notifications'],
            )
            payload = _versioned(
                {'binary': 'nova-compute', 'host': 'c1', 'forced_down': True}
            )
            notifier.info({}, 'service.update', payload)
            for _ in range(600):
                alerts = self.dbapi.list_alerts()
                if alerts:
                    break
                # The listener runs in its own thread on the fake bus.
                threading.Event().wait(0.05)
        self.assertEqual(1, len(alerts))
        self.assertEqual('NovaComputeForcedDown', alerts[0]['name'])
        self.assertEqual('c1', alerts[0]['host_name'])
        self.assertEqual('nova', alerts[0]['source'])
