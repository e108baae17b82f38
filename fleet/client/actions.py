"""Executor actions: the operator-defined catalog runs name
(``/v1/actions``, API 1.4 and later)::

    for action in client.actions.list():
        print(action['name'], action['parameters'])
    client.executions.create('cmp-1', action='dnf-update',
                             action_parameters={'exclude': 'kernel*'})
"""

MIN_VERSION = (1, 4)


class ActionManager:
    """List and show the executor action catalog (read-only: actions are
    defined in the server's ``[executor] actions_dir``).

    :param client: the :class:`fleet.client.client.Client`.
    """

    path = '/v1/actions'
    what = 'Executor actions'

    def __init__(self, client):
        self.client = client

    def _request(self, method, path, **kwargs):
        return self.client.request(
            method, path, min_version=MIN_VERSION, what=self.what, **kwargs
        )

    def list(self):
        """Every usable action, by name."""
        return self._request('GET', self.path).json()['actions']

    def get(self, name):
        """One action with the JSON schema of its parameters."""
        return self._request('GET', f'{self.path}/{name}').json()
