"""Alerts: deduplicated signals from monitoring, tools and operators
(``/v1/alerts``, API 1.3 and later)::

    alerts = client.alerts.list(state='firing', host='c1')
    client.alerts.acknowledge(alerts[0]['uuid'], comment='on it')
    client.alerts.silence(uuid, reason='known, RMA open', duration=7200)
"""

from fleet.client import base

MIN_VERSION = (1, 3)

#: Query filters of GET /v1/alerts; ``host`` takes a name or UUID.
FILTERS = ('name', 'state', 'severity', 'source', 'host', 'host_uuid')
SORT_KEYS = ('id', 'last_seen', 'first_seen', 'count', 'severity', 'state')
STATES = ('firing', 'acknowledged', 'silenced', 'resolved')
SEVERITIES = ('info', 'warning', 'critical')


class AlertManager(base.CollectionManager):
    """List, show, post, acknowledge and silence alerts."""

    path = '/v1/alerts'
    key = 'alerts'
    noun = 'alert'
    what = 'Alerts'
    min_version = MIN_VERSION
    filters = FILTERS

    def create(self, name, **fields):
        """Record an alert as a monitoring tool would.

        :param fields: severity, host, labels, annotations, status
            (``firing`` or ``resolved``), fingerprint, occurrence_id,
            source.
        :returns: ``{'alert': {...}, 'duplicate': bool, 'decisions':
            [...]}``: the (possibly existing) alert and what the runbooks
            decided about it.
        """
        body = {k: v for k, v in fields.items() if v is not None}
        body['name'] = name
        return self._post(self.path, body)

    def acknowledge(self, uuid, comment=None):
        """Say a human is on a firing alert."""
        body = {'comment': comment} if comment else {}
        return self._post(f'{self.path}/{uuid}/acknowledge', body)

    def silence(self, uuid, reason, duration=None):
        """Silence an alert for ``duration`` seconds (server default:
        ``[alerts] default_silence_seconds``)."""
        body = {'reason': reason}
        if duration is not None:
            body['duration'] = duration
        return self._post(f'{self.path}/{uuid}/silence', body)

    def unsilence(self, uuid):
        """End a silence: the alert fires again."""
        return self._post(f'{self.path}/{uuid}/unsilence')
