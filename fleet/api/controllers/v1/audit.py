"""/v1/audit_profiles, /v1/audits and /v1/findings (API 1.6).

* Audit profiles are data (see :mod:`fleet.audits.profiles`): a body in
  JSON, or YAML with ``Content-Type: application/yaml``. ``GET
  /v1/audit_profiles/export`` gives the whole catalog, ``POST
  /v1/audit_profiles/import`` takes one (created, or replaced by name;
  ``"replace": true`` also deletes the profiles it does not name),
  validated as a whole first. ``GET
  /v1/audit_profiles/{ident}/compliance`` counts hosts per rule, result
  and availability zone.
* ``POST /v1/audits`` audits now: ``{"hosts": [...], "profiles": [...],
  "gather": false}``; without ``gather`` it audits the stored facts and
  answers the summary (200), with it the conductor gathers the facts
  first and the answer is 202 (watch ``GET /v1/findings``).
* ``GET /v1/findings`` (filters ``host``, ``profile``, ``rule``,
  ``result``, ``severity``, ``since``; paged) and ``GET
  /v1/findings/{uuid}`` with the finding's history.
"""

from http import client as http_client

from oslo_log import log
from oslo_utils import timeutils
import pecan
from pecan import rest

from fleet.api.controllers.v1 import runbook as runbook_api
from fleet.api.controllers.v1 import utils
from fleet.audits import exception as audit_exc
from fleet.audits import profiles
from fleet.audits import rules as audit_rules
from fleet.common import exception
from fleet.common import policy

LOG = log.getLogger(__name__)

#: Query filters of GET /v1/audit_profiles and GET /v1/findings (the
#: OpenAPI description is built from them).
PROFILE_FILTERS = ('name', 'enabled')
FINDING_FILTERS = ('host', 'profile', 'rule', 'result', 'severity', 'since')
PROFILE_SORT_KEYS = ('id', 'name', 'created_at', 'updated_at')
FINDING_SORT_KEYS = (
    'id',
    'host_name',
    'profile_name',
    'rule',
    'result',
    'severity',
    'checked_at',
    'changed_at',
)

RUN = {
    'type': 'object',
    'properties': {
        'hosts': {
            'type': 'array',
            'items': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'minItems': 1,
            'maxItems': 10000,
        },
        'profiles': {
            'type': 'array',
            'items': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'minItems': 1,
        },
        'gather': {'type': 'boolean'},
    },
    'additionalProperties': False,
}


def _profile_to_api(row):
    body = profiles.to_api(row)
    body['created_at'] = utils.isoformat(row['created_at'])
    body['updated_at'] = utils.isoformat(row['updated_at'])
    body['links'] = utils.self_links('audit_profiles', row['uuid'])
    return body


def _check_profile(body, schema):
    utils.validate_body(schema, body)
    profiles.validate(body)


class AuditProfilesController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        utils.check_audits_version()
        ctx = pecan.request.context
        policy.authorize('fleet:audit_profile:get_all', {}, ctx)
        utils.check_query(params, PROFILE_FILTERS)
        page = utils.pagination(params, PROFILE_SORT_KEYS)
        filters = {k: params[k] for k in ('name',) if k in params}
        if 'enabled' in params:
            # As runbooks: "enabled=maybe" is refused, not read as false.
            if params['enabled'] not in runbook_api.BOOLEANS:
                raise exception.InvalidParameterValue(
                    err=f'enabled must be one of '
                    f'{", ".join(runbook_api.BOOLEANS)}, '
                    f'got {params["enabled"]!r}.'
                )
            filters['enabled'] = runbook_api.BOOLEANS[params['enabled']]
        items = pecan.request.dbapi.list_audit_profiles(
            filters=filters, **page
        )
        body = {'audit_profiles': [_profile_to_api(r) for r in items]}
        nxt = utils.next_link(
            'audit_profiles', items, page['limit'], 'audit_profiles', params
        )
        if nxt:
            body['next'] = nxt
        return body

    @pecan.expose('json')
    def get_one(self, ident, *remainder):
        utils.check_audits_version()
        ctx = pecan.request.context
        dbapi = pecan.request.dbapi
        if ident == 'export' and not remainder:
            policy.authorize('fleet:audit_profile:get_all', {}, ctx)
            return {
                'profiles': [
                    profiles.to_api(r) for r in dbapi.list_audit_profiles()
                ]
            }
        policy.authorize('fleet:audit_profile:get', {}, ctx)
        row = dbapi.get_audit_profile(ident)
        if not remainder:
            return _profile_to_api(row)
        if remainder != ('compliance',):
            raise exception.NotFound(
                f'No {"/".join(remainder)!r} under an audit profile; try '
                f'"compliance".'
            )
        return self._compliance(row)

    @staticmethod
    def _compliance(row):
        counts = pecan.request.dbapi.audit_compliance(row['uuid'])
        by_rule = {}
        for rule in row['rules']:
            by_rule[rule['name']] = {
                'rule': rule['name'],
                'severity': rule.get('severity', 'warning'),
                'hosts': dict.fromkeys(audit_rules.RESULTS, 0),
                'availability_zones': {},
            }
        totals = dict.fromkeys(audit_rules.RESULTS, 0)
        for c in counts:
            entry = by_rule.get(c['rule'])
            if entry is None:
                continue  # a rule since removed from the profile
            entry['hosts'][c['result']] += c['hosts']
            az = entry['availability_zones'].setdefault(
                c['availability_zone'] or '-',
                dict.fromkeys(audit_rules.RESULTS, 0),
            )
            az[c['result']] += c['hosts']
            totals[c['result']] += c['hosts']
        return {
            'profile': row['name'],
            'uuid': row['uuid'],
            'totals': totals,
            'rules': list(by_rule.values()),
        }

    @pecan.expose('json')
    def post(self, ident=None):
        utils.check_audits_version()
        ctx = pecan.request.context
        if ident == 'import':
            return self._import()
        if ident is not None:
            raise exception.NotFound(
                f'No action {ident!r} on audit profiles; try "import".'
            )
        policy.authorize('fleet:audit_profile:create', {}, ctx)
        body = runbook_api._body()
        _check_profile(body, profiles.PROFILE)
        body.pop('uuid', None)
        row = pecan.request.dbapi.create_audit_profile(profiles.from_api(body))
        LOG.info('Audit profile %s created by %s.', row['name'], ctx.user_id)
        pecan.response.status = http_client.CREATED
        result = _profile_to_api(row)
        pecan.response.location = result['links'][0]['href']
        return result

    @pecan.expose('json')
    def put(self, ident):
        utils.check_audits_version()
        ctx = pecan.request.context
        policy.authorize('fleet:audit_profile:update', {}, ctx)
        body = runbook_api._body()
        _check_profile(body, profiles.PROFILE)
        body.pop('uuid', None)
        row = pecan.request.dbapi.update_audit_profile(
            ident, profiles.from_api(body)
        )
        LOG.info('Audit profile %s replaced by %s.', row['name'], ctx.user_id)
        return _profile_to_api(row)

    @pecan.expose('json')
    def delete(self, ident):
        utils.check_audits_version()
        ctx = pecan.request.context
        policy.authorize('fleet:audit_profile:delete', {}, ctx)
        pecan.request.dbapi.destroy_audit_profile(ident)
        LOG.info('Audit profile %s deleted by %s.', ident, ctx.user_id)
        pecan.response.status = http_client.NO_CONTENT

    def _import(self):
        ctx = pecan.request.context
        policy.authorize('fleet:audit_profile:create', {}, ctx)
        body = runbook_api._body()
        utils.validate_body(profiles.CATALOG, body)
        for item in body['profiles']:
            profiles.validate(item)
        names = [p['name'] for p in body['profiles']]
        if len(set(names)) != len(names):
            raise exception.Invalid(reason='a profile name appears twice')
        dbapi = pecan.request.dbapi
        counts = {'created': 0, 'updated': 0, 'deleted': 0}
        for item in body['profiles']:
            values = profiles.from_api(item)
            try:
                dbapi.update_audit_profile(item['name'], values)
                counts['updated'] += 1
            except audit_exc.AuditProfileNotFound:
                dbapi.create_audit_profile(values)
                counts['created'] += 1
        if body.get('replace'):
            for row in dbapi.list_audit_profiles():
                if row['name'] not in names:
                    dbapi.destroy_audit_profile(row['uuid'])
                    counts['deleted'] += 1
        LOG.info('Audit profiles imported by %s: %s.', ctx.user_id, counts)
        return counts


class AuditsController(rest.RestController):
    @pecan.expose('json')
    def post(self):
        utils.check_audits_version()
        ctx = pecan.request.context
        policy.authorize('fleet:audit:run', {}, ctx)
        body = utils.request_json() if pecan.request.body else {}
        utils.validate_body(RUN, body)
        dbapi = pecan.request.dbapi
        hosts = None
        if body.get('hosts'):
            hosts = [dbapi.get_host(h)['uuid'] for h in body['hosts']]
        names = body.get('profiles')
        for name in names or []:
            dbapi.get_audit_profile(name)  # 404 before the conductor
        if body.get('gather'):
            pecan.request.rpcapi.run_audit(
                ctx, host_uuids=hosts, profiles=names, gather=True, wait=False
            )
            pecan.response.status = http_client.ACCEPTED
            return {
                'accepted': True,
                'message': 'The conductor gathers the facts, then audits; '
                'see GET /v1/findings.',
            }
        return pecan.request.rpcapi.run_audit(
            ctx, host_uuids=hosts, profiles=names
        )


def finding_to_api(row, events=None):
    body = {
        k: row[k]
        for k in (
            'uuid',
            'host_uuid',
            'host_name',
            'profile_uuid',
            'profile_name',
            'rule',
            'severity',
            'result',
            'evidence',
            'message',
        )
    }
    body['checked_at'] = utils.isoformat(row['checked_at'])
    body['changed_at'] = utils.isoformat(row['changed_at'])
    body['links'] = utils.self_links('findings', row['uuid'])
    if events is not None:
        body['history'] = [
            {
                'at': utils.isoformat(e['created_at']),
                'old_result': e['old_result'],
                'new_result': e['new_result'],
                'evidence': e['evidence'],
                'message': e['message'],
            }
            for e in events
        ]
    return body


def _since(text):
    try:
        value = timeutils.parse_isotime(text)
    except ValueError as e:
        raise exception.InvalidParameterValue(
            err=f'since must be an ISO 8601 time such as '
            f'2026-11-30T12:00:00Z, got {text!r}.'
        ) from e
    return timeutils.normalize_time(value)


class FindingsController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        utils.check_audits_version()
        ctx = pecan.request.context
        policy.authorize('fleet:finding:get_all', {}, ctx)
        utils.check_query(params, FINDING_FILTERS)
        page = utils.pagination(params, FINDING_SORT_KEYS)
        dbapi = pecan.request.dbapi
        filters = {}
        if 'host' in params:
            filters['host_uuid'] = dbapi.get_host(params['host'])['uuid']
        if 'profile' in params:
            filters['profile_uuid'] = dbapi.get_audit_profile(
                params['profile']
            )['uuid']
        if 'rule' in params:
            filters['rule'] = params['rule']
        for key, allowed in (
            ('result', audit_rules.RESULTS),
            ('severity', audit_rules.SEVERITIES),
        ):
            if key in params:
                if params[key] not in allowed:
                    raise exception.InvalidParameterValue(
                        err=f'{key} must be one of {", ".join(allowed)}, '
                        f'got {params[key]!r}.'
                    )
                filters[key] = params[key]
        since = _since(params['since']) if 'since' in params else None
        items = dbapi.list_audit_findings(filters=filters, since=since, **page)
        body = {'findings': [finding_to_api(f) for f in items]}
        nxt = utils.next_link(
            'findings', items, page['limit'], 'findings', params
        )
        if nxt:
            body['next'] = nxt
        return body

    @pecan.expose('json')
    def get_one(self, uuid):
        utils.check_audits_version()
        ctx = pecan.request.context
        policy.authorize('fleet:finding:get', {}, ctx)
        dbapi = pecan.request.dbapi
        row = dbapi.get_audit_finding(uuid)
        return finding_to_api(
            row, dbapi.list_audit_finding_events(finding_uuid=uuid)
        )
