"""Executions: maintenance and remediation runs (``/v1/executions``,
API 1.1 and later)::

    run = client.executions.create('c1', 'maintenance')
    run = client.executions.get(run['uuid'])    # progress, events
    client.executions.cancel(run['uuid'])
"""

from fleet.client import base

MIN_VERSION = (1, 1)
#: Approving and rejecting runs that await approval.
APPROVAL_VERSION = (1, 3)
#: Runs that name a catalogued executor action.
ACTION_VERSION = (1, 4)

#: Query filters of GET /v1/executions; ``host`` takes a name or UUID.
FILTERS = ('host', 'kind', 'state', 'host_uuid', 'conductor')
SORT_KEYS = ('id', 'state', 'kind', 'created_at', 'updated_at')
KINDS = ('drain', 'drain_patch_reboot')

#: A run's states that it never leaves.
FINAL_STATES = ('succeeded', 'failed', 'cancelled', 'rejected')


class ExecutionManager(base.CollectionManager):
    """Start, follow and cancel runs.

    Note: ``progress['instances']`` maps instance UUIDs to their state
    (``migrating``, ``migrated``, ``failed``, ...);
    ``progress['instances_summary']`` counts them (``moved``, ``total``).
    """

    path = '/v1/executions'
    key = 'executions'
    noun = 'execution'
    what = 'Executions'
    min_version = MIN_VERSION
    filters = FILTERS

    def create(self, host, kind=None, **fields):
        """Start a run of ``kind`` (server default: ``drain``) on ``host``
        (name or UUID).

        :param fields: action and action_parameters (API 1.4: the
            catalogued executor action of the patch step and its values),
            executor, executor_timeout, max_parallel,
            on_instance_failure, state_policies, capacity_scope,
            target_host, reenable, expected_facts.
        """
        body = {k: v for k, v in fields.items() if v is not None}
        body['host'] = host
        if kind is not None:
            body['kind'] = kind
        if 'action' in body or 'action_parameters' in body:
            return self.client.request(
                'POST',
                self.path,
                min_version=ACTION_VERSION,
                what='Runs that name an executor action',
                json=body,
            ).json()
        return self._post(self.path, body)

    def cancel(self, uuid):
        """Ask a run to stop; it reverts what it did and ends
        ``cancelled``."""
        response = self._request('POST', f'{self.path}/{uuid}/cancel')
        return response.json() if response.content else None

    def approve(self, uuid):
        """Let a run awaiting approval (a runbook's, ``approval:
        admin``) start (API 1.3)."""
        return self.client.request(
            'POST',
            f'{self.path}/{uuid}/approve',
            min_version=APPROVAL_VERSION,
            what='Approving executions',
        ).json()

    def reject(self, uuid, reason=None):
        """Refuse a run awaiting approval; it ends ``rejected`` (API
        1.3)."""
        return self.client.request(
            'POST',
            f'{self.path}/{uuid}/reject',
            json={'reason': reason} if reason else None,
            min_version=APPROVAL_VERSION,
            what='Rejecting executions',
        ).json()
