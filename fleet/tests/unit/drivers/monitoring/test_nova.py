"""The nova monitoring driver: notifications and os-services polls to
signals, acknowledgement, and the conductor's start of the drivers."""

import threading
from unittest import mock

from oslo_db import exception as db_exc
import oslo_messaging as messaging

from fleet.alerts import monitoring
from fleet.common import rpc
from fleet.conductor import rpcapi
from fleet.db.sqlalchemy import alerts as sa_alerts
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
        # As nova's doc/notification_samples/compute-exception.json: the
        # ExceptionPayload is flat, "exception" the class name.
        payload = _versioned(
            {
                'exception': 'ComputeHostNotFound',
                'exception_message': 'boom',
                'function_name': '_build_and_run_instance',
                'module_name': 'nova.compute.manager',
                'traceback': 'Traceback (most recent call last): ...',
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
        self.assertEqual('boom', signal['annotations']['message'])

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
        # The first look resolves whatever is up (an outage that began
        # before this conductor started may end under its eyes).
        first = driver.poll_services()
        self.assertEqual({'resolved'}, {s['status'] for s in first})
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

    def test_one_outage_one_key_across_looks_and_conductors(self):
        cloud = fake_cloud.get_cloud()
        name = sorted(cloud.hosts)[0]
        cloud.hosts[name]['state'] = 'down'
        cloud.hosts[name]['heartbeat_at'] = '2026-11-30T18:00:00.000000'
        first, second = nova.NovaMonitoring(), nova.NovaMonitoring()
        keys = {
            s['occurrence_key']
            for d in (first, second, first, second)
            for s in d.poll_services()
            if s['status'] == 'firing'
        }
        self.assertEqual({f'down@{name}@2026-11-30T18:00:00.000000'}, keys)
        # A later outage (a newer last heartbeat) is another occurrence.
        cloud.hosts[name]['heartbeat_at'] = '2026-11-30T19:00:00.000000'
        (signal,) = [s for s in first.poll_services() if s['host'] == name]
        self.assertEqual(
            f'down@{name}@2026-11-30T19:00:00.000000', signal['occurrence_key']
        )

    def test_two_conductors_count_an_outage_once(self):
        """Both conductors' polls go through the intake: one alert, one
        occurrence, whatever the number of looks."""
        self.useFixture(base.RPCFixture())
        self.config(driver=['noop'], group='oslo_messaging_notifications')
        cloud = fake_cloud.get_cloud()
        name = sorted(cloud.hosts)[0]
        self.create_host(name=name, kind='compute')
        cloud.hosts[name]['state'] = 'down'
        cloud.hosts[name]['heartbeat_at'] = '2026-11-30T18:00:00.000000'
        with mock.patch.object(rpcapi.ConductorAPI, 'start_execution'):
            callbacks = [monitoring.make_callback() for _ in range(2)]
            drivers = [nova.NovaMonitoring() for _ in range(2)]
            for _ in range(3):
                for driver, callback in zip(drivers, callbacks, strict=True):
                    for signal in driver.poll_services():
                        callback(signal)
        (alert,) = self.dbapi.list_alerts(filters={'name': 'NovaComputeDown'})
        self.assertEqual(1, alert['count'])
        self.assertEqual('firing', alert['state'])
        cloud.hosts[name]['state'] = 'up'
        for driver, callback in zip(drivers, callbacks, strict=True):
            for signal in driver.poll_services():
                callback(signal)
        alert = self.dbapi.get_alert(alert['uuid'])
        self.assertEqual(('resolved', 1), (alert['state'], alert['count']))


class TestIngestRace(base.DbTestCase):
    def test_duplicate_insert_is_retried_and_counted_once(self):
        """Two conductors insert the same occurrence at once: the loser's
        insert hits the unique constraint (raised here as the database
        raises it, after the winner committed); its transaction, retried,
        finds the winner's row and counts nothing."""
        signal = {
            'fingerprint': 'f' * 32,
            'name': 'NovaComputeDown',
            'source': 'nova',
            'severity': 'critical',
            'status': 'firing',
            'labels': {},
            'annotations': {},
            'host_uuid': None,
            'host_name': 'c1',
            'occurrence_key': 'down@c1@t0',
            'silence': None,
        }
        real = sa_alerts.AlertConnection._ingest_one
        calls = []

        def racing(conn, session, sig, now):
            if not calls:
                calls.append(1)
                raise db_exc.DBDuplicateEntry(columns=['fingerprint'])
            return real(conn, session, sig, now)

        # The winner committed.
        (won,) = self.dbapi.ingest_alerts([dict(signal)])
        self.assertTrue(won['new'])
        with mock.patch.object(
            sa_alerts.AlertConnection,
            '_ingest_one',
            autospec=True,
            side_effect=racing,
        ):
            (result,) = self.dbapi.ingest_alerts([signal])
        self.assertEqual([1], calls)
        self.assertFalse(result['new'])
        self.assertEqual(1, result['alert']['count'])


class TestListener(base.DbTestCase):
    """Nova notifications on the fake bus become alerts in the database."""

    def test_listens_on_nova_exchange_with_requeue(self):
        self.useFixture(base.RPCFixture())
        self.config(nova_service_poll_interval=0, group='alerts')
        with mock.patch.object(
            messaging, 'get_notification_listener'
        ) as get_listener:
            driver = nova.NovaMonitoring()
            driver.start(lambda signal: None)
            driver.stop()
        args, kwargs = get_listener.call_args
        (target,) = args[1]
        self.assertEqual(
            ('nova', 'versioned_notifications'),
            (target.exchange, target.topic),
        )
        self.assertTrue(kwargs['allow_requeue'])
        self.assertEqual('fleet-monitoring', kwargs['pool'])

    def _notify(self, payload):
        notifier = messaging.Notifier(
            rpc.NOTIFICATION_TRANSPORT,
            publisher_id='nova-compute:c1',
            topics=['versioned_notifications'],
        )
        notifier.info({}, 'service.update', payload)

    def test_requeued_message_is_delivered_again(self):
        """The database is out for the first delivery: the message comes
        back and its signal is recorded once."""
        # Nova publishes to its control_exchange "nova".
        self.config(control_exchange='nova')
        self.config(
            driver=['messagingv2'], group='oslo_messaging_notifications'
        )
        self.config(nova_service_poll_interval=0, group='alerts')
        self.useFixture(base.RPCFixture())
        seen = []
        done = threading.Event()

        def on_signal(signal):
            seen.append(signal['occurrence_key'])
            if len(seen) == 1:
                raise db_exc.DBConnectionError()
            done.set()

        driver = nova.NovaMonitoring()
        driver.start(on_signal)
        self.addCleanup(driver.stop)
        self._notify(
            _versioned(
                {'binary': 'nova-compute', 'host': 'c1', 'forced_down': True}
            )
        )
        self.assertTrue(done.wait(30))
        self.assertEqual(2, len(seen))
        self.assertEqual(seen[0], seen[1])

    def test_notification_to_alert(self):
        self.config(control_exchange='nova')
        self.config(
            driver=['messagingv2'], group='oslo_messaging_notifications'
        )
        self.config(nova_service_poll_interval=0, group='alerts')
        self.config(monitoring=['nova'], group='drivers')
        self.useFixture(base.RPCFixture())
        self.create_host(name='c1', kind='compute')
        # The unit tests' SQLite is one connection: the test reads the
        # alerts once the listener's thread has written them, never while
        # it writes (a read then failed its flush with StaleDataError).
        processed = threading.Event()
        real_process = monitoring.intake.process

        def process(*args, **kwargs):
            try:
                return real_process(*args, **kwargs)
            finally:
                processed.set()

        with (
            mock.patch.object(rpcapi.ConductorAPI, 'start_execution'),
            mock.patch.object(monitoring.intake, 'process', process),
        ):
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
            # The listener runs in its own thread on the fake bus.
            self.assertTrue(processed.wait(30))
            alerts = self.dbapi.list_alerts()
        self.assertEqual(1, len(alerts))
        self.assertEqual('NovaComputeForcedDown', alerts[0]['name'])
        self.assertEqual('c1', alerts[0]['host_name'])
        self.assertEqual('nova', alerts[0]['source'])
