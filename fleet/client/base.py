"""What the client's resource managers share: one REST collection of the
fleet API, its minimum microversion, its filters and its paging.

A manager names its collection and the rest follows::

    class PlanManager(base.CollectionManager):
        path = '/v1/plans'
        key = 'plans'
        noun = 'plan'
        what = 'Plans'
        min_version = (1, 8)
        filters = ('state', 'name')
"""


def _query_value(value):
    """A filter's value as the API reads it: booleans are ``true`` or
    ``false`` (requests would send ``True``)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return value


class Manager:
    """Calls of one part of the API, all needing :attr:`min_version`.

    :param client: the :class:`fleet.client.client.Client`.
    """

    #: The part's path, e.g. ``/v1/plans``.
    path = None
    #: What the calls are about, for version errors (``Plans``).
    what = None
    #: (major, minor) every call of this manager needs.
    min_version = None

    def __init__(self, client):
        self.client = client

    def _request(self, method, path, **kwargs):
        return self.client.request(
            method,
            path,
            min_version=self.min_version,
            what=self.what,
            **kwargs,
        )

    def _post(self, path, body=None):
        """POST ``body`` (if any) to ``path`` and return the JSON answer."""
        kwargs = {} if body is None else {'json': body}
        return self._request('POST', path, **kwargs).json()


class CollectionManager(Manager):
    """A collection at :attr:`path` whose list body holds its items under
    :attr:`key`."""

    #: The collection's key in a list response.
    key = None
    #: Singular name, for error messages about filters.
    noun = None
    #: Query filters the list accepts.
    filters = ()

    def list(
        self, limit=None, marker=None, sort_key=None, sort_dir=None, **filters
    ):
        """Every item matching all the filters given, following pages.

        :param limit: the most items to return; None follows every page.
        :param marker: UUID of the item to start after.
        :param filters: any of :attr:`filters`.
        :raises TypeError: for a filter the collection does not have.
        :returns: list of dicts.
        """
        unknown = set(filters) - set(self.filters)
        if unknown:
            raise TypeError(
                f'Unknown {self.noun} filter(s): {sorted(unknown)}'
            )
        params = {k: _query_value(v) for k, v in filters.items()}
        params.update(marker=marker, sort_key=sort_key, sort_dir=sort_dir)
        return self.client.list(
            self.path,
            self.key,
            params,
            limit=limit,
            min_version=self.min_version,
            what=self.what,
        )

    def get(self, ident):
        """One item by UUID (or name, where the collection has names)."""
        return self._request('GET', f'{self.path}/{ident}').json()


class CatalogManager(CollectionManager):
    """A collection of named documents an operator keeps as data
    (runbooks, audit profiles): create, replace, delete, export and
    import by name."""

    def create(self, document):
        """Create one from its data (a dict)."""
        return self._post(self.path, document)

    def replace(self, ident, document):
        """Replace one (name or UUID) by new data: fields left out take
        their defaults."""
        return self._request(
            'PUT', f'{self.path}/{ident}', json=document
        ).json()

    def delete(self, ident):
        self._request('DELETE', f'{self.path}/{ident}')

    def export(self):
        """The whole catalog, ``{key: [...]}``, as import takes it."""
        return self._request('GET', f'{self.path}/export').json()

    def import_(self, catalog, replace=False):
        """Create or replace (by name) every document of ``catalog``
        (``{key: [...]}`` or a list); with ``replace``, also delete the
        ones it does not name.

        :returns: ``{'created': n, 'updated': n, 'deleted': n}``.
        """
        if isinstance(catalog, list):
            catalog = {self.catalog_key: catalog}
        body = dict(catalog)
        if replace:
            body['replace'] = True
        return self._post(f'{self.path}/import', body)

    #: The key of an exported catalog (``runbooks``, ``profiles``).
    catalog_key = None
