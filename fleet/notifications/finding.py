"""finding.update: an audit finding's result changed.

Sent once per change of result of a rule on a host (``old_result`` ->
``result``), never for an audit that finds the same again, nor for a
first result that is ``pass`` or ``notapplicable`` (a new host passing
its profile is no news; a first ``fail`` or ``error`` is). A change into
``fail`` or ``error`` is a WARN, any other an INFO.
"""

from fleet.notifications import base

UPDATE = 'finding.update'
#: New results that make the notification a warning.
_WARN = ('fail', 'error')
#: First results that are no news.
_QUIET_FIRST = ('pass', 'notapplicable')


class FindingPayload(base.NotificationPayload):
    NAME = 'FindingPayload'
    VERSION = '1.0'
    FIELDS = (
        'uuid',
        'host_uuid',
        'host_name',
        'profile_uuid',
        'profile_name',
        'rule',
        'severity',
        'old_result',
        'result',
        'evidence',
        'message',
        'changed_at',
    )
    DATETIME_FIELDS = ('changed_at',)


def notable(change):
    """Whether a change of result (as ``record_audit_results`` returns
    it) is sent."""
    old, new = change['old_result'], change['new_result']
    if old == new:
        return False
    return not (old is None and new in _QUIET_FIRST)


def emit_changes(context, changes):
    """One ``finding.update`` per notable change of result.

    :param changes: dicts ``finding`` (the row after), ``old_result``,
        ``new_result``.
    :returns: the number sent (0 without a notification transport).
    """
    notifier = base.get_notifier()
    if notifier is None or not notifier.is_enabled():
        return 0
    sent = 0
    for change in changes:
        if not notable(change):
            continue
        row = dict(change['finding'], old_result=change['old_result'])
        priority = 'warning' if change['new_result'] in _WARN else 'info'
        base.emit(context, UPDATE, FindingPayload(row), priority=priority)
        sent += 1
    return sent
