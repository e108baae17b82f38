"""/v1/hosts: the physical resources of the fleet."""

from http import client as http_client

from oslo_log import log
from oslo_utils import uuidutils
import pecan
from pecan import rest
import webob.exc

from fleet.api.controllers.v1 import utils
from fleet.api.schemas import host as schema
from fleet.common import exception
from fleet.common import policy
from fleet.common import states

LOG = log.getLogger(__name__)

FILTERS = (
    'name',
    'kind',
    'state',
    'region',
    'cell',
    'availability_zone',
    'rack',
    'source',
)
SORT_KEYS = ('id', 'name', 'kind', 'state', 'created_at', 'updated_at')
HIDDEN = ('id', 'execution_uuid')


def to_api(host):
    """A host as the API shows it."""
    body = {k: v for k, v in host.items() if k not in HIDDEN}
    body['execution'] = host['execution_uuid']
    for key in ('created_at', 'updated_at'):
        body[key] = utils.isoformat(host[key])
    body['links'] = [
        {
            'rel': 'self',
            'href': f'{pecan.request.application_url}/v1/hosts/{host["uuid"]}',
        }
    ]
    return body


def _merge(current, patch):
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _require_ident(ident):
    # pecan routes PATCH and DELETE of the collection here, without ident.
    if ident is None:
        raise webob.exc.HTTPMethodNotAllowed(headers={'Allow': 'GET, POST'})


class HostsController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        ctx = pecan.request.context
        policy.authorize('fleet:host:get_all', {}, ctx)
        utils.check_query(params, FILTERS)
        page = utils.pagination(params, SORT_KEYS)
        filters = {k: v for k, v in params.items() if k in FILTERS}
        if 'kind' in filters and filters['kind'] not in states.HOST_KINDS:
            raise exception.InvalidParameterValue(
                err=f'Unknown kind {filters["kind"]!r}; kinds: '
                f'{", ".join(states.HOST_KINDS)}.'
            )
        if 'state' in filters and filters['state'] not in states.HOST_STATES:
            raise exception.InvalidParameterValue(
                err=f'Unknown state {filters["state"]!r}; states: '
                f'{", ".join(states.HOST_STATES)}.'
            )
        hosts = pecan.request.dbapi.list_hosts(filters=filters, **page)
        body = {'hosts': [to_api(h) for h in hosts]}
        nxt = utils.next_link('hosts', hosts, page['limit'], 'hosts', params)
        if nxt:
            body['next'] = nxt
        return body

    @pecan.expose('json')
    def get_one(self, ident):
        ctx = pecan.request.context
        policy.authorize('fleet:host:get', {}, ctx)
        return to_api(pecan.request.dbapi.get_host(ident))

    @pecan.expose('json')
    def post(self):
        ctx = pecan.request.context
        policy.authorize('fleet:host:create', {}, ctx)
        body = utils.request_json()
        utils.validate_body(schema.CREATE, body)
        if uuidutils.is_uuid_like(body['name']):
            raise exception.Invalid(reason='a host name cannot be a UUID.')
        values = dict(body, source='api', state=states.HOST_ACTIVE)
        values.setdefault('kind', 'compute')
        host = pecan.request.dbapi.create_host(values)
        LOG.info('Host %s created by %s.', host['name'], ctx.user_id)
        pecan.response.status = http_client.CREATED
        pecan.response.location = to_api(host)['links'][0]['href']
        return to_api(host)

    @pecan.expose('json')
    def patch(self, ident=None):
        _require_ident(ident)
        ctx = pecan.request.context
        policy.authorize('fleet:host:update', {}, ctx)
        body = utils.request_json()
        utils.validate_body(schema.UPDATE, body)
        dbapi = pecan.request.dbapi
        host = dbapi.get_host(ident)
        values = dict(body)
        for key in ('labels', 'variables'):
            if key in values:
                values[key] = _merge(host[key], values[key])
        if 'state' in values and host['execution_uuid']:
            raise exception.HostBusy(
                host=host['name'], execution=host['execution_uuid']
            )
        if values.get('state') == states.HOST_UNMANAGED and not (
            values.get('state_reason') or host['state_reason']
        ):
            raise exception.Invalid(
                reason='a host handed to a human (state "unmanaged") needs '
                'a state_reason saying why.'
            )
        host = dbapi.update_host(host['uuid'], values)
        LOG.info(
            'Host %s updated by %s: %s.',
            host['name'],
            ctx.user_id,
            ', '.join(sorted(body)),
        )
        return to_api(host)

    # No template: a 204 must have an empty body, not JSON "null".
    @pecan.expose()
    def delete(self, ident=None):
        _require_ident(ident)
        ctx = pecan.request.context
        policy.authorize('fleet:host:delete', {}, ctx)
        dbapi = pecan.request.dbapi
        host = dbapi.get_host(ident)
        if host['source'] != 'api':
            raise exception.Invalid(
                reason=f'host {host["name"]} is reported by the '
                f'{host["source"]} inventory driver; remove it '
                f'there, or retire it (PATCH state=retired).'
            )
        dbapi.destroy_host(host['uuid'])
        LOG.info('Host %s deleted by %s.', host['name'], ctx.user_id)
        pecan.response.status = http_client.NO_CONTENT
