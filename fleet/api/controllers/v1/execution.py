"""/v1/executions: maintenance runs (API microversion 1.1).

``POST /v1/executions`` records a run (``pending``), holds its host
atomically (a second run on the same host gets 409) and casts it to a
conductor; ``GET`` shows its per-step and per-instance progress and its
history while it runs; ``POST /v1/executions/{uuid}/cancel`` asks it to
stop. Below 1.1 the resource does not exist (404), as in ironic.
"""

from http import client as http_client

from oslo_config import cfg
from oslo_log import log
from oslo_utils import uuidutils
import pecan
from pecan import rest

from fleet.api.controllers.v1 import utils
from fleet.api.schemas import execution as schema
from fleet.common import exception
from fleet.common import executions
from fleet.common import policy
from fleet.common import states

CONF = cfg.CONF
LOG = log.getLogger(__name__)

FILTERS = ('kind', 'state', 'host_uuid', 'conductor')
SORT_KEYS = ('id', 'state', 'kind', 'created_at', 'updated_at')
HIDDEN = ('id',)


def _summary(progress: dict) -> dict:
    instances = progress.get('instances') or {}
    counts = {}
    for inst in instances.values():
        counts[inst.get('state', 'pending')] = (
            counts.get(inst.get('state', 'pending'), 0) + 1
        )
    moved = counts.get('migrated', 0) + counts.get('already_moved', 0)
    return {'total': len(instances), 'moved': moved, 'by_state': counts}


def to_api(execution: dict, events: list | None = None) -> dict:
    """An execution as the API shows it."""
    body = {k: v for k, v in execution.items() if k not in HIDDEN}
    progress = dict(execution['progress'] or {})
    progress['instances_summary'] = _summary(progress)
    body['progress'] = progress
    for key in ('created_at', 'updated_at', 'started_at', 'finished_at'):
        body[key] = utils.isoformat(execution[key])
    body['links'] = utils.self_links('executions', execution["uuid"])
    if events is not None:
        body['events'] = [
            {
                'created_at': utils.isoformat(e['created_at']),
                'level': e['level'],
                'step': e['step'],
                'message': e['message'],
                'details': e['details'],
            }
            for e in events
        ]
    return body


def _check_version() -> None:
    if not utils.allow_executions():
        raise exception.NotFound(
            'The executions resource needs API version 1.1 or later '
            '(header "OpenStack-API-Version: fleet 1.1").'
        )


#: Kept for callers of the old name; the one implementation is shared
#: with the runs that runbooks start.
_parameters = executions.prepare_parameters


class ExecutionsController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        _check_version()
        ctx = pecan.request.context
        policy.authorize('fleet:execution:get_all', {}, ctx)
        utils.check_query(params, FILTERS + ('host',))
        page = utils.pagination(params, SORT_KEYS)
        filters = {k: v for k, v in params.items() if k in FILTERS}
        if 'host' in params:
            filters['host_uuid'] = pecan.request.dbapi.get_host(
                params['host']
            )['uuid']
        if 'state' in filters and filters['state'] not in states.EXEC_STATES:
            raise exception.InvalidParameterValue(
                err=f'Unknown state {filters["state"]!r}; states: '
                f'{", ".join(states.EXEC_STATES)}.'
            )
        executions = pecan.request.dbapi.list_executions(
            filters=filters, **page
        )
        body = {'executions': [to_api(e) for e in executions]}
        nxt = utils.next_link(
            'executions', executions, page['limit'], 'executions', params
        )
        if nxt:
            body['next'] = nxt
        return body

    @pecan.expose('json')
    def get_one(self, uuid):
        _check_version()
        ctx = pecan.request.context
        policy.authorize('fleet:execution:get', {}, ctx)
        if not uuidutils.is_uuid_like(uuid):
            raise exception.InvalidUUID(uuid=uuid)
        dbapi = pecan.request.dbapi
        execution = dbapi.get_execution(uuid)
        return to_api(execution, dbapi.list_execution_events(uuid))

    @pecan.expose('json')
    def post(self, uuid=None, action=None):
        _check_version()
        if uuid is not None:
            if action == 'cancel':
                return self._cancel(uuid)
            if action in ('approve', 'reject') and utils.allow_alerts():
                return self._decide(uuid, action)
            raise exception.NotFound(
                f'No action {action!r} on executions; try "cancel" (or, '
                f'from API 1.3, "approve" or "reject").'
            )
        ctx = pecan.request.context
        policy.authorize('fleet:execution:create', {}, ctx)
        body = utils.request_json()
        if isinstance(body, dict):
            # Before the schema: the one message that says what to do.
            executions.refuse_ad_hoc(body)
            given = [k for k in schema.ACTION_FIELDS if k in body]
            if given and not utils.allow_actions():
                raise exception.Invalid(
                    reason=f'{", ".join(given)}: runs name catalogued '
                    f'actions from API 1.4 (header "OpenStack-API-Version: '
                    f'fleet 1.4").'
                )
            if 'reaudit' in body and not utils.allow_audits():
                raise exception.Invalid(
                    reason='reaudit: a run is judged by audit rules from '
                    'API 1.6 (header "OpenStack-API-Version: fleet 1.6").'
                )
        utils.validate_body(schema.CREATE, body)
        params = _parameters(body)
        dbapi = pecan.request.dbapi
        host = dbapi.get_host(body['host'])
        execution = executions.create(
            dbapi,
            pecan.request.rpcapi,
            ctx,
            host,
            params,
            requested_by={
                'user_id': ctx.user_id,
                'project_id': ctx.project_id,
                'request_id': ctx.request_id,
            },
        )
        pecan.response.status = http_client.ACCEPTED
        body = to_api(execution)
        pecan.response.location = body['links'][0]['href']
        return body

    def _cancel(self, uuid):
        ctx = pecan.request.context
        policy.authorize('fleet:execution:cancel', {}, ctx)
        if not uuidutils.is_uuid_like(uuid):
            raise exception.InvalidUUID(uuid=uuid)
        # Only the lifecycle owner changes a run's state: a run no
        # conductor has taken is closed at once; any other gets the flag
        # its tasks check before each new action.
        execution = executions.request_cancel(
            pecan.request.dbapi, pecan.request.rpcapi, ctx, uuid
        )
        LOG.info('Execution %s: cancel requested by %s.', uuid, ctx.user_id)
        pecan.response.status = http_client.ACCEPTED
        return to_api(execution)

    def _decide(self, uuid, action):
        """Approve or reject a run awaiting approval (API 1.3)."""
        ctx = pecan.request.context
        policy.authorize(f'fleet:execution:{action}', {}, ctx)
        if not uuidutils.is_uuid_like(uuid):
            raise exception.InvalidUUID(uuid=uuid)
        dbapi = pecan.request.dbapi
        if action == 'approve':
            execution = executions.approve(
                dbapi, pecan.request.rpcapi, ctx, uuid
            )
        else:
            reason = None
            if pecan.request.body:
                body = utils.request_json()
                utils.validate_body(schema.REJECT, body)
                reason = body.get('reason')
            execution = executions.reject(dbapi, ctx, uuid, reason)
        LOG.info('Execution %s: %sd by %s.', uuid, action, ctx.user_id)
        pecan.response.status = http_client.ACCEPTED
        return to_api(execution)
