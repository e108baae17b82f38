"""/v1/ : the v1 API and its resources."""

import pecan
from pecan import rest

from fleet.api import microversion
from fleet.api.controllers.v1 import host


class Controller(rest.RestController):
    hosts = host.HostsController()

    @pecan.expose('json')
    def get(self):
        url = pecan.request.application_url
        doc = microversion.version_document(url)
        doc['resources'] = {
            'hosts': {'href': url + '/v1/hosts'},
        }
        return doc
