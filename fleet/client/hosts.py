"""Hosts: the physical resources of the fleet (``/v1/hosts``).

Hosts are plain dicts, as the API shows them::

    client.hosts.list(kind='compute', state='active', limit=50)
    client.hosts.update('c1', labels={'rack': 'r12', 'old': None})
    client.hosts.unmanage('c1', reason='RMA for a bad DIMM', owner='dc-ops')
    client.hosts.release('c1', reason='run stuck on a dead conductor')
"""

#: Query filters of GET /v1/hosts.
FILTERS = (
    'name',
    'kind',
    'state',
    'region',
    'cell',
    'availability_zone',
    'rack',
    'source',
)
SORT_KEYS = ('id', 'name', 'kind', 'state', 'created_at', 'updated_at')
#: Label/variable filters, host history and variables, replacement.
INVENTORY_VERSION = (1, 2)
#: Forced release of a host.
RELEASE_VERSION = (1, 5)
#: Metric filters and ``metric:<name>`` sort keys of the host list.
METRIC_LIST_VERSION = (1, 9)
#: Prefix of a sort key that orders hosts by a metric's latest value.
METRIC_SORT_PREFIX = 'metric:'


def _key_values(pairs):
    """``{k: v}`` -> ``['k=v', ...]``; a None value matches any value."""
    return [k if v is None else f'{k}={v}' for k, v in sorted(pairs.items())]


class HostManager:
    """CRUD and state changes of hosts.

    :param client: the :class:`fleet.client.client.Client`.
    """

    path = '/v1/hosts'

    def __init__(self, client):
        self.client = client

    def _one(self, ident):
        return f'{self.path}/{ident}'

    def list(
        self,
        limit=None,
        marker=None,
        sort_key=None,
        sort_dir=None,
        labels=None,
        variables=None,
        metrics=None,
        **filters,
    ):
        """Hosts matching every filter given.

        :param limit: the most hosts to return; None follows every page.
        :param marker: UUID of the host to start after.
        :param sort_key: one of :data:`SORT_KEYS`, or ``metric:<name>``:
            the host's latest value of the metric, hosts without one first
            ascending (API 1.9).
        :param sort_dir: ``asc`` or ``desc``.
        :param labels: ``{key: value}`` the hosts' labels must have; a
            None value matches any value of the key (API 1.2).
        :param variables: the same, of the host's own variables (API 1.2).
        :param metrics: ``['<name>', '<name>:<op>:<number>', ...]``, every
            one of which must hold: the host has a value of the metric, or
            its latest value compares so (op ``gt``, ``gte``, ``lt``,
            ``lte``) (API 1.9).
        :param filters: any of :data:`FILTERS`.
        :returns: list of host dicts.
        """
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise TypeError(f'Unknown host filter(s): {sorted(unknown)}')
        params = dict(filters)
        params.update(marker=marker, sort_key=sort_key, sort_dir=sort_dir)
        kwargs = {}
        if labels or variables:
            kwargs.update(
                min_version=INVENTORY_VERSION,
                what='Filtering hosts by label or variable',
            )
            if labels:
                params['label'] = _key_values(labels)
            if variables:
                params['variable'] = _key_values(variables)
        if metrics or (sort_key or '').startswith(METRIC_SORT_PREFIX):
            kwargs.update(
                min_version=METRIC_LIST_VERSION,
                what='Filtering or sorting hosts by metric',
            )
            if metrics:
                params['metric'] = list(metrics)
        return self.client.list(
            self.path, 'hosts', params, limit=limit, **kwargs
        )

    def get(self, ident):
        """A host by name or UUID."""
        return self.client.get_json(self._one(ident))

    def create(self, name, **fields):
        """Register a host fleet owns (source ``api``).

        :param fields: kind, region, cell, availability_zone, rack,
            hardware_id, serial, labels, variables.
        """
        body = {k: v for k, v in fields.items() if v is not None}
        body['name'] = name
        return self.client.request('POST', self.path, json=body).json()

    def update(self, ident, **patch):
        """Apply a JSON merge patch: in ``labels`` and ``variables`` a
        None value deletes the key; other fields are replaced."""
        return self.client.request(
            'PATCH', self._one(ident), json=patch
        ).json()

    def delete(self, ident):
        """Delete a host fleet owns; inventory hosts are retired instead."""
        self.client.request('DELETE', self._one(ident))

    def manage(self, ident, reason=None, owner=None):
        """Return a host to fleet (state ``active``)."""
        patch = {'state': 'active', 'state_reason': reason}
        if owner is not None:
            patch['owner'] = owner
        return self.update(ident, **patch)

    def unmanage(self, ident, reason, owner=None):
        """Hand a host to a human (state ``unmanaged``); fleet leaves it
        alone until it is managed again."""
        patch = {'state': 'unmanaged', 'state_reason': reason}
        if owner is not None:
            patch['owner'] = owner
        return self.update(ident, **patch)

    def history(self, ident, limit=None):
        """What happened to a host, newest first (API 1.2): creations,
        changes with who, why and the fields changed, replacements."""
        params = {'limit': limit} if limit is not None else None
        return self.client.get_json(
            self._one(ident) + '/history',
            params=params,
            min_version=INVENTORY_VERSION,
            what='Host history',
        )['history']

    def variables(self, ident):
        """A host's variables resolved through its places (API 1.2):
        ``{'variables': {k: v}, 'sources': {k: 'kind:name' or 'host'},
        'levels': [...]}``."""
        return self.client.get_json(
            self._one(ident) + '/variables',
            min_version=INVENTORY_VERSION,
            what='Host variables',
        )

    def replace(self, ident, replacement, reason=None, retire=False):
        """Replace a host by another (API 1.2): the replacement takes its
        place, labels, variables and aggregates; with ``retire`` the old
        one is retired.

        :returns: ``{'replaced', 'replacement', 'cloned', 'aggregates'}``.
        """
        body = {'replacement': replacement}
        if reason is not None:
            body['reason'] = reason
        if retire:
            body['retire'] = True
        return self.client.request(
            'POST',
            self._one(ident) + '/replace',
            json=body,
            min_version=INVENTORY_VERSION,
            what='Host replacement',
        ).json()

    def release(self, ident, reason=None):
        """Force a host free (API 1.5): its active run ends cancelled, the
        host is handed to a human (``unmanaged``) and its nova-compute
        kept disabled; ``manage`` returns it once checked.

        :returns: the host, with ``released_execution`` (the run ended,
            or None).
        """
        body = {'reason': reason} if reason else {}
        return self.client.request(
            'POST',
            self._one(ident) + '/release',
            json=body,
            min_version=RELEASE_VERSION,
            what='Host release',
        ).json()
