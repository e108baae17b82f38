"""The ``nova`` monitoring driver: signals from Nova.

Two sources, both modest:

* Nova's versioned notifications (exchange ``[alerts]
  nova_notification_exchange``, ``nova`` as Nova publishes; topic
  ``[alerts] nova_notification_topic``; pool ``[alerts] listener_pool``,
  apart from the inventory's listener, so conductors in the pool share
  one queue and each message reaches one of them):

  - ``service.update`` of a nova-compute with ``forced_down`` true:
    ``NovaComputeForcedDown`` (critical); false again: resolved;
  - ``compute.exception``: ``NovaComputeException`` (warning) on the
    publishing compute, labelled with the exception class;
  - ``instance.*`` whose instance is in vm_state ``error``:
    ``NovaInstanceError`` (warning) on the instance's host.

  The notification's ``message_id`` is the occurrence key: a redelivered
  message is not counted twice. A message whose signal cannot be
  recorded because the database is out is requeued (the listener is
  built with ``allow_requeue``) and delivered again later.

* A poll of os-services every ``[alerts] nova_service_poll_interval``
  seconds: Nova sends nothing when a compute stops reporting, so an
  enabled compute seen ``down`` raises ``NovaComputeDown`` (critical),
  one occurrence per **outage**: the occurrence key is the host and the
  service's last heartbeat (``updated_at``, which stays put while it is
  down). Every conductor polls, and the database counts an occurrence
  key once (a unique constraint), so two conductors seeing the same
  outage record one occurrence; a runbook's threshold means "down N
  times in the window". Seen ``up``, the alert resolves.

Usage (the conductor does this)::

    driver = factory.get_driver('monitoring', 'nova')
    driver.start(on_signal)     # on_signal(dict) per signal
    driver.stop()
"""

import threading

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log
import oslo_messaging as messaging
from oslo_utils import timeutils
from oslo_utils import uuidutils

from fleet.common import metrics
from fleet.common import rpc
from fleet.drivers import base
from fleet.drivers import factory

CONF = cfg.CONF
LOG = log.getLogger(__name__)

SOURCE = 'nova'
COMPUTE_BINARY = 'nova-compute'


def _data(payload):
    if isinstance(payload, dict) and 'nova_object.data' in payload:
        return payload['nova_object.data'] or {}
    return payload or {}


def _host_of_publisher(publisher_id):
    # "nova-compute:compute-7" -> "compute-7"
    if publisher_id and ':' in publisher_id:
        return publisher_id.split(':', 1)[1]
    return None


def signal_of(publisher_id, event_type, payload, metadata):
    """The signal a Nova notification carries, or None.

    :returns: a signal dict (see MonitoringDriver.start).
    """
    data = _data(payload)
    key = (metadata or {}).get('message_id') or uuidutils.generate_uuid()
    if event_type == 'service.update':
        if data.get('binary') != COMPUTE_BINARY or not data.get('host'):
            return None
        forced = bool(data.get('forced_down'))
        return {
            'source': SOURCE,
            'name': 'NovaComputeForcedDown',
            'severity': 'critical',
            'host': data['host'],
            'labels': {'service': COMPUTE_BINARY},
            'annotations': {
                'summary': f'nova-compute on {data["host"]} is forced down'
            },
            'status': 'firing' if forced else 'resolved',
            'occurrence_key': key,
        }
    if event_type == 'compute.exception':
        host = _host_of_publisher(publisher_id)
        # Nova's ExceptionPayload is flat: "exception" is the class name
        # (a string), beside "exception_message" (nova/notifications/
        # objects/exception.py).
        exc = data
        name = exc.get('exception') or 'unknown'
        return {
            'source': SOURCE,
            'name': 'NovaComputeException',
            'severity': 'warning',
            'host': host,
            'labels': {'exception': str(name)},
            'annotations': {'message': str(exc.get('exception_message'))},
            'status': 'firing',
            'occurrence_key': key,
        }
    if event_type.startswith('instance.') and data.get('state') == 'error':
        return {
            'source': SOURCE,
            'name': 'NovaInstanceError',
            'severity': 'warning',
            'host': data.get('host'),
            'labels': {'instance': str(data.get('uuid'))},
            'annotations': {'event_type': event_type},
            'status': 'firing',
            'occurrence_key': key,
        }
    return None


def outage_key(service):
    """The occurrence key of a compute's outage: its host and its last
    heartbeat, the same for every look at one outage by any conductor."""
    return f'down@{service["host"]}@{service.get("updated_at") or "never"}'


class NovaNotificationEndpoint:
    """Turns Nova notifications into signals; acknowledges a message only
    once handled, requeues it while the database is out."""

    def __init__(self, on_signal):
        self.on_signal = on_signal

    def _handle(self, publisher_id, event_type, payload, metadata):
        metrics.observe_lag(
            'nova-monitoring', (metadata or {}).get('timestamp')
        )
        try:
            signal = signal_of(publisher_id, event_type, payload, metadata)
        except Exception:
            LOG.exception('Cannot read Nova notification %s.', event_type)
            return messaging.NotificationResult.HANDLED
        if signal is None:
            return messaging.NotificationResult.HANDLED
        try:
            self.on_signal(signal)
        except db_exc.DBConnectionError:
            LOG.warning('Database unavailable: %s requeued.', event_type)
            return messaging.NotificationResult.REQUEUE
        except Exception:
            LOG.exception('Signal of %s failed.', event_type)
        return messaging.NotificationResult.HANDLED

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        return self._handle(publisher_id, event_type, payload, metadata)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        return self._handle(publisher_id, event_type, payload, metadata)

    warn = info


class NovaMonitoring(base.MonitoringDriver):
    def __init__(self):
        self._listener = None
        self._poller = None
        self._stop = threading.Event()
        #: Computes seen down at the last look; None before the first
        #: look, which resolves the alert of any compute seen up (a
        #: conductor started after an outage began may see its end).
        self._down = None

    def start(self, on_signal):
        self._stop.clear()
        rpc.init(CONF)
        targets = [
            messaging.Target(
                topic=CONF.alerts.nova_notification_topic,
                exchange=CONF.alerts.nova_notification_exchange,
            )
        ]
        self._listener = messaging.get_notification_listener(
            rpc.NOTIFICATION_TRANSPORT,
            targets,
            [NovaNotificationEndpoint(on_signal)],
            executor='threading',
            pool=CONF.alerts.listener_pool,
            # Without it oslo.messaging acks a REQUEUE result and the
            # message is lost.
            allow_requeue=True,
        )
        self._listener.start()
        interval = CONF.alerts.nova_service_poll_interval
        if interval > 0:
            self._poller = threading.Thread(
                target=self._poll_loop,
                args=(interval, on_signal),
                name='nova-monitoring-poll',
                daemon=True,
            )
            self._poller.start()

    def _poll_loop(self, interval, on_signal):
        while not self._stop.wait(interval):
            try:
                for signal in self.poll_services():
                    on_signal(signal)
            except Exception:
                LOG.exception('Poll of nova-compute services failed.')

    def poll_services(self):
        """Signals from one look at os-services."""
        now = timeutils.utcnow()
        signals = []
        seen_down = set()
        for service in factory.get_compute().list_services():
            host = service['host']
            # A forced-down compute is NovaComputeForcedDown's (heard
            # from Nova); it keeps heartbeating, so its last heartbeat
            # would make every look a new outage here.
            down = (
                service['state'] == 'down'
                and service['status'] == 'enabled'
                and not service.get('forced_down')
            )
            if down:
                seen_down.add(host)
            elif self._down is not None and host not in self._down:
                continue
            signals.append(
                {
                    'source': SOURCE,
                    'name': 'NovaComputeDown',
                    'severity': 'critical',
                    'host': host,
                    'labels': {'service': COMPUTE_BINARY},
                    'annotations': {
                        'summary': f'nova-compute on {host} is down'
                    },
                    'status': 'firing' if down else 'resolved',
                    'occurrence_key': outage_key(service),
                    'at': now,
                }
            )
        self._down = seen_down
        return signals

    def stop(self):
        self._stop.set()
        if self._listener is not None:
            self._listener.stop()
            self._listener.wait()
            self._listener = None
        if self._poller is not None:
            self._poller.join(10)
            self._poller = None
