"""/v1/capacity and /v1/inventory/ansible (API microversion 1.2).

``GET /v1/capacity[?without=h1,h2]``: used and free vCPU, RAM and disk
per host, availability zone and aggregate, and, with ``without``, what
remains if those hosts go down and whether their instances fit, zone by
zone, after what running drains reserved: the same model as the
maintenance flow's capacity check (see :mod:`fleet.inventory.capacity`).

``GET /v1/inventory/ansible``: the fleet as an Ansible dynamic inventory
(see :mod:`fleet.inventory.ansible`).
"""

import pecan
from pecan import rest

from fleet.api.controllers.v1 import utils
from fleet.common import exception
from fleet.common import policy
from fleet.inventory import ansible
from fleet.inventory import capacity


class CapacityController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        utils.check_inventory_version()
        policy.authorize('fleet:capacity:get', {}, pecan.request.context)
        unknown = sorted(set(params) - {'without', 'availability_zone'})
        if unknown:
            raise exception.InvalidParameterValue(
                err=f'Unknown query parameter(s): {", ".join(unknown)}. '
                'Allowed: availability_zone, without.'
            )
        dbapi = pecan.request.dbapi
        filters = {'kind': 'compute'}
        if params.get('availability_zone'):
            filters['availability_zone'] = params['availability_zone']
        hosts = dbapi.list_hosts(filters=filters)
        without = [
            n.strip()
            for n in params.get('without', '').split(',')
            if n.strip()
        ]
        known = {h['name'] for h in hosts} | {h['uuid'] for h in hosts}
        missing = [n for n in without if n not in known]
        if missing:
            raise exception.InvalidParameterValue(
                err=f'without names unknown compute host(s): '
                f'{", ".join(missing)}.'
            )
        by_uuid = {h['uuid']: h['name'] for h in hosts}
        without = [by_uuid.get(n, n) for n in without]
        names = {h['name'] for h in hosts}
        instances = [i for i in dbapi.list_instances() if i['host'] in names]
        return capacity.compute(
            hosts,
            instances,
            without=without,
            reservations=dbapi.list_reservations(),
        )


class AnsibleController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        utils.check_inventory_version()
        policy.authorize('fleet:inventory:ansible', {}, pecan.request.context)
        utils.check_query(params, ())
        dbapi = pecan.request.dbapi
        return ansible.inventory(dbapi.list_hosts(), dbapi.list_places())


class InventoryController(rest.RestController):
    ansible = AnsibleController()
