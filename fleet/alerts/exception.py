"""Errors of alerts and runbooks (FleetExceptions, so the API answers them
with their code and message)."""

from http import client as http_client

from fleet.common import exception


class AlertNotFound(exception.NotFound):
    _msg_fmt = 'Alert %(alert)s could not be found.'


class RunbookNotFound(exception.NotFound):
    _msg_fmt = 'Runbook %(runbook)s could not be found.'


class RunbookAlreadyExists(exception.Conflict):
    _msg_fmt = 'A runbook named %(name)s already exists.'


class WebhookUnauthorized(exception.FleetException):
    _msg_fmt = '%(reason)s'
    code = http_client.UNAUTHORIZED
    safe = True


class WebhookDisabled(exception.FleetException):
    _msg_fmt = (
        'The Alertmanager webhook is off: it takes only its own bearer '
        'token, and [alerts] webhook_token is not set. Set it in '
        'fleet.conf and give Alertmanager the same token '
        '(http_config.authorization), or post alerts to /v1/alerts as an '
        'admin.'
    )
    code = http_client.FORBIDDEN
    safe = True
