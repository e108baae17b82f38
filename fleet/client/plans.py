"""Plans: rolling maintenance under disruption budgets (``/v1/plans``,
API 1.8 and later)::

    plan = client.plans.create({'selector': {'availability_zone': 'az1'},
                                'action': {'kind': 'drain'},
                                'budget': {'max_at_once': 1}})
    client.plans.create({..., 'dry_run': True})   # order and waves
    client.plans.pause(plan['uuid'])
"""

from fleet.client import base

MIN_VERSION = (1, 8)

FILTERS = ('state', 'name')
SORT_KEYS = ('id', 'state', 'name', 'created_at', 'updated_at')


class PlanManager(base.CollectionManager):
    """Create, list, show, pause, resume and cancel plans."""

    path = '/v1/plans'
    key = 'plans'
    noun = 'plan'
    what = 'Plans'
    min_version = MIN_VERSION
    filters = FILTERS

    def create(self, body):
        """Create a plan (or, with ``dry_run``, its order and waves)."""
        return self._post(self.path, body)

    def pause(self, uuid):
        return self._post(f'{self.path}/{uuid}/pause')

    def resume(self, uuid):
        return self._post(f'{self.path}/{uuid}/resume')

    def cancel(self, uuid):
        return self._post(f'{self.path}/{uuid}/cancel')
