"""Runbooks: what fleet does about alerts (``/v1/runbooks``, API 1.3 and
later). A runbook is data, a dict as in the API reference::

    client.runbooks.create({'name': 'disk', 'match': {...},
                            'remediation': {'action': 'handoff'}})
    client.runbooks.dry_run('disk')         # what it would do now
    catalog = client.runbooks.export()      # {'runbooks': [...]}
    client.runbooks.import_(catalog, replace=True)
"""

MIN_VERSION = (1, 3)

FILTERS = ('name', 'enabled')
SORT_KEYS = ('id', 'name', 'created_at', 'updated_at')


class RunbookManager:
    """CRUD, dry run, export and import of runbooks.

    :param client: the :class:`fleet.client.client.Client`.
    """

    path = '/v1/runbooks'
    what = 'Runbooks'

    def __init__(self, client):
        self.client = client

    def _request(self, method, path, **kwargs):
        return self.client.request(
            method, path, min_version=MIN_VERSION, what=self.what, **kwargs
        )

    def list(
        self, limit=None, marker=None, sort_key=None, sort_dir=None, **filters
    ):
        """Runbooks, optionally only ``name=`` or ``enabled=`` ones."""
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise TypeError(f'Unknown runbook filter(s): {sorted(unknown)}')
        params = dict(filters)
        if isinstance(params.get('enabled'), bool):
            params['enabled'] = 'true' if params['enabled'] else 'false'
        params.update(marker=marker, sort_key=sort_key, sort_dir=sort_dir)
        return self.client.list(
            self.path,
            'runbooks',
            params,
            limit=limit,
            min_version=MIN_VERSION,
            what=self.what,
        )

    def get(self, ident):
        """A runbook by name or UUID, with its recent ``actions``."""
        return self._request('GET', f'{self.path}/{ident}').json()

    def create(self, runbook):
        """Create a runbook from its data (a dict)."""
        return self._request('POST', self.path, json=runbook).json()

    def replace(self, ident, runbook):
        """Replace a runbook (name or UUID) by new data: fields left out
        take their defaults."""
        return self._request(
            'PUT', f'{self.path}/{ident}', json=runbook
        ).json()

    def delete(self, ident):
        self._request('DELETE', f'{self.path}/{ident}')

    def dry_run(self, ident):
        """What the runbook would do now about every firing alert:
        ``{'runbook': name, 'decisions': [...]}``."""
        return self._request('POST', f'{self.path}/{ident}/dry_run').json()

    def export(self):
        """The whole catalog, ``{'runbooks': [...]}``, as import takes
        it."""
        return self._request('GET', f'{self.path}/export').json()

    def import_(self, catalog, replace=False):
        """Create or replace (by name) every runbook of ``catalog``
        (``{'runbooks': [...]}`` or a list); with ``replace``, also delete
        the runbooks it does not name.

        :returns: ``{'created': n, 'updated': n, 'deleted': n}``.
        """
        if isinstance(catalog, list):
            catalog = {'runbooks': catalog}
        body = dict(catalog)
        if replace:
            body['replace'] = True
        return self._request('POST', f'{self.path}/import', json=body).json()
