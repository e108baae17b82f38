"""/v1/webhooks/alertmanager: Prometheus Alertmanager's webhook receiver.

Alertmanager posts its own webhook format (``version`` "4"); every alert
of the payload is checked first, then all are recorded in one database
transaction: a bad payload gets 400 and nothing is stored.

Authentication: by the webhook's own token only, ``Authorization: Bearer
<[alerts] webhook_token>`` (Alertmanager's ``http_config: {authorization:
{credentials_file: ...}}``). The route bypasses Keystone: a Keystone
token, whoever holds it, is not the webhook's token. A missing or wrong
token gets 401; with no token configured the webhook is off (403), since
alerts feed automatic runbooks that act on hypervisors.

Alertmanager cannot send ``OpenStack-API-Version``: this route exists at
every microversion.

Which label names the host: the first of ``HOST_LABELS`` present;
``instance`` loses its ``:port``.
"""

import hmac

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils
import pecan
from pecan import rest

from fleet.alerts import exception as alert_exc
from fleet.alerts import intake
from fleet.api.controllers.v1 import alert as alert_api
from fleet.api.controllers.v1 import utils
from fleet.api.schemas import alert as schema
from fleet.common import context as fleet_context
from fleet.common import exception

CONF = cfg.CONF
LOG = log.getLogger(__name__)

ROUTE = '/v1/webhooks/alertmanager'
HOST_LABELS = ('host', 'hostname', 'nodename', 'node', 'instance')
SEVERITIES = {
    'critical': 'critical',
    'page': 'critical',
    'error': 'critical',
    'warning': 'warning',
    'warn': 'warning',
    'info': 'info',
    'none': 'info',
}


def _host_of(labels):
    for key in HOST_LABELS:
        value = labels.get(key)
        if value:
            if key == 'instance' and ':' in value and ']' not in value:
                value = value.rsplit(':', 1)[0]
            return value
    return None


def _parse_time(value, where):
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(value))
    except ValueError as e:
        raise exception.Invalid(
            reason=f'Field "{where}": not an RFC 3339 time: {value!r}'
        ) from e


def signals_of(payload):
    """Alertmanager alerts -> fleet signals; raises Invalid on the first
    bad one, before anything is stored."""
    utils.validate_body(schema.ALERTMANAGER, payload)
    alerts = payload['alerts']
    if len(alerts) > CONF.alerts.max_webhook_alerts:
        raise exception.Invalid(
            reason=f'{len(alerts)} alerts in one payload; at most '
            f'{CONF.alerts.max_webhook_alerts} ([alerts] '
            f'max_webhook_alerts).'
        )
    signals = []
    for i, alert in enumerate(alerts):
        labels = alert['labels']
        starts = _parse_time(alert['startsAt'], f'alerts/{i}/startsAt')
        severity = labels.get('severity', 'warning').lower()
        fingerprint = alert.get('fingerprint')
        signals.append(
            {
                'source': 'alertmanager',
                'name': labels['alertname'],
                'severity': SEVERITIES.get(severity, severity)[:32],
                'host': _host_of(labels),
                'labels': labels,
                'annotations': alert.get('annotations') or {},
                'status': alert['status'],
                'fingerprint': fingerprint,
                # Alertmanager re-sends a firing alert with the same
                # startsAt: one occurrence. A new startsAt is a new one.
                'occurrence_key': f'{fingerprint or ""}@{alert["startsAt"]}',
                'at': (
                    starts
                    if alert['status'] == 'firing'
                    else _parse_time(
                        alert.get('endsAt') or alert['startsAt'],
                        f'alerts/{i}/endsAt',
                    )
                ),
            }
        )
    return signals


def _authenticate():
    """The context the webhook acts with.

    :raises: WebhookUnauthorized, WebhookDisabled
    """
    token = CONF.alerts.webhook_token
    if not token:
        raise alert_exc.WebhookDisabled()
    header = pecan.request.headers.get('Authorization', '')
    scheme, _, given = header.partition(' ')
    if scheme.lower() != 'bearer' or not given:
        pecan.response.headers['WWW-Authenticate'] = 'Bearer'
        raise alert_exc.WebhookUnauthorized(
            reason='The Alertmanager webhook needs "Authorization: Bearer '
            '<[alerts] webhook_token>".'
        )
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise alert_exc.WebhookUnauthorized(
            reason='The Alertmanager webhook token is wrong.'
        )
    # Identity headers of this request were not set by keystonemiddleware
    # (the route bypasses it): the context carries none of them.
    return fleet_context.RequestContext(
        user_id='alertmanager-webhook',
        request_id=pecan.request.context.request_id,
    )


class AlertmanagerController(rest.RestController):
    @pecan.expose('json')
    def post(self):
        ctx = _authenticate()
        payload = utils.request_json()
        signals = signals_of(payload)
        results = intake.process(signals, ctx, pecan.request.rpcapi)
        LOG.info(
            'Alertmanager webhook: %d alert(s) (receiver %s).',
            len(signals),
            payload.get('receiver'),
        )
        return {'results': [alert_api.result_to_api(r) for r in results]}


class WebhooksController(rest.RestController):
    alertmanager = AlertmanagerController()
