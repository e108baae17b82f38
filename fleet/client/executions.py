"""Executions: maintenance and remediation runs (``/v1/executions``,
API 1.1 and later)::

    run = client.executions.create('c1', 'maintenance')
    run = client.executions.get(run['uuid'])    # progress, events
    client.executions.cancel(run['uuid'])
"""

MIN_VERSION = (1, 1)

#: A run's states that it never leaves.
FINAL_STATES = ('succeeded', 'failed', 'cancelled', 'rejected')


class ExecutionManager:
    """Start, follow and cancel runs.

    :param client: the :class:`fleet.client.client.Client`.
    """

    path = '/v1/executions'
    what = 'Executions'

    def __init__(self, client):
        self.client = client

    def _request(self, method, path, **kwargs):
        return self.client.request(
            method, path, min_version=MIN_VERSION, what=self.what, **kwargs
        )

    def list(
        self, limit=None, marker=None, sort_key=None, sort_dir=None, **filters
    ):
        """Runs matching the filters (host, kind, state, ...).

        :param limit: the most runs to return; None follows every page.
        :returns: list of execution dicts.
        """
        params = dict(filters)
        params.update(marker=marker, sort_key=sort_key, sort_dir=sort_dir)
        return self.client.list(
            self.path,
            'executions',
            params,
            limit=limit,
            min_version=MIN_VERSION,
            what=self.what,
        )

    def get(self, uuid):
        """One run, with its progress and events."""
        return self._request('GET', f'{self.path}/{uuid}').json()

    def create(self, host, kind, **fields):
        """Start a run of ``kind`` on ``host`` (name or UUID)."""
        body = {k: v for k, v in fields.items() if v is not None}
        body.update(host=host, kind=kind)
        return self._request('POST', self.path, json=body).json()

    def cancel(self, uuid):
        """Ask a run to stop; it reverts what it did and ends
        ``cancelled``."""
        response = self._request('POST', f'{self.path}/{uuid}/cancel')
        return response.json() if response.content else None
