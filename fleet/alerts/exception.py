"""Errors of alerts and runbooks (FleetExceptions, so the API answers them
with their code and message).

The ones the database raises are declared in :mod:`fleet.common.exception`
(the database layer imports nothing from :mod:`fleet.alerts`); they are
the same classes here.
"""

from http import client as http_client

from fleet.common import exception

AlertNotFound = exception.AlertNotFound
RunbookNotFound = exception.RunbookNotFound
RunbookAlreadyExists = exception.RunbookAlreadyExists


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
