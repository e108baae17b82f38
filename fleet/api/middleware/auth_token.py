"""keystonemiddleware auth_token, except for the public version documents."""

import re

from keystonemiddleware import auth_token

# The version discovery documents are public, as in every OpenStack API.
PUBLIC_ROUTES = re.compile(r'^/(v1/?)?$')


class AuthTokenMiddleware(auth_token.AuthProtocol):
    def __init__(self, app, conf):
        self._fleet_app = app
        super().__init__(app, conf)

    def __call__(self, env, start_response):
        path = env.get('PATH_INFO', '/') or '/'
        if PUBLIC_ROUTES.match(path):
            return self._fleet_app(env, start_response)
        return super().__call__(env, start_response)
