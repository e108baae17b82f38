"""/v1/places: regions, availability zones, cells and racks, with the
variables their hosts inherit (API microversion 1.2).

A host names its places by its ``region``, ``availability_zone``,
``cell`` and ``rack``; ``GET /v1/hosts/{ident}/variables`` resolves them.
"""

from http import client as http_client

from oslo_log import log
from oslo_utils import uuidutils
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


#: Longest chain of parents a place may have; deeper is a loop.
MAX_PARENTS = 64


def _check_parent(parent_uuid, place_uuid=None):
    """A parent must exist and must not be the place or below it.

    :param place_uuid: the place being changed (None on create).
    :raises: Invalid
    """
    if parent_uuid is None:
        return
    if not uuidutils.is_uuid_like(parent_uuid):
        raise exception.Invalid(
            reason=f'parent_uuid must be the uuid of a place, got '
            f'{parent_uuid!r}.'
        )
    dbapi = pecan.request.dbapi
    current = parent_uuid
    for _ in range(MAX_PARENTS):
        if current == place_uuid:
            raise exception.Invalid(
                reason=f'parent_uuid {parent_uuid} is this place or one of '
                f'its descendants: places would form a loop.'
            )
        try:
            place = dbapi.get_place(current)
        except exception.PlaceNotFound:
            if current == parent_uuid:
                raise exception.Invalid(
                    reason=f'parent_uuid {parent_uuid} names no place; '
                    f'create the parent first (GET /v1/places lists them).'
                ) from None
            return
        current = place['parent_uuid']
        if current is None:
            return
    raise exception.Invalid(
        reason=f'parent_uuid {parent_uuid}: more than {MAX_PARENTS} '
        f'levels of parents.'
    )


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
        _check_parent(body.get('parent_uuid'))
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
        if 'parent_uuid' in body:
            _check_parent(body['parent_uuid'], place['uuid'])
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

    @pecan.expose(content_type='application/json')
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
