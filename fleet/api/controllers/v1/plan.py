"""/v1/plans: rolling maintenance under disruption budgets (API 1.8).

``POST /v1/plans`` records a plan over the hosts its selector names
(``"dry_run": true`` returns the order and waves instead, recording
nothing); a conductor drives it (fleet.conductor.plans). ``GET`` shows
its state, why (``state_reason``), and each host's progress;
``POST /v1/plans/{uuid}/pause|resume|cancel`` steer it.
"""

from http import client as http_client

from oslo_log import log
import pecan
from pecan import rest

from fleet.api.controllers.v1 import utils
from fleet.api.controllers.v1 import versions
from fleet.api.schemas import plan as schema
from fleet.common import exception
from fleet.common import policy
from fleet.common import states
from fleet.conductor import plans

LOG = log.getLogger(__name__)

FILTERS = ('state', 'name')
SORT_KEYS = ('id', 'state', 'name', 'created_at', 'updated_at')
ACTIONS = ('pause', 'resume', 'cancel')


def to_api(plan):
    hidden = {'id'}
    if not utils.allow_plan_progress():
        hidden.add('eta')
    body = {k: v for k, v in plan.items() if k not in hidden}
    for key in ('created_at', 'updated_at', 'finished_at'):
        body[key] = utils.isoformat(plan.get(key))
    body['links'] = utils.self_links('plans', plan['uuid'])
    return body


def check_version():
    if not utils.allow_plans():
        raise exception.NotFound(
            'The plans resource needs API version 1.8 or later (header '
            '"OpenStack-API-Version: fleet 1.8").'
        )


def _check_version_of_fields(body):
    """What a plan body may hold only from 1.10 on."""
    if utils.allow_plan_progress():
        return
    late = []
    if 'audit' in (body.get('selector') or {}):
        late.append('selector.audit')
    if 'capacity_headroom' in (body.get('budget') or {}):
        late.append('budget.capacity_headroom')
    if late:
        version = f'1.{versions.MINOR_10_PLAN_PROGRESS}'
        raise exception.Invalid(
            reason=f'{", ".join(late)} needs API version {version} or later '
            f'(header "OpenStack-API-Version: fleet {version}").'
        )


class PlansController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        check_version()
        policy.authorize('fleet:plan:get_all', {}, pecan.request.context)
        utils.check_query(params, FILTERS)
        page = utils.pagination(params, SORT_KEYS)
        filters = {k: params[k] for k in FILTERS if k in params}
        if 'state' in filters and filters['state'] not in states.PLAN_STATES:
            raise exception.InvalidParameterValue(
                err=f'state must be one of {", ".join(states.PLAN_STATES)}, '
                f'got {filters["state"]!r}.'
            )
        items = pecan.request.dbapi.list_plans(filters=filters, **page)
        body = {'plans': [to_api(p) for p in items]}
        nxt = utils.next_link('plans', items, page['limit'], 'plans', params)
        if nxt:
            body['next'] = nxt
        return body

    @pecan.expose('json')
    def get_one(self, uuid):
        check_version()
        policy.authorize('fleet:plan:get', {}, pecan.request.context)
        return to_api(plans.show(pecan.request.dbapi, uuid))

    @pecan.expose('json')
    def post(self, uuid=None, action=None):
        check_version()
        ctx = pecan.request.context
        dbapi = pecan.request.dbapi
        if uuid is not None:
            if action not in ACTIONS:
                raise exception.NotFound(
                    f'No action {action!r} on plans; try one of '
                    f'{", ".join(ACTIONS)}.'
                )
            policy.authorize('fleet:plan:update', {}, ctx)
            dbapi.get_plan(uuid)  # 404 before 409
            who = ctx.user_id
            if action == 'pause':
                plans.pause(dbapi, uuid, who)
            elif action == 'resume':
                plans.resume(dbapi, uuid, who)
            else:
                plans.cancel(dbapi, pecan.request.rpcapi, ctx, uuid, who)
            LOG.info('Plan %s: %s by %s.', uuid, action, who)
            return to_api(plans.show(dbapi, uuid))
        policy.authorize('fleet:plan:create', {}, ctx)
        body = utils.request_json()
        utils.validate_body(schema.CREATE, body)
        _check_version_of_fields(body)
        body = dict(body)
        if body.pop('dry_run', False):
            return plans.dry_run(dbapi, body)
        plan = plans.create(
            dbapi,
            body,
            {'user_id': ctx.user_id, 'project_id': ctx.project_id},
        )
        pecan.response.status = http_client.CREATED
        result = to_api(plans.show(dbapi, plan['uuid']))
        pecan.response.location = result['links'][0]['href']
        return result
