"""/v1/ : the v1 API and its resources."""

import pecan
from pecan import rest

from fleet.api import microversion
from fleet.api.controllers.v1 import execution
from fleet.api.controllers.v1 import host
from fleet.api.controllers.v1 import utils


class Controller(rest.RestController):
    hosts = host.HostsController()
    executions = execution.ExecutionsController()

    @pecan.expose('json')
    def get(self):
        url = pecan.request.application_url
        doc = microversion.version_document(url)
        doc['resources'] = {
            'hosts': {'href': url + '/v1/hosts'},
        }
        if utils.allow_executions():
            doc['resources']['executions'] = {'href': url + '/v1/executions'}
        return doc
