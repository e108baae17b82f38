"""The inventory's listener of Nova's versioned notifications.

Between full syncs, the conductor applies what Nova announces on the
``versioned_notifications`` topic (pool ``[inventory] notifications_pool``,
apart from the monitoring listener's):

* ``service.update`` of a nova-compute: status, disabled reason, forced
  down, availability zone of the host;
* ``instance.create.end``, ``instance.update``,
  ``instance.live_migration_post_dest.end`` and the other events that
  settle an instance on a host: the instance, its host and its flavor;
* ``instance.delete.end``: the instance is forgotten;
* every other ``instance.*`` event (``live_migration_pre``,
  ``live_migration_post`` sent by the *source*, ...): status and task
  state only, never the host, which the source still names; and nothing
  at all when it names a host the instance has already left (the
  source's ``live_migration_post.end`` comes after the destination's
  ``post_dest.end``, still ``migrating``).

Notifications come in batches (oslo.messaging's batch listener: up to
``[inventory] notifications_batch_size`` messages, or what arrived within
``notifications_batch_timeout`` seconds) and a batch is applied in one
transaction (:meth:`fleet.db.api.Connection.apply_notification_batch`),
with the outcome of applying its messages one by one in the order they
came. One worker applies the batches, one after the other, so the order
per instance holds across batches too; a notification older than the
last one applied to an instance (late delivery from another compute, or
from another conductor of the pool) is ignored.

Acknowledgement follows oslo.messaging's batch semantics
(``BatchNotificationDispatcher``): the endpoint returns ``None`` (every
message acknowledged) once the transaction committed, or ``REQUEUE``
(every message of the batch requeued, none acknowledged) when the
database is unavailable; the server acknowledges or requeues. A message
it cannot understand is logged and dropped (a redelivery would fail the
same way); one that makes the database refuse the batch is found by
halving the batch, then dropped alone, so it never blocks the others.

Counts by outcome are logged every ``LOG_INTERVAL`` seconds and served
as ``fleet_inventory_notifications{outcome}``
(:mod:`fleet.common.metrics`).

Usage::

    listener = notifications.get_listener()
    notifications.start(listener)
    ...
    listener.stop(); listener.wait()
"""

import collections
import datetime
import threading
import time

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log
import oslo_messaging as messaging
from oslo_utils import timeutils

from fleet.common import metrics
from fleet.common import rpc
from fleet.conductor import waiters
from fleet.db import api as db_api

CONF = cfg.CONF
LOG = log.getLogger(__name__)

COMPUTE_BINARY = 'nova-compute'
#: Events after which the payload's host is where the instance is.
HOST_EVENTS = frozenset(
    {
        'instance.create.end',
        'instance.update',
        'instance.live_migration_post_dest.end',
        'instance.live_migration_rollback.end',
        'instance.live_migration_rollback_dest.end',
        'instance.resize_finish.end',
        'instance.resize_revert.end',
        'instance.rebuild.end',
        'instance.evacuate',
        'instance.unshelve.end',
    }
)
DELETE_EVENTS = frozenset({'instance.delete.end'})
#: Nova's vm_state -> the API status of a server.
STATUS = {
    'active': 'ACTIVE',
    'building': 'BUILD',
    'stopped': 'SHUTOFF',
    'paused': 'PAUSED',
    'suspended': 'SUSPENDED',
    'rescued': 'RESCUE',
    'resized': 'VERIFY_RESIZE',
    'soft-delete': 'SOFT_DELETED',
    'deleted': 'DELETED',
    'error': 'ERROR',
    'shelved': 'SHELVED',
    'shelved_offloaded': 'SHELVED_OFFLOADED',
}
#: Task states under which Nova's API shows another status.
TASK_STATUS = {'migrating': 'MIGRATING', 'rebuilding': 'REBUILD'}
HISTORY = {'source': 'notification', 'actor': 'nova'}
#: Outcomes of a delivery, in the order logs show them.
OUTCOMES = (
    'applied',
    'stale',
    'moved',
    'unchanged',
    'unknown',
    'malformed',
    'requeued',
)
#: Outcomes that acknowledge a message without changing anything.
IGNORED = ('stale', 'moved', 'unchanged', 'unknown', 'malformed')
#: The database errors that requeue a batch: it may work again later.
DB_UNAVAILABLE = (db_exc.DBConnectionError, db_exc.DBDeadlock)
#: Seconds between two log lines of counts.
LOG_INTERVAL = 60


def _data(payload):
    """The fields of a versioned payload (``nova_object.data``)."""
    if isinstance(payload, dict) and 'nova_object.data' in payload:
        return payload['nova_object.data'] or {}
    return payload or {}


def _timestamp(metadata):
    """The emission time (naive UTC) of a notification, or None."""
    value = (metadata or {}).get('timestamp')
    if not value:
        return None
    try:
        # oslo.messaging writes str(utcnow()): "2026-11-30 18:00:00.123456"
        parsed = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        try:
            parsed = timeutils.parse_isotime(str(value))
        except ValueError:
            return None
    return timeutils.normalize_time(parsed)


def _uuid(data):
    """The instance uuid of a payload; a payload without one is
    malformed."""
    uuid = data.get('uuid')
    if not isinstance(uuid, str) or not uuid:
        raise ValueError(f'no instance uuid in {sorted(data)}')
    return uuid


def instance_values(data, with_host):
    """Columns of ``host_instances`` from an InstancePayload."""
    state = data.get('state')
    task_state = data.get('task_state')
    values = {
        'uuid': data['uuid'],
        'name': data.get('display_name'),
        'status': TASK_STATUS.get(task_state)
        or STATUS.get(state, (state or '').upper() or None),
        'task_state': task_state,
        'project_id': data.get('tenant_id'),
    }
    flavor = _data(data.get('flavor'))
    if flavor:
        values.update(
            flavor=flavor.get('name'),
            vcpus=flavor.get('vcpus') or 0,
            memory_mb=flavor.get('memory_mb') or 0,
            disk_gb=(flavor.get('root_gb') or 0)
            + (flavor.get('ephemeral_gb') or 0),
        )
    if with_host and data.get('host'):
        values['host'] = data['host']
    return values


def wake(event_type, payload):
    """Wake the tasks waiting on the instance of an ``instance.*``
    notification (a migration's end): they then read Nova themselves; see
    :mod:`fleet.conductor.waiters`. Never raises."""
    if not (event_type or "").startswith("instance."):
        return
    data = _data(payload)
    if isinstance(data, dict):
        waiters.notify(data.get('uuid'), event_type)


class InventoryEndpoint:
    """Applies batches of Nova's notifications to the inventory; see the
    module."""

    filter_rule = messaging.NotificationFilter(
        event_type=r'^(service\.update|instance\..*)$'
    )
    #: Seconds the worker waits before requeueing a batch the database
    #: refused, so a database outage is not a busy loop of redeliveries.
    requeue_delay = 1.0

    def __init__(self, dbapi=None):
        self.dbapi = dbapi or db_api.get_instance()
        #: Deliveries by outcome (see OUTCOMES), for logs, tests and the
        #: benchmark; fleet_inventory_notifications counts the same.
        self.counts = collections.Counter()
        self._lock = threading.Lock()
        self._logged = collections.Counter()
        self._logged_at = time.monotonic()

    @property
    def applied(self):
        return self.counts['applied']

    @property
    def ignored(self):
        return sum(self.counts[o] for o in IGNORED)

    @property
    def requeued(self):
        return self.counts['requeued']

    def info(self, messages):
        """A batch endpoint: ``messages`` are dicts of ``ctxt``,
        ``publisher_id``, ``event_type``, ``payload``, ``metadata``.

        :returns: ``REQUEUE`` to have the whole batch redelivered, else
            None: every message acknowledged.
        """
        start = time.monotonic()
        for message in messages:
            # Migrations waiting on these instances look at Nova now,
            # before the batch's transaction.
            wake(message.get('event_type'), message.get('payload'))
        outcomes = [None] * len(messages)
        events, slots = [], []
        for i, message in enumerate(messages):
            metadata = message.get('metadata') or {}
            try:
                event = self._event(
                    message['event_type'],
                    _data(message.get('payload')),
                    _timestamp(metadata),
                )
            except Exception:
                LOG.exception(
                    'Cannot read notification %s from %s (message %s); '
                    'dropped.',
                    message.get('event_type'),
                    message.get('publisher_id'),
                    metadata.get('message_id'),
                )
                outcomes[i] = 'malformed'
                continue
            if event is None:
                outcomes[i] = 'unknown'
                continue
            event['message'] = message
            events.append(event)
            slots.append(i)
        try:
            results = self._apply(events)
        except DB_UNAVAILABLE as e:
            LOG.warning(
                'Batch of %d notifications not applied (%s); requeued.',
                len(messages),
                e,
            )
            self._count({'requeued': len(messages)})
            time.sleep(self.requeue_delay)
            return messaging.NotificationResult.REQUEUE
        for i, event, result in zip(slots, events, results, strict=True):
            outcomes[i] = result['outcome']
            if 'new_host' in result:
                LOG.info(
                    'Instance %s: host %s -> %s (%s).',
                    event['values']['uuid'],
                    result['old_host'],
                    result['new_host'],
                    event['message']['event_type'],
                )
        for message in messages:
            metrics.observe_lag(
                'inventory', (message.get('metadata') or {}).get('timestamp')
            )
        metrics.INGEST_BATCH_SECONDS.observe(time.monotonic() - start)
        self._count(collections.Counter(outcomes))
        return None

    # Nova sends some instance failures at error priority.
    error = info

    def _apply(self, events):
        """Results of ``events`` applied in order: in one transaction, or,
        if the database refuses it for a reason other than being
        unavailable, by halves until the one event it refuses is found
        and dropped as ``malformed``."""
        if not events:
            return []
        strip = [
            {k: v for k, v in e.items() if k != 'message'} for e in events
        ]
        try:
            return self.dbapi.apply_notification_batch(strip)
        except DB_UNAVAILABLE:
            raise
        except Exception as e:
            if len(events) > 1:
                LOG.warning(
                    'Batch of %d notifications refused (%s: %s); applying '
                    'it by halves to find the one at fault.',
                    len(events),
                    type(e).__name__,
                    e,
                )
            else:
                message = events[0]['message']
                LOG.exception(
                    'Cannot apply notification %s from %s (message %s); '
                    'dropped.',
                    message.get('event_type'),
                    message.get('publisher_id'),
                    (message.get('metadata') or {}).get('message_id'),
                )
                return [{'outcome': 'malformed'}]
        half = len(events) // 2
        return self._apply(events[:half]) + self._apply(events[half:])

    def _event(self, event_type, data, timestamp):
        """The database event of one notification, or None if it is not
        one the inventory uses."""
        if event_type == 'service.update':
            return self._service_event(data)
        if event_type in DELETE_EVENTS:
            return {
                'kind': 'delete',
                'uuid': _uuid(data),
                'timestamp': timestamp,
            }
        if event_type.startswith('instance.'):
            host_event = event_type in HOST_EVENTS
            _uuid(data)
            return {
                'kind': 'instance',
                'values': instance_values(data, host_event),
                'timestamp': timestamp,
                # Events other than HOST_EVENTS: the source may send
                # them after the instance left (see the module).
                'unless_moved': None if host_event else data.get('host'),
            }
        return None

    def _service_event(self, data):
        if data.get('binary') != COMPUTE_BINARY or not data.get('host'):
            return None
        values = {
            'nova_service_status': 'disabled'
            if data.get('disabled')
            else 'enabled',
            'nova_disabled_reason': data.get('disabled_reason'),
        }
        if data.get('forced_down'):
            values['nova_service_state'] = 'down'
        if data.get('uuid'):
            values['nova_service_id'] = data['uuid']
        if data.get('availability_zone'):
            values['availability_zone'] = data['availability_zone']
        return {
            'kind': 'service',
            'host': data['host'],
            'values': values,
            'create_values': {
                'kind': 'compute',
                'source': 'nova',
                'nova_service_state': 'up',
            },
            'history': HISTORY,
        }

    def _count(self, counts):
        counts = {k: v for k, v in counts.items() if v}
        for outcome, n in counts.items():
            metrics.INGESTED.labels(outcome=outcome).inc(n)
        with self._lock:
            self.counts.update(counts)
            self._logged.update(counts)
            now = time.monotonic()
            if now - self._logged_at < LOG_INTERVAL:
                return
            logged, self._logged = self._logged, collections.Counter()
            since, self._logged_at = self._logged_at, now
        LOG.info(
            'Inventory notifications in the last %.0f s: %s.',
            now - since,
            ', '.join(f'{o} {logged[o]}' for o in OUTCOMES if logged[o]),
        )


def get_listener(endpoint=None):
    """The batch notification listener of the inventory (not started:
    :func:`start` it).

    :param endpoint: an InventoryEndpoint; a new one by default.
    """
    if rpc.NOTIFICATION_TRANSPORT is None:
        rpc.init(CONF)
    target = messaging.Target(
        topic=CONF.inventory.notifications_topic,
        exchange=CONF.inventory.notifications_exchange,
    )
    return messaging.get_batch_notification_listener(
        rpc.NOTIFICATION_TRANSPORT,
        [target],
        [endpoint or InventoryEndpoint()],
        executor='threading',
        pool=CONF.inventory.notifications_pool,
        allow_requeue=True,
        batch_size=CONF.inventory.notifications_batch_size,
        batch_timeout=CONF.inventory.notifications_batch_timeout,
    )


def start(listener):
    """Start ``listener`` with one worker: the threading executor would
    otherwise apply up to ``executor_thread_pool_size`` batches at once,
    in any order, and a later batch could overtake an earlier one."""
    listener.start(override_pool_size=1)
    return listener
