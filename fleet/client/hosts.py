"""Hosts: the physical resources of the fleet (``/v1/hosts``).

Hosts are plain dicts, as the API shows them::

    client.hosts.list(kind='compute', state='active', limit=50)
    client.hosts.update('c1', labels={'rack': 'r12', 'old': None})
    client.hosts.unmanage('c1', reason='RMA for a bad DIMM', owner='dc-ops')
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
        self, limit=None, marker=None, sort_key=None, sort_dir=None, **filters
    ):
        """Hosts matching every filter given.

        :param limit: the most hosts to return; None follows every page.
        :param marker: UUID of the host to start after.
        :param sort_key: one of :data:`SORT_KEYS`.
        :param sort_dir: ``asc`` or ``desc``.
        :param filters: any of :data:`FILTERS`.
        :returns: list of host dicts.
        """
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise TypeError(f'Unknown host filter(s): {sorted(unknown)}')
        params = dict(filters)
        params.update(marker=marker, sort_key=sort_key, sort_dir=sort_dir)
        return self.client.list(self.path, 'hosts', params, limit=limit)

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
