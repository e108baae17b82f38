"""Executor actions: the operator-defined catalog runs name
(``/v1/actions``, API 1.4 and later)::

    for action in client.actions.list():
        print(action['name'], action['parameters'])
    client.executions.create('cmp-1', action='dnf-update',
                             action_parameters={'exclude': 'kernel*'})
"""

from fleet.client import base

MIN_VERSION = (1, 4)


class ActionManager(base.Manager):
    """List and show the executor action catalog (read-only: actions are
    defined in the server's ``[executor] actions_dir``)."""

    path = '/v1/actions'
    what = 'Executor actions'
    min_version = MIN_VERSION

    def list(self):
        """Every usable action, by name."""
        return self._request('GET', self.path).json()['actions']

    def get(self, name):
        """One action with the JSON schema of its parameters."""
        return self._request('GET', f'{self.path}/{name}').json()
