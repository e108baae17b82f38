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

A message is acknowledged only once applied: the endpoint returns
``HANDLED`` after the database write, ``REQUEUE`` when the database is
unavailable, and ``HANDLED`` (with an error logged) for a message it
cannot understand, which a redelivery would not fix. A notification older
than the last one applied to an instance (late delivery from another
compute) is ignored.

Usage::

    listener = notifications.get_listener()
    listener.start()
    ...
    listener.stop(); listener.wait()
"""

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log
import oslo_messaging as messaging
from oslo_utils import timeutils

from fleet.common import exception
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


def _data(payload):
    """The fields of a versioned payload (``nova_object.data``)."""
    if isinstance(payload, dict) and 'nova_object.data' in payload:
        return payload['nova_object.data'] or {}
    return payload or {}


def _timestamp(metadata):
    value = (metadata or {}).get('timestamp')
    if not value:
        return None
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(str(value)))
    except ValueError:
        return None


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
    """Applies Nova's notifications to the inventory; see the module."""

    filter_rule = messaging.NotificationFilter(
        event_type=r'^(service\.update|instance\..*)$'
    )

    def __init__(self, dbapi=None):
        self.dbapi = dbapi or db_api.get_instance()
        #: Counts by outcome, for tests and the benchmark.
        self.applied = 0
        self.ignored = 0

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        wake(event_type, payload)
        try:
            done = self.apply(event_type, _data(payload), _timestamp(metadata))
        except (db_exc.DBConnectionError, db_exc.DBDeadlock) as e:
            LOG.warning(
                'Notification %s not applied (%s); requeued.', event_type, e
            )
            return messaging.NotificationResult.REQUEUE
        except Exception:
            # Malformed: a redelivery would fail the same way.
            LOG.exception(
                'Cannot apply notification %s from %s; dropped.',
                event_type,
                publisher_id,
            )
            self.ignored += 1
            return messaging.NotificationResult.HANDLED
        if done:
            self.applied += 1
        else:
            self.ignored += 1
        return messaging.NotificationResult.HANDLED

    # Nova sends some instance failures at error priority.
    error = info

    def apply(self, event_type, data, timestamp=None):
        """Apply one notification.

        :returns: whether it changed anything.
        """
        if event_type == 'service.update':
            return self._service_update(data)
        if event_type in DELETE_EVENTS:
            return (
                self.dbapi.delete_instance(data['uuid'], timestamp) is not None
            )
        if event_type.startswith('instance.'):
            if event_type not in HOST_EVENTS and self._moved_away(data):
                return False
            values = instance_values(data, event_type in HOST_EVENTS)
            result = self.dbapi.apply_instance(values, timestamp)
            if (
                result is not None
                and result['old_host'] != (result['instance']['host'])
            ):
                LOG.info(
                    'Instance %s: host %s -> %s (%s).',
                    values['uuid'],
                    result['old_host'],
                    result['instance']['host'],
                    event_type,
                )
            return result is not None
        return False

    def _moved_away(self, data):
        """Whether the payload names a host the instance has left: the
        old host's stale view, e.g. the source's
        ``instance.live_migration_post.end``, sent after the destination's
        ``post_dest.end`` with the source as host and task state still
        ``migrating``. Its status must not overwrite the new host's."""
        if not data.get('host'):
            return False
        try:
            current = self.dbapi.get_instance(data['uuid'])
        except exception.InstanceNotFound:
            return False
        return current['host'] is not None and current['host'] != data['host']

    def _service_update(self, data):
        if data.get('binary') != COMPUTE_BINARY or not data.get('host'):
            return False
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
        try:
            host = self.dbapi.get_host(data['host'])
        except exception.HostNotFound:
            self.dbapi.create_host(
                dict(
                    values,
                    name=data['host'],
                    kind='compute',
                    source='nova',
                    nova_service_state='up',
                ),
                history=HISTORY,
            )
            return True
        changes = {k: v for k, v in values.items() if host.get(k) != v}
        if not changes:
            return False
        self.dbapi.update_host(host['uuid'], changes, history=HISTORY)
        return True


def get_listener(endpoint=None):
    """The notification listener of the inventory (not started).

    :param endpoint: an InventoryEndpoint; a new one by default.
    """
    if rpc.NOTIFICATION_TRANSPORT is None:
        rpc.init(CONF)
    target = messaging.Target(
        topic=CONF.inventory.notifications_topic,
        exchange=CONF.inventory.notifications_exchange,
    )
    return messaging.get_notification_listener(
        rpc.NOTIFICATION_TRANSPORT,
        [target],
        [endpoint or InventoryEndpoint()],
        executor='threading',
        pool=CONF.inventory.notifications_pool,
        allow_requeue=True,
    )
