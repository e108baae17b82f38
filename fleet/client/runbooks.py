"""Runbooks: what fleet does about alerts (``/v1/runbooks``, API 1.3 and
later). A runbook is data, a dict as in the API reference::

    client.runbooks.create({'name': 'disk', 'match': {...},
                            'remediation': {'action': 'handoff'}})
    client.runbooks.dry_run('disk')         # what it would do now
    catalog = client.runbooks.export()      # {'runbooks': [...]}
    client.runbooks.import_(catalog, replace=True)
"""

from fleet.client import base

MIN_VERSION = (1, 3)

FILTERS = ('name', 'enabled')
SORT_KEYS = ('id', 'name', 'created_at', 'updated_at')


class RunbookManager(base.CatalogManager):
    """CRUD, dry run, export and import of runbooks (each a dict as in
    the API reference); ``get`` adds a runbook's recent ``actions``."""

    path = '/v1/runbooks'
    key = 'runbooks'
    catalog_key = 'runbooks'
    noun = 'runbook'
    what = 'Runbooks'
    min_version = MIN_VERSION
    filters = FILTERS

    def dry_run(self, ident):
        """What the runbook would do now about every firing alert:
        ``{'runbook': name, 'decisions': [...]}``."""
        return self._post(f'{self.path}/{ident}/dry_run')
