"""Alerts: deduplicated signals from monitoring, tools and operators
(``/v1/alerts``, API 1.3 and later)::

    alerts = client.alerts.list(state='firing', host='c1')
    client.alerts.acknowledge(alerts[0]['uuid'], comment='on it')
    client.alerts.silence(uuid, reason='known, RMA open', duration=7200)
"""

MIN_VERSION = (1, 3)

#: Query filters of GET /v1/alerts; ``host`` takes a name or UUID.
FILTERS = ('name', 'state', 'severity', 'source', 'host', 'host_uuid')
SORT_KEYS = ('id', 'last_seen', 'first_seen', 'count', 'severity', 'state')
STATES = ('firing', 'acknowledged', 'silenced', 'resolved')
SEVERITIES = ('info', 'warning', 'critical')


class AlertManager:
    """List, show, post, acknowledge and silence alerts.

    :param client: the :class:`fleet.client.client.Client`.
    """

    path = '/v1/alerts'
    what = 'Alerts'

    def __init__(self, client):
        self.client = client

    def _request(self, method, path, **kwargs):
        return self.client.request(
            method, path, min_version=MIN_VERSION, what=self.what, **kwargs
        )

    def list(
        self, limit=None, marker=None, sort_key=None, sort_dir=None, **filters
    ):
        """Alerts matching every filter given.

        :param filters: any of :data:`FILTERS`.
        :returns: list of alert dicts.
        """
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise TypeError(f'Unknown alert filter(s): {sorted(unknown)}')
        params = dict(filters)
        params.update(marker=marker, sort_key=sort_key, sort_dir=sort_dir)
        return self.client.list(
            self.path,
            'alerts',
            params,
            limit=limit,
            min_version=MIN_VERSION,
            what=self.what,
        )

    def get(self, uuid):
        """One alert, with its ``history``."""
        return self._request('GET', f'{self.path}/{uuid}').json()

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
        return self._request('POST', self.path, json=body).json()

    def acknowledge(self, uuid, comment=None):
        """Say a human is on a firing alert."""
        body = {'comment': comment} if comment else {}
        return self._request(
            'POST', f'{self.path}/{uuid}/acknowledge', json=body
        ).json()

    def silence(self, uuid, reason, duration=None):
        """Silence an alert for ``duration`` seconds (server default:
        ``[alerts] default_silence_seconds``)."""
        body = {'reason': reason}
        if duration is not None:
            body['duration'] = duration
        return self._request(
            'POST', f'{self.path}/{uuid}/silence', json=body
        ).json()

    def unsilence(self, uuid):
        """End a silence: the alert fires again."""
        return self._request('POST', f'{self.path}/{uuid}/unsilence').json()
