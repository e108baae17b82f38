"""alert.raise and alert.resolve."""

from fleet.notifications import base


class AlertPayload(base.NotificationPayload):
    NAME = 'AlertPayload'
    VERSION = '1.0'
    FIELDS = (
        'uuid',
        'fingerprint',
        'name',
        'source',
        'severity',
        'state',
        'host_uuid',
        'host_name',
        'labels',
        'annotations',
        'count',
        'first_seen',
        'last_seen',
        'resolved_at',
    )
    DATETIME_FIELDS = ('first_seen', 'last_seen', 'resolved_at')


RAISE = 'alert.raise'
RESOLVE = 'alert.resolve'


def emit(context, event_type, alert):
    """:param alert: the alert row (dict)."""
    priority = 'warning' if event_type == RAISE else 'info'
    base.emit(context, event_type, AlertPayload(alert), priority=priority)
