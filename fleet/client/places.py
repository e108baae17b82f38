"""Places: regions, availability zones, cells and racks, with the
variables their hosts inherit (``/v1/places``), and the capacity view
(``/v1/capacity``); API 1.2 and later::

    client.places.create('r12', 'rack', variables={'pdu': 'pdu-12'})
    client.hosts.variables('c1')['sources']
    client.capacity.get(without=['c1', 'c2'])['what_if']['fits']
"""

from fleet.client import base

MIN_VERSION = (1, 2)

#: Query filters of GET /v1/places.
FILTERS = ('name', 'kind', 'parent_uuid', 'source')
SORT_KEYS = ('id', 'name', 'kind', 'created_at', 'updated_at')
#: From the widest to the narrowest.
KINDS = ('region', 'availability_zone', 'cell', 'rack')


class PlaceManager(base.CollectionManager):
    """CRUD of places."""

    path = '/v1/places'
    key = 'places'
    noun = 'place'
    what = 'Places'
    min_version = MIN_VERSION
    filters = FILTERS

    def create(self, name, kind, **fields):
        """Create a place of ``kind`` (:data:`KINDS`).

        :param fields: parent_uuid, description, labels, variables.
        """
        body = {k: v for k, v in fields.items() if v is not None}
        body.update(name=name, kind=kind)
        return self._post(self.path, body)

    def update(self, ident, **patch):
        """A JSON merge patch, as for hosts: in ``labels`` and
        ``variables`` a None value deletes the key."""
        return self._request(
            'PATCH', f'{self.path}/{ident}', json=patch
        ).json()

    def delete(self, ident):
        self._request('DELETE', f'{self.path}/{ident}')


class CapacityManager(base.Manager):
    """Used and free vCPU, RAM and disk of the compute hosts."""

    path = '/v1/capacity'
    what = 'Capacity'
    min_version = MIN_VERSION

    def get(self, without=None, availability_zone=None):
        """Capacity per host, availability zone and aggregate, and the
        total; with ``without`` (host names or UUIDs), ``what_if`` says
        whether their instances fit on the other schedulable hosts."""
        params = {}
        if without:
            params['without'] = ','.join(without)
        if availability_zone:
            params['availability_zone'] = availability_zone
        return self._request('GET', self.path, params=params).json()
