"""/v1/places: regions, availability zones, cells and racks, with the
variables their hosts inherit (API microversion 1.2).

A host names its places by its ``region``, ``availability_zone``,
``cell`` and ``rack``; ``GET /v1/hosts/{ident}/variables`` resolves them.
"""

from http import client as http_client

from oslo_log import log
import pecan
from pecan import rest

from fleet.api.controllers.v1 import host as host_api
from fleet.api.controllers.v1 import utils
from fleet.api.schemas import place as schema
from fleet.common import exception
from fleet.common import policy
from fleet.inventory import variables

LOG = log.getLogger(__name__)

FILTERS = ('name', 'kind', 'parent_uuid', 'source')
SORT_KEYS = ('id', 'name', 'kind', 'created_at', 'updated_at')


def to_api(place):
    body = {k: v for k, v in place.items() if k != 'id'}
    for key in ('created_at', 'updated_at'):
        body[key] = utils.isoformat(place[key])
    body['links'] = utils.self_links('places', place["uuid"])
    return body


def _get_place(ident):
    """The place ``ident`` names, narrowed by the ``?kind=`` query
    parameter: a name that places of several kinds share needs it (or
    the uuid)."""
    kind = pecan.request.GET.get('kind')
    if kind is not None and kind not in variables.PLACE_KINDS:
        raise exception.InvalidParameterValue(
            err=f'Unknown kind {kind!r}; kinds: '
            f'{", ".join(variables.PLACE_KINDS)}.'
        )
    return pecan.request.dbapi.get_place(ident, kind=kind)


class PlacesController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        utils.check_inventory_version()
        policy.authorize('fleet:place:get_all', {}, pecan.request.context)
        utils.check_query(params, FILTERS)
        page = utils.pagination(params, SORT_KEYS)
        filters = {k: v for k, v in params.items() if k in FILTERS}
        if 'kind' in filters and filters['kind'] not in variables.PLACE_KINDS:
            raise exception.InvalidParameterValue(
                err=f'Unknown kind {filters["kind"]!r}; kinds: '
                f'{", ".join(variables.PLACE_KINDS)}.'
            )
        places = pecan.request.dbapi.list_places(filters=filters, **page)
        body = {'places': [to_api(p) for p in places]}
        nxt = utils.next_link(
            'places', places, page['limit'], 'places', params
        )
        if nxt:
            body['next'] = nxt
        return body

    @pecan.expose('json')
    def get_one(self, ident):
        utils.check_inventory_version()
        policy.authorize('fleet:place:get', {}, pecan.request.context)
        return to_api(_get_place(ident))

    @pecan.expose('json')
    def post(self):
        utils.check_inventory_version()
        ctx = pecan.request.context
        policy.authorize('fleet:place:create', {}, ctx)
        body = utils.request_json()
        utils.validate_body(schema.CREATE, body)
        place = pecan.request.dbapi.create_place(dict(body, source='api'))
        LOG.info(
            '%s %s created by %s.', place['kind'], place['name'], ctx.user_id
        )
        pecan.response.status = http_client.CREATED
        body = to_api(place)
        pecan.response.location = body['links'][0]['href']
        return body

    @pecan.expose('json')
    def patch(self, ident=None):
        host_api._require_ident(ident)
        utils.check_inventory_version()
        ctx = pecan.request.context
        policy.authorize('fleet:place:update', {}, ctx)
        body = utils.request_json()
        utils.validate_body(schema.UPDATE, body)
        dbapi = pecan.request.dbapi
        place = _get_place(ident)
        values = dict(body)
        for key in ('labels', 'variables'):
            if key in values:
                values[key] = host_api._merge(place[key], values[key])
        place = dbapi.update_place(place['uuid'], values)
        LOG.info(
            '%s %s updated by %s: %s.',
            place['kind'],
            place['name'],
            ctx.user_id,
            ', '.join(sorted(body)),
        )
        return to_api(place)

    @pecan.expose()
    def delete(self, ident=None):
        host_api._require_ident(ident)
        utils.check_inventory_version()
        ctx = pecan.request.context
        policy.authorize('fleet:place:delete', {}, ctx)
        dbapi = pecan.request.dbapi
        place = _get_place(ident)
        dbapi.destroy_place(place['uuid'])
        LOG.info(
            '%s %s deleted by %s.', place['kind'], place['name'], ctx.user_id
        )
        pecan.response.status = http_client.NO_CONTENT
