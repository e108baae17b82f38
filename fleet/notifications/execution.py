"""execution.start and execution.end."""

from fleet.notifications import base


class ExecutionPayload(base.NotificationPayload):
    NAME = 'ExecutionPayload'
    VERSION = '1.0'
    FIELDS = (
        'uuid',
        'kind',
        'state',
        'host_uuid',
        'requested_by',
        'result',
        'started_at',
        'finished_at',
    )
    DATETIME_FIELDS = ('started_at', 'finished_at')


START = 'execution.start'
END = 'execution.end'


def emit(context, event_type, execution):
    """:param execution: the execution row (dict)."""
    priority = 'info'
    if event_type == END and execution.get('state') != 'succeeded':
        priority = 'warning'
    base.emit(
        context, event_type, ExecutionPayload(execution), priority=priority
    )
