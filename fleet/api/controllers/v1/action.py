"""/v1/actions: the executor action catalog (API microversion 1.4).

The catalog is defined by the deployment, in YAML files of ``[executor]
actions_dir`` (see :mod:`fleet.common.actions`); the API shows it so that
operators and tools know what a run may name and which parameters it
takes. It has no write: adding an action is a change to the hosts'
configuration, reviewed like one.
"""

import pecan
from pecan import rest

from fleet.api.controllers.v1 import utils
from fleet.common import actions
from fleet.common import exception
from fleet.common import policy


def _check_version():
    if not utils.allow_actions():
        raise exception.NotFound(
            'The actions resource needs API version 1.4 or later (header '
            '"OpenStack-API-Version: fleet 1.4").'
        )


def to_api(action):
    body = action.to_api()
    body['links'] = utils.self_links('actions', action.name)
    return body


class ActionsController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        _check_version()
        policy.authorize('fleet:action:get_all', {}, pecan.request.context)
        utils.check_query(params, (), paged=False)
        catalog = actions.get_catalog()
        body = {'actions': [to_api(a) for a in catalog.list()]}
        if catalog.errors:
            # What an operator must fix, rather than a silent omission.
            body['errors'] = [
                {'name': name, 'error': error}
                for name, error in sorted(catalog.errors.items())
            ]
        return body

    @pecan.expose('json')
    def get_one(self, name):
        _check_version()
        policy.authorize('fleet:action:get', {}, pecan.request.context)
        try:
            return to_api(actions.get_catalog().get(name))
        except actions.ActionNotFound as e:
            raise exception.NotFound(e.message) from e
