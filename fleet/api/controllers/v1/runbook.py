"""/v1/runbooks: what fleet does about alerts (API microversion 1.3).

Runbooks are data: a body in JSON, or YAML with ``Content-Type:
application/yaml``. ``GET /v1/runbooks/export`` gives the whole catalog
(``{"runbooks": [...]}``) and ``POST /v1/runbooks/import`` takes one
(created, or replaced by name; ``"replace": true`` also deletes the
runbooks the catalog does not name), validated as a whole first.
``POST /v1/runbooks/{ident}/dry_run`` shows what the runbook would do now
about every firing alert, without doing it.
"""

from http import client as http_client

from oslo_log import log
import pecan
from pecan import rest
import webob.exc
import yaml

from fleet.alerts import exception as alert_exc
from fleet.alerts import runbooks
from fleet.api import hygiene
from fleet.api.controllers.v1 import alert as alert_api
from fleet.api.controllers.v1 import utils
from fleet.api.schemas import runbook as schema
from fleet.common import exception
from fleet.common import executions
from fleet.common import policy

LOG = log.getLogger(__name__)

SORT_KEYS = ('id', 'name', 'created_at', 'updated_at')
#: Values of the ``enabled`` filter.
BOOLEANS = {
    'true': True,
    'True': True,
    '1': True,
    'yes': True,
    'false': False,
    'False': False,
    '0': False,
    'no': False,
}


def _body():
    """The request body, JSON or YAML."""
    content_type = pecan.request.content_type or ''
    if 'yaml' in content_type:
        try:
            body = yaml.safe_load(pecan.request.body)
        except RecursionError:
            raise exception.Invalid(
                reason=f'body is nested deeper than {hygiene.MAX_DEPTH} '
                f'levels.'
            ) from None
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise exception.Invalid(
                reason=f'body is not valid YAML: {e}'
            ) from e
        body = body if body is not None else {}
        # YAML has NaN, dates and deep anchors that JSON has not.
        hygiene.check_value(body)
        return body
    return utils.request_json()


def _to_api(runbook, actions=None):
    body = runbooks.to_api(runbook)
    body['created_at'] = utils.isoformat(runbook['created_at'])
    body['updated_at'] = utils.isoformat(runbook['updated_at'])
    body['links'] = utils.self_links('runbooks', runbook["uuid"])
    if actions is not None:
        body['actions'] = [
            {
                'created_at': utils.isoformat(a['created_at']),
                'action': a['action'],
                'alert_uuid': a['alert_uuid'],
                'host_uuid': a['host_uuid'],
                'execution_uuid': a['execution_uuid'],
                'details': a['details'],
            }
            for a in actions
        ]
    return body


def _values(body):
    values = runbooks.from_api(body)
    values.setdefault('enabled', True)
    values.setdefault('threshold_count', 1)
    values.setdefault('threshold_window', 3600)
    values.setdefault('cooldown', 0)
    values.setdefault('approval', 'automatic')
    values.setdefault('limits', {})
    values.setdefault('description', None)
    return values


def _check_action(body):
    """A runbook's run names a catalogued action with valid parameters,
    checked when the runbook is written, not when an alert fires.

    :raises: Invalid
    """
    remediation = body.get('remediation') or {}
    if remediation.get('action') != 'maintenance':
        return
    parameters = remediation.get('parameters') or {}
    try:
        action, _values = executions.resolve_action(parameters)
    except exception.Invalid as e:
        raise exception.Invalid(
            reason=f'runbook {body.get("name")}: remediation: {e.message}'
        ) from e
    kind = remediation.get('kind')
    if action and kind not in (None, 'drain_patch_reboot'):
        raise exception.Invalid(
            reason=f'runbook {body.get("name")}: action {action.name} runs '
            f'in a "drain_patch_reboot" remediation, not {kind!r}.'
        )


def _check_name(body):
    """Reject a runbook name that is a sub-route of /v1/runbooks."""
    if body.get('name') in schema.RESERVED_NAMES:
        raise exception.Invalid(
            reason=f'a runbook cannot be named {body["name"]!r}; reserved '
            f'names: {", ".join(schema.RESERVED_NAMES)}.'
        )


def _require_ident(ident):
    # pecan routes PUT and DELETE of the collection here, without ident.
    if ident is None:
        raise webob.exc.HTTPMethodNotAllowed(headers={'Allow': 'GET, POST'})


class RunbooksController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        alert_api.check_version()
        policy.authorize('fleet:runbook:get_all', {}, pecan.request.context)
        utils.check_query(params, ('name', 'enabled'))
        page = utils.pagination(params, SORT_KEYS)
        filters = {k: params[k] for k in ('name',) if k in params}
        if 'enabled' in params:
            if params['enabled'] not in BOOLEANS:
                raise exception.InvalidParameterValue(
                    err=f'enabled must be one of {", ".join(BOOLEANS)}, '
                    f'got {params["enabled"]!r}.'
                )
            filters['enabled'] = BOOLEANS[params['enabled']]
        items = pecan.request.dbapi.list_runbooks(filters=filters, **page)
        body = {'runbooks': [_to_api(r) for r in items]}
        nxt = utils.next_link(
            'runbooks', items, page['limit'], 'runbooks', params
        )
        if nxt:
            body['next'] = nxt
        return body

    @pecan.expose('json')
    def get_one(self, ident):
        alert_api.check_version()
        ctx = pecan.request.context
        dbapi = pecan.request.dbapi
        if ident == 'export':
            policy.authorize('fleet:runbook:get_all', {}, ctx)
            return {
                'runbooks': [runbooks.to_api(r) for r in dbapi.list_runbooks()]
            }
        policy.authorize('fleet:runbook:get', {}, ctx)
        runbook = dbapi.get_runbook(ident)
        return _to_api(runbook, dbapi.list_runbook_actions(runbook['uuid']))

    @pecan.expose('json')
    def post(self, ident=None, action=None):
        alert_api.check_version()
        ctx = pecan.request.context
        dbapi = pecan.request.dbapi
        if ident == 'import' and action is None:
            return self._import()
        if ident == 'export' and action is None:
            raise webob.exc.HTTPMethodNotAllowed(headers={'Allow': 'GET'})
        if ident is not None:
            if action != 'dry_run':
                raise exception.NotFound(
                    f'No action {action!r} on runbooks; try "dry_run".'
                )
            policy.authorize('fleet:runbook:dry_run', {}, ctx)
            runbook = dbapi.get_runbook(ident)
            return {
                'runbook': runbook['name'],
                'decisions': runbooks.dry_run(runbook, dbapi),
            }
        policy.authorize('fleet:runbook:create', {}, ctx)
        body = _body()
        utils.validate_body(schema.RUNBOOK, body)
        _check_name(body)
        _check_action(body)
        runbook = dbapi.create_runbook(_values(body))
        LOG.info('Runbook %s created by %s.', runbook['name'], ctx.user_id)
        pecan.response.status = http_client.CREATED
        result = _to_api(runbook)
        pecan.response.location = result['links'][0]['href']
        return result

    @pecan.expose('json')
    def put(self, ident=None):
        _require_ident(ident)
        alert_api.check_version()
        ctx = pecan.request.context
        policy.authorize('fleet:runbook:update', {}, ctx)
        body = _body()
        utils.validate_body(schema.RUNBOOK_WITH_UUID, body)
        _check_name(body)
        _check_action(body)
        body.pop('uuid', None)
        runbook = pecan.request.dbapi.update_runbook(ident, _values(body))
        LOG.info('Runbook %s replaced by %s.', runbook['name'], ctx.user_id)
        return _to_api(runbook)

    # No template: a 204 must have an empty body, not JSON "null" (on a
    # keep-alive connection those bytes start the next response); the
    # content type still matches "Accept: application/json" (else 406).
    @pecan.expose(content_type='application/json')
    def delete(self, ident=None):
        _require_ident(ident)
        alert_api.check_version()
        ctx = pecan.request.context
        policy.authorize('fleet:runbook:delete', {}, ctx)
        pecan.request.dbapi.destroy_runbook(ident)
        LOG.info('Runbook %s deleted by %s.', ident, ctx.user_id)
        pecan.response.status = http_client.NO_CONTENT

    def _import(self):
        ctx = pecan.request.context
        policy.authorize('fleet:runbook:create', {}, ctx)
        body = _body()
        utils.validate_body(schema.CATALOG, body)
        for item in body['runbooks']:
            _check_name(item)
            _check_action(item)
        names = [r['name'] for r in body['runbooks']]
        if len(set(names)) != len(names):
            raise exception.Invalid(reason='a runbook name appears twice')
        dbapi = pecan.request.dbapi
        counts = {'created': 0, 'updated': 0, 'deleted': 0}
        for item in body['runbooks']:
            item = dict(item)
            item.pop('uuid', None)
            try:
                dbapi.update_runbook(item['name'], _values(item))
                counts['updated'] += 1
            except alert_exc.RunbookNotFound:
                dbapi.create_runbook(_values(item))
                counts['created'] += 1
        if body.get('replace'):
            for runbook in dbapi.list_runbooks():
                if runbook['name'] not in names:
                    dbapi.destroy_runbook(runbook['uuid'])
                    counts['deleted'] += 1
        LOG.info('Runbook catalog imported by %s: %s.', ctx.user_id, counts)
        return counts
