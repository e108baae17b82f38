"""/v1/ : the v1 API and its resources."""

import pecan
from pecan import rest

from fleet.api import microversion
from fleet.api.controllers.v1 import action
from fleet.api.controllers.v1 import alert
from fleet.api.controllers.v1 import audit
from fleet.api.controllers.v1 import capacity
from fleet.api.controllers.v1 import execution
from fleet.api.controllers.v1 import host
from fleet.api.controllers.v1 import place
from fleet.api.controllers.v1 import plan
from fleet.api.controllers.v1 import runbook
from fleet.api.controllers.v1 import utils
from fleet.api.controllers.v1 import webhook


class OpenAPIController(rest.RestController):
    """GET /v1/openapi.json: the OpenAPI 3.1 description (public)."""

    _doc = None

    @pecan.expose('json')
    def get_all(self):
        from fleet.api import openapi  # noqa: the module imports ours

        if OpenAPIController._doc is None:
            OpenAPIController._doc = openapi.build()
        doc = dict(OpenAPIController._doc)
        doc['servers'] = [{'url': pecan.request.application_url}]
        return doc


class Controller(rest.RestController):
    hosts = host.HostsController()
    executions = execution.ExecutionsController()
    alerts = alert.AlertsController()
    runbooks = runbook.RunbooksController()
    webhooks = webhook.WebhooksController()
    actions = action.ActionsController()
    places = place.PlacesController()
    audit_profiles = audit.AuditProfilesController()
    audits = audit.AuditsController()
    findings = audit.FindingsController()
    plans = plan.PlansController()
    # inventory first: the next line rebinds the name "capacity" here.
    inventory = capacity.InventoryController()
    capacity = capacity.CapacityController()

    @pecan.expose('json')
    def get(self):
        url = pecan.request.application_url
        doc = microversion.version_document(url)
        doc['resources'] = {
            'hosts': {'href': url + '/v1/hosts'},
        }
        if utils.allow_executions():
            doc['resources']['executions'] = {'href': url + '/v1/executions'}
        if utils.allow_inventory():
            for name in ('places', 'capacity'):
                doc['resources'][name] = {'href': f'{url}/v1/{name}'}
            doc['resources']['ansible_inventory'] = {
                'href': url + '/v1/inventory/ansible'
            }
        if utils.allow_alerts():
            doc['resources']['alerts'] = {'href': url + '/v1/alerts'}
            doc['resources']['runbooks'] = {'href': url + '/v1/runbooks'}
        if utils.allow_actions():
            doc['resources']['actions'] = {'href': url + '/v1/actions'}
        if utils.allow_plans():
            doc['resources']['plans'] = {'href': url + '/v1/plans'}
        doc['resources']['openapi'] = {'href': url + '/v1/openapi.json'}
        if utils.allow_audits():
            for name in ('audit_profiles', 'audits', 'findings'):
                doc['resources'][name] = {'href': f'{url}/v1/{name}'}
        return doc


pecan.route(Controller, 'openapi.json', OpenAPIController())
