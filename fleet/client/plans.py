"""Plans: rolling maintenance under disruption budgets (``/v1/plans``,
API 1.8 and later)::

    plan = client.plans.create({'selector': {'availability_zone': 'az1'},
                                'action': {'kind': 'drain'},
                                'budget': {'max_at_once': 1}})
    client.plans.create({..., 'dry_run': True})   # order and waves
    client.plans.pause(plan['uuid'])
"""

MIN_VERSION = (1, 8)

FILTERS = ('state', 'name')
SORT_KEYS = ('id', 'state', 'name', 'created_at', 'updated_at')


class PlanManager:
    """Create, list, show, pause, resume and cancel plans.

    :param client: the :class:`fleet.client.client.Client`.
    """

    path = '/v1/plans'
    what = 'Plans'

    def __init__(self, client):
        self.client = client

    def _request(self, method, path, **kwargs):
        return self.client.request(
            method, path, min_version=MIN_VERSION, what=self.what, **kwargs
        )

    def list(
        self, limit=None, marker=None, sort_key=None, sort_dir=None, **filters
    ):
        """Plans, optionally only ``state=`` or ``name=`` ones."""
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise TypeError(f'Unknown plan filter(s): {sorted(unknown)}')
        params = dict(filters)
        params.update(marker=marker, sort_key=sort_key, sort_dir=sort_dir)
        return self.client.list(
            self.path,
            'plans',
            params,
            limit=limit,
            min_version=MIN_VERSION,
            what=self.what,
        )

    def get(self, uuid):
        """A plan with its ``hosts`` and ``progress``."""
        return self._request('GET', f'{self.path}/{uuid}').json()

    def create(self, body):
        """Create a plan (or, with ``dry_run``, its order and waves)."""
        return self._request('POST', self.path, json=body).json()

    def pause(self, uuid):
        return self._request('POST', f'{self.path}/{uuid}/pause').json()

    def resume(self, uuid):
        return self._request('POST', f'{self.path}/{uuid}/resume').json()

    def cancel(self, uuid):
        return self._request('POST', f'{self.path}/{uuid}/cancel').json()
