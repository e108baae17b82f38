"""keystonemiddleware auth_token, except for the public version documents."""

import re

from keystonemiddleware import auth_token

# The version discovery documents are public, as in every OpenStack API,
# and so is the OpenAPI description: it holds no data of the deployment.
PUBLIC_ROUTES = re.compile(r'^/(v1/?|v1/openapi\.json)?$')
#: Authenticated by its own bearer token only, [alerts] webhook_token
#: (fleet.api.controllers.v1.webhook), never by Keystone.
WEBHOOK_ROUTE = re.compile(r'^/v1/webhooks/alertmanager/?$')
#: fleet's own metrics: a request with a bearer token is checked against
#: [metrics] scrape_token (fleet.api.controllers.metrics), never by
#: Keystone; without one, it goes through Keystone and policy.
METRICS_ROUTE = re.compile(r'^/metrics/?$')
#: Identity headers keystonemiddleware sets from a token: a client's own
#: are dropped on the routes that bypass it.
IDENTITY_HEADERS = re.compile(
    r'^HTTP_X_(IDENTITY_STATUS|SERVICE_\w+|USER\w*|PROJECT\w*|TENANT\w*|'
    r'DOMAIN\w*|ROLES?|AUTH_TOKEN|STORAGE_TOKEN|SERVICE_CATALOG|'
    r'IS_ADMIN_PROJECT|SYSTEM_SCOPE|TRUST\w*|APPLICATION_CREDENTIAL\w*|'
    r'DEFAULT_PROJECT\w*)$'
)


class AuthTokenMiddleware(auth_token.AuthProtocol):
    def __init__(self, app, conf):
        self._fleet_app = app
        super().__init__(app, conf)

    def __call__(self, env, start_response):
        path = env.get('PATH_INFO', '/') or '/'
        if PUBLIC_ROUTES.match(path):
            return self._fleet_app(env, start_response)
        if WEBHOOK_ROUTE.match(path) or (
            METRICS_ROUTE.match(path)
            and (env.get('HTTP_AUTHORIZATION') or '')[:7].lower() == 'bearer '
        ):
            # No identity header of this request comes from a token.
            for key in [k for k in env if IDENTITY_HEADERS.match(k)]:
                del env[key]
            return self._fleet_app(env, start_response)
        return super().__call__(env, start_response)
