"""/v1/hosts: the physical resources of the fleet."""

from http import client as http_client
import re

from oslo_log import log
from oslo_utils import uuidutils
import pecan
from pecan import rest
import webob.exc

from fleet.api import hygiene
from fleet.api.controllers.v1 import utils
from fleet.api.schemas import host as schema
from fleet.api.schemas import place as schema_place
from fleet.audits import exception as audit_exc
from fleet.common import exception
from fleet.common import executions
from fleet.common import policy
from fleet.common import states
from fleet.conf import prometheus as prometheus_conf
from fleet.inventory import replace as replace_mod
from fleet.inventory import variables

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
#: Repeatable ``key=value`` filters on JSON columns (API 1.2).
KV_FILTERS = {'label': 'labels', 'variable': 'variables'}
SORT_KEYS = ('id', 'name', 'kind', 'state', 'created_at', 'updated_at')
HIDDEN = ('id', 'execution_uuid')
#: Metrics the host list filters and sorts on (API 1.9).
METRICS = prometheus_conf.METRIC_NAMES
#: Comparisons of ``metric=<name>:<op>:<number>``.
METRIC_OPS = ('gt', 'gte', 'lt', 'lte')
METRIC_SORT_PREFIX = 'metric:'
METRIC_SORT_KEYS = tuple(METRIC_SORT_PREFIX + m for m in METRICS)
#: A decimal number of ``metric=<name>:<op>:<number>``: bounded digits
#: and exponent, so that every one is a finite float.
NUMBER_PATTERN = (
    r'-?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})'
    r'(?:[eE][-+]?[0-9]{1,2})?'
)
#: The whole of one ``metric`` query parameter (the OpenAPI description
#: gives it as its pattern).
METRIC_PATTERN = (
    f'^(?:{"|".join(METRICS)})'
    f'(?::(?:{"|".join(METRIC_OPS)}):{NUMBER_PATTERN})?$'
)
_NUMBER = re.compile(NUMBER_PATTERN)


def _check_metric(name):
    if name not in METRICS:
        raise exception.InvalidParameterValue(
            err=f'Unknown metric {name!r}; metrics: {", ".join(METRICS)}.'
        )


def metric_filters(raw):
    """The ``metric`` query parameters of the host list (API 1.9) as the
    db's ``(name, op, value)`` list.

    ``<name>`` keeps the hosts that have a value of the metric;
    ``<name>:<op>:<number>`` those whose value compares so (a host
    without a value never does). Repeat for several, all of which hold.

    :param raw: None, a string or a list of them (a repeated parameter).
    :raises: InvalidParameterValue for an unknown metric or comparison, a
        malformed number, or the same metric and comparison twice.
    """
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    wanted = []
    seen = set()
    for item in raw:
        name, sep, rest = item.partition(':')
        op = value = None
        if sep:
            op, sep, text = rest.partition(':')
            if not sep or op not in METRIC_OPS:
                raise exception.InvalidParameterValue(
                    err=f'metric must be "<name>" or "<name>:<op>:<number>" '
                    f'with <op> one of {", ".join(METRIC_OPS)}, got '
                    f'{item!r}.'
                )
            if not _NUMBER.fullmatch(text):
                raise exception.InvalidParameterValue(
                    err=f'metric {name}:{op} needs a decimal number (at '
                    f'most 20 digits each side of the point, a 2-digit '
                    f'exponent), got {text!r}.'
                )
            value = float(text)
        _check_metric(name)
        if (name, op) in seen:
            what = f'{name}:{op}' if op else name
            raise exception.InvalidParameterValue(
                err=f'metric {what} is given twice; give each metric and '
                f'comparison once.'
            )
        seen.add((name, op))
        wanted.append((name, op, value))
    return wanted


def check_metric_sort(sort_key):
    """:raises: InvalidParameterValue for ``metric:<name>`` of an unknown
    metric (any other sort key is pagination's to judge)."""
    if sort_key is not None and sort_key.startswith(METRIC_SORT_PREFIX):
        _check_metric(sort_key[len(METRIC_SORT_PREFIX) :])


def to_api(host, url=None):
    """A host as the API shows it.

    :param url: the application URL (a list passes it once).
    """
    # A copy, then out with what is hidden: a list calls this for each
    # of up to 1,000 hosts, and a filtering comprehension cost ~4 times
    # as much. Same keys in the same order.
    body = dict(host)
    for key in HIDDEN:
        body.pop(key, None)
    body['execution'] = host['execution_uuid']
    for key in ('created_at', 'updated_at'):
        value = body[key]
        body[key] = value.isoformat() + 'Z' if value is not None else None
    body['links'] = utils.self_links('hosts', host['uuid'], url)
    return body


def _hold_service(ctx, host):
    """Tell a conductor that a compute's fleet state changed: it disables
    its nova-compute while fleet holds the host out of service, so Nova
    never places an instance there (re-enabled on return to active).
    A lost cast is put right by the next inventory sync."""
    try:
        pecan.request.rpcapi.hold_host_service(ctx, host['name'])
    except Exception:
        LOG.warning(
            'Cannot ask a conductor to bring nova-compute on %s in line '
            'with its state %s; the next inventory sync will.',
            host['name'],
            host['state'],
            exc_info=True,
        )


def _history(reason=None):
    """Who and why, for the host's history."""
    ctx = pecan.request.context
    return {
        'source': 'api',
        'actor': ctx.user_id,
        'request_id': ctx.request_id,
        'reason': reason,
    }


def _facts_to_api(row):
    return {
        'host_uuid': row['host_uuid'],
        'host': row['host_name'],
        'facts': row['facts'],
        'drivers': row['drivers'],
        'gathered_at': utils.isoformat(row['gathered_at']),
        'errors': row['errors'],
    }


def _instance_to_api(inst):
    body = {
        k: inst[k]
        for k in (
            'uuid',
            'name',
            'status',
            'task_state',
            'host',
            'project_id',
            'flavor',
            'vcpus',
            'memory_mb',
            'disk_gb',
        )
    }
    body['updated_at'] = utils.isoformat(
        inst['updated_at'] or inst['created_at']
    )
    return body


def _history_to_api(row):
    return {
        'created_at': utils.isoformat(row['created_at']),
        'action': row['action'],
        'source': row['source'],
        'actor': row['actor'],
        'request_id': row['request_id'],
        'reason': row['reason'],
        'changes': row['changes'],
    }


def _metric_to_api(row):
    return {
        'name': row['name'],
        'value': row['value'],
        'unit': row['unit'],
        'source': row['source'],
        'sampled_at': utils.isoformat(row['sampled_at']),
    }


def _merge(current, patch):
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _show(host):
    """A host as GET /v1/hosts/{ident} shows it at the request's
    microversion; create and update answer the same shape."""
    body = to_api(host)
    if utils.allow_inventory():
        body['instances'] = [
            _instance_to_api(i)
            for i in pecan.request.dbapi.list_instances(
                filters={'host': host['name']}
            )
        ]
    return body


def _require_ident(ident):
    # pecan routes PATCH and DELETE of the collection here, without ident.
    if ident is None:
        raise webob.exc.HTTPMethodNotAllowed(headers={'Allow': 'GET, POST'})


class HostsController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        ctx = pecan.request.context
        policy.authorize('fleet:host:get_all', {}, ctx)
        allowed = (
            FILTERS + tuple(KV_FILTERS) if utils.allow_inventory() else FILTERS
        )
        sort_keys = SORT_KEYS
        if utils.allow_host_metric_list():
            allowed += ('metric',)
            sort_keys += METRIC_SORT_KEYS
            check_metric_sort(params.get('sort_key'))
        utils.check_query(params, allowed)
        page = utils.pagination(params, sort_keys)
        filters = {k: v for k, v in params.items() if k in FILTERS}
        for param, column in KV_FILTERS.items():
            wanted = utils.key_values(params, param)
            if wanted:
                filters[column] = wanted
        if 'metric' in params:
            filters['metrics'] = metric_filters(params['metric'])
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
        url = pecan.request.application_url
        body = {'hosts': [to_api(h, url) for h in hosts]}
        nxt = utils.next_link('hosts', hosts, page['limit'], 'hosts', params)
        if nxt:
            body['next'] = nxt
        return body

    @pecan.expose('json')
    def get_one(self, ident, *remainder):
        # *remainder, not sub=None: pecan answers 404 to GET /hosts/{id}
        # when get_one has more positional arguments than the path.
        ctx = pecan.request.context
        if remainder:
            return self._get_sub(ident, '/'.join(remainder))
        policy.authorize('fleet:host:get', {}, ctx)
        return _show(pecan.request.dbapi.get_host(ident))

    def _get_sub(self, ident, sub):
        utils.check_inventory_version()
        ctx = pecan.request.context
        dbapi = pecan.request.dbapi
        if sub == 'variables':
            policy.authorize('fleet:host:variables', {}, ctx)
            host = dbapi.get_host(ident)
            places = variables.index_places(dbapi.list_places())
            return variables.resolve(host, places)
        if sub == 'facts':
            return self._facts(ident)
        if sub == 'history':
            policy.authorize('fleet:host:history', {}, ctx)
            utils.check_query(dict(pecan.request.GET), ('limit',), paged=False)
            limit = pecan.request.GET.get('limit')
            if limit is not None:
                limit = hygiene.parse_int('limit', limit, minimum=1)
            rows = dbapi.list_host_history(ident, limit=limit)
            return {'history': [_history_to_api(r) for r in rows]}
        if sub == 'metrics' and utils.allow_host_metrics():
            policy.authorize('fleet:host:metrics', {}, ctx)
            utils.check_query(dict(pecan.request.GET), (), paged=False)
            host = dbapi.get_host(ident)
            rows = dbapi.list_host_metrics(host['uuid'])
            return {'metrics': [_metric_to_api(r) for r in rows]}
        raise exception.NotFound(
            f'No {sub!r} under a host; try "variables", "history", "facts" '
            f'(API 1.6) or "metrics" (API 1.7).'
        )

    @staticmethod
    def _facts(ident):
        """GET /v1/hosts/{ident}/facts (1.6): the last facts gathered."""
        utils.check_audits_version()
        policy.authorize('fleet:host:facts', {}, pecan.request.context)
        host = pecan.request.dbapi.get_host(ident)
        row = pecan.request.dbapi.get_host_facts(host['uuid'])
        if row is None:
            raise audit_exc.FactsNotGathered(host=host['name'])
        return _facts_to_api(row)

    def _gather_facts(self, ident):
        """POST /v1/hosts/{ident}/facts (1.6): gather now, then audit."""
        utils.check_audits_version()
        ctx = pecan.request.context
        policy.authorize('fleet:host:gather_facts', {}, ctx)
        host = pecan.request.dbapi.get_host(ident)
        result = pecan.request.rpcapi.gather_facts(ctx, [host['uuid']])
        row = pecan.request.dbapi.get_host_facts(host['uuid'])
        body = _facts_to_api(row) if row else {'host': host['name']}
        body['failed'] = result['failed'].get(host['name'], {})
        body['audit'] = result['audit']
        return body

    @pecan.expose('json')
    def post(self, ident=None, action=None):
        if ident is not None:
            if action == 'release' and utils.allow_host_release():
                return self._release(ident)
            if action == 'facts':
                return self._gather_facts(ident)
            if action != 'replace':
                raise exception.NotFound(
                    f'No action {action!r} on hosts; try "replace", '
                    f'"facts" (API 1.6) or "release" (API 1.5).'
                )
            return self._replace(ident)
        ctx = pecan.request.context
        policy.authorize('fleet:host:create', {}, ctx)
        body = utils.request_json()
        utils.validate_body(schema.CREATE, body)
        if uuidutils.is_uuid_like(body['name']):
            raise exception.Invalid(reason='a host name cannot be a UUID.')
        values = dict(body, source='api', state=states.HOST_ACTIVE)
        values.setdefault('kind', 'compute')
        host = pecan.request.dbapi.create_host(values, history=_history())
        LOG.info('Host %s created by %s.', host['name'], ctx.user_id)
        pecan.response.status = http_client.CREATED
        body = _show(host)
        pecan.response.location = body['links'][0]['href']
        return body

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
        before = host['state']
        host = dbapi.update_host(
            host['uuid'], values, history=_history(body.get('state_reason'))
        )
        if host['kind'] == 'compute' and host['state'] != before:
            _hold_service(ctx, host)
        LOG.info(
            'Host %s updated by %s: %s.',
            host['name'],
            ctx.user_id,
            ', '.join(sorted(body)),
        )
        return _show(host)

    # No template: a 204 must have an empty body, not JSON "null"; the
    # content type still matches "Accept: application/json" (else 406).
    @pecan.expose(content_type='application/json')
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
        dbapi.destroy_host(host['uuid'], history=_history())
        LOG.info('Host %s deleted by %s.', host['name'], ctx.user_id)
        pecan.response.status = http_client.NO_CONTENT

    def _release(self, ident):
        """Force a host free (API 1.5).

        Its active run, if any, ends ``cancelled`` with the reason, and the
        host is handed to a human (``unmanaged``, with who and why), in one
        transaction; a conductor then keeps its nova-compute disabled with
        fleet's reason. fleet never returns a released host to the pool: a
        human who has checked it does (``PATCH state=active``).
        """
        ctx = pecan.request.context
        policy.authorize('fleet:host:release', {}, ctx)
        body = utils.request_json() if pecan.request.body else {}
        utils.validate_body(schema.RELEASE, body)
        dbapi = pecan.request.dbapi
        host = dbapi.get_host(ident)
        reason = body.get('reason') or 'no reason given'
        host, ended = executions.release_host(
            dbapi, host, reason, _history(reason)
        )
        if host['kind'] == 'compute':
            # Nova is changed by a conductor, not by the API.
            try:
                pecan.request.rpcapi.release_host(ctx, host['name'], reason)
            except Exception:
                LOG.exception(
                    'Host %s released, but no conductor was told to keep '
                    'its nova-compute disabled.',
                    host['name'],
                )
        LOG.info(
            'Host %s released by %s (%s)%s.',
            host['name'],
            ctx.user_id,
            reason,
            f'; run {ended["uuid"]} cancelled' if ended else '',
        )
        body = _show(host)
        body['released_execution'] = ended['uuid'] if ended else None
        return body

    def _replace(self, ident):
        utils.check_inventory_version()
        ctx = pecan.request.context
        policy.authorize('fleet:host:replace', {}, ctx)
        body = utils.request_json()
        utils.validate_body(schema_place.REPLACE, body)
        dbapi = pecan.request.dbapi
        result = replace_mod.replace_host(
            dbapi,
            ident,
            body['replacement'],
            history=_history(body.get('reason')),
            retire=body.get('retire', False),
        )
        aggregates = []
        if result['aggregates']:
            # Nova is changed by a conductor, not by the API.
            aggregates = pecan.request.rpcapi.add_host_to_aggregates(
                ctx, result['new']['name'], result['aggregates']
            )
        if result['old']['kind'] == 'compute':
            # Retired or in maintenance now: held out of Nova's pool.
            _hold_service(ctx, result['old'])
        LOG.info(
            'Host %s replaced by %s (by %s).',
            result['old']['name'],
            result['new']['name'],
            ctx.user_id,
        )
        return {
            'replaced': to_api(result['old']),
            'replacement': to_api(result['new']),
            'cloned': result['cloned'],
            'aggregates': aggregates,
        }
