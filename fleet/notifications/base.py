"""Payload base class and the notifier of fleet's notifications.

The notifier uses ``[oslo_messaging_notifications] driver`` (use
``messagingv2``) on topic ``[alerts] notification_topic``. Emitting never
fails the operation that emits: an error is logged and dropped.
"""

import socket

from oslo_config import cfg
from oslo_log import log
import oslo_messaging as messaging

from fleet.common import rpc

CONF = cfg.CONF
LOG = log.getLogger(__name__)

NAMESPACE = 'fleet'


def _isoformat(value):
    if value is None or isinstance(value, str):
        return value
    return value.isoformat() + 'Z'


class NotificationPayload:
    """A versioned payload: a fixed list of fields taken from a row.

    Bump ``VERSION`` (minor: a field added; major: a field removed or
    changed) and regenerate the sample whenever ``FIELDS`` changes.
    """

    NAME = None
    VERSION = '1.0'
    #: Field names, in order.
    FIELDS = ()
    #: Fields holding datetimes (sent as ISO 8601 strings).
    DATETIME_FIELDS = ()

    def __init__(self, row):
        self.data = {}
        for field in self.FIELDS:
            value = row.get(field)
            if field in self.DATETIME_FIELDS:
                value = _isoformat(value)
            self.data[field] = value

    def to_primitive(self):
        return {
            'fleet_object.name': self.NAME,
            'fleet_object.namespace': NAMESPACE,
            'fleet_object.version': self.VERSION,
            'fleet_object.data': self.data,
        }


_notifier = None


def get_notifier():
    """The notifier, or None while no notification transport exists."""
    global _notifier
    if rpc.NOTIFICATION_TRANSPORT is None:
        return None
    if _notifier is None or _notifier.transport is not (
        rpc.NOTIFICATION_TRANSPORT
    ):
        _notifier = messaging.Notifier(
            rpc.NOTIFICATION_TRANSPORT,
            publisher_id=f'fleet:{CONF.host or socket.gethostname()}',
            topics=[CONF.alerts.notification_topic],
        )
    return _notifier


def emit(context, event_type, payload, priority='info'):
    """Send one notification; never raises.

    :param payload: a :class:`NotificationPayload`.
    """
    notifier = get_notifier()
    if notifier is None:
        LOG.debug('No notification transport; %s not sent.', event_type)
        return
    try:
        getattr(notifier, priority)(
            context.to_dict() if context is not None else {},
            event_type,
            payload.to_primitive(),
        )
    except Exception:
        LOG.exception('Cannot send notification %s.', event_type)
