"""/v1/alerts: deduplicated alerts (API microversion 1.3).

``GET /v1/alerts`` lists them (filters: name, state, severity, source,
host); ``GET /v1/alerts/{uuid}`` shows one with its history;
``POST /v1/alerts`` records one from an operator or a tool (runbooks then
act as for any other source); ``POST /v1/alerts/{uuid}/acknowledge``,
``.../silence`` (duration, reason) and ``.../unsilence`` change its state.
"""

import datetime

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils
from oslo_utils import uuidutils
import pecan
from pecan import rest

from fleet.alerts import intake
from fleet.alerts import states as alert_states
from fleet.api.controllers.v1 import utils
from fleet.api.schemas import alert as schema
from fleet.common import exception
from fleet.common import policy

CONF = cfg.CONF
LOG = log.getLogger(__name__)

FILTERS = ('name', 'state', 'severity', 'source', 'host_uuid')
SORT_KEYS = ('id', 'last_seen', 'first_seen', 'count', 'severity', 'state')
DATES = (
    'created_at',
    'updated_at',
    'first_seen',
    'last_seen',
    'resolved_at',
    'silenced_until',
)


def to_api(alert, events=None):
    """An alert as the API shows it."""
    body = {k: v for k, v in alert.items() if k != 'id'}
    for key in DATES:
        body[key] = utils.isoformat(alert.get(key))
    body['links'] = utils.self_links('alerts', alert["uuid"])
    if events is not None:
        body['history'] = [
            {
                'created_at': utils.isoformat(e['created_at']),
                'kind': e['kind'],
                'message': e['message'],
                'details': e['details'],
            }
            for e in events
        ]
    return body


def result_to_api(result):
    """One processed signal: the alert, whether it was a duplicate, and
    what the runbooks decided."""
    alert = result['alert']
    return {
        'alert': to_api(alert) if alert else None,
        'duplicate': result['duplicate'],
        'decisions': result['decisions'],
    }


def check_version():
    if not utils.allow_alerts():
        raise exception.NotFound(
            'The alerts and runbooks resources need API version 1.3 or '
            'later (header "OpenStack-API-Version: fleet 1.3").'
        )


class AlertsController(rest.RestController):
    @pecan.expose('json')
    def get_all(self, **params):
        check_version()
        policy.authorize('fleet:alert:get_all', {}, pecan.request.context)
        utils.check_query(params, FILTERS + ('host',))
        page = utils.pagination(params, SORT_KEYS)
        filters = {k: v for k, v in params.items() if k in FILTERS}
        if 'host' in params:
            filters['host_uuid'] = pecan.request.dbapi.get_host(
                params['host']
            )['uuid']
        state = filters.get('state')
        if state and state not in alert_states.ALERT_STATES:
            raise exception.InvalidParameterValue(
                err=f'Unknown state {state!r}; states: '
                f'{", ".join(alert_states.ALERT_STATES)}.'
            )
        alerts = pecan.request.dbapi.list_alerts(filters=filters, **page)
        body = {'alerts': [to_api(a) for a in alerts]}
        nxt = utils.next_link(
            'alerts', alerts, page['limit'], 'alerts', params
        )
        if nxt:
            body['next'] = nxt
        return body

    @pecan.expose('json')
    def get_one(self, uuid):
        check_version()
        policy.authorize('fleet:alert:get', {}, pecan.request.context)
        if not uuidutils.is_uuid_like(uuid):
            raise exception.InvalidUUID(uuid=uuid)
        dbapi = pecan.request.dbapi
        return to_api(dbapi.get_alert(uuid), dbapi.list_alert_events(uuid))

    @pecan.expose('json')
    def post(self, uuid=None, action=None):
        check_version()
        if uuid is not None:
            actions = {
                'acknowledge': self._acknowledge,
                'silence': self._silence,
                'unsilence': self._unsilence,
            }
            if action not in actions:
                raise exception.NotFound(
                    f'No action {action!r} on alerts; try one of: '
                    f'{", ".join(actions)}.'
                )
            if not uuidutils.is_uuid_like(uuid):
                raise exception.InvalidUUID(uuid=uuid)
            return actions[action](uuid)
        ctx = pecan.request.context
        policy.authorize('fleet:alert:create', {}, ctx)
        body = utils.request_json()
        utils.validate_body(schema.CREATE, body)
        signal = {
            'source': body.get('source', 'api'),
            'name': body['name'],
            'severity': body.get('severity', 'warning'),
            'host': body.get('host'),
            'labels': {k: str(v) for k, v in body.get('labels', {}).items()},
            'annotations': {
                k: str(v) for k, v in body.get('annotations', {}).items()
            },
            'status': body.get('status', alert_states.FIRING),
            'fingerprint': body.get('fingerprint'),
            'occurrence_key': body.get('occurrence_id'),
        }
        result = intake.process([signal], ctx, pecan.request.rpcapi)[0]
        if result['alert'] is None:
            raise exception.Invalid(
                reason='a resolve for an alert fleet never saw firing'
            )
        LOG.info(
            'Alert %s (%s) posted by %s.',
            result['alert']['name'],
            result['alert']['uuid'],
            ctx.user_id,
        )
        return result_to_api(result)

    def _body(self, schema_):
        body = {}
        if pecan.request.body:
            body = utils.request_json()
        utils.validate_body(schema_, body)
        return body

    def _acknowledge(self, uuid):
        ctx = pecan.request.context
        policy.authorize('fleet:alert:acknowledge', {}, ctx)
        body = self._body(schema.ACKNOWLEDGE)
        dbapi = pecan.request.dbapi
        alert = dbapi.get_alert(uuid)
        if alert['state'] != alert_states.FIRING:
            raise exception.InvalidState(
                resource='Alert',
                id=uuid,
                state=alert['state'],
                reason='only a firing alert can be acknowledged',
            )
        comment = body.get('comment')
        alert = dbapi.update_alert(
            uuid,
            {
                'state': alert_states.ACKNOWLEDGED,
                'acknowledged_by': ctx.user_id,
            },
            f'Acknowledged by {ctx.user_id}'
            + (f': {comment}' if comment else '.'),
            kind='acknowledged',
        )
        return to_api(alert)

    def _silence(self, uuid):
        ctx = pecan.request.context
        policy.authorize('fleet:alert:silence', {}, ctx)
        body = self._body(schema.SILENCE)
        duration = body.get('duration', CONF.alerts.default_silence_seconds)
        until = timeutils.utcnow() + datetime.timedelta(seconds=duration)
        dbapi = pecan.request.dbapi
        alert = dbapi.get_alert(uuid)
        if alert['state'] == alert_states.RESOLVED:
            raise exception.InvalidState(
                resource='Alert',
                id=uuid,
                state=alert['state'],
                reason='a resolved alert needs no silence',
            )
        alert = dbapi.update_alert(
            uuid,
            {
                'state': alert_states.SILENCED,
                'silenced_until': until,
                'silence_reason': body['reason'],
            },
            f'Silenced by {ctx.user_id} until {until.isoformat()}Z: '
            f'{body["reason"]}',
            kind='silenced',
            details={'by': ctx.user_id, 'duration': duration},
        )
        return to_api(alert)

    def _unsilence(self, uuid):
        ctx = pecan.request.context
        policy.authorize('fleet:alert:silence', {}, ctx)
        dbapi = pecan.request.dbapi
        alert = dbapi.get_alert(uuid)
        if alert['state'] != alert_states.SILENCED:
            raise exception.InvalidState(
                resource='Alert',
                id=uuid,
                state=alert['state'],
                reason='it is not silenced',
            )
        alert = dbapi.update_alert(
            uuid,
            {
                'state': alert_states.FIRING,
                'silenced_until': None,
                'silence_reason': None,
            },
            f'Silence ended by {ctx.user_id}.',
            kind='unsilenced',
        )
        return to_api(alert)
