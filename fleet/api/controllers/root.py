"""/ : the version discovery document."""

import pecan
from pecan import rest

from fleet.api import microversion
from fleet.api.controllers import metrics
from fleet.api.controllers import v1


class RootController(rest.RestController):
    v1 = v1.Controller()
    metrics = metrics.MetricsController()

    @pecan.expose('json')
    def get(self):
        return {
            'name': 'OpenStack fleet API',
            'description': 'Inventory, audits and automated maintenance '
            'of the physical fleet of an OpenStack cloud.',
            'versions': [
                microversion.version_document(pecan.request.application_url)
            ],
            'default_version': microversion.version_document(
                pecan.request.application_url
            ),
        }
