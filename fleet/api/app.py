"""The fleet-api WSGI application.

Usage::

    app = fleet.api.app.setup_app()   # after config is parsed
"""

from oslo_config import cfg
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
from oslo_middleware import sizelimit
import pecan

from fleet.api import hooks
from fleet.api.middleware import audit
from fleet.api.middleware import auth_token
from fleet.api.middleware import faults
from fleet.api.middleware import public_endpoint
from fleet.common import exception

CONF = cfg.CONF


def setup_app():
    """Build the WSGI pipeline, outermost first: proxy headers, request
    id, JSON faults, body size limit (``[oslo_middleware]
    max_request_body_size``), keystone auth (unless noauth), pecan."""
    app = pecan.make_app(
        'fleet.api.controllers.root.RootController',
        hooks=[
            hooks.HygieneHook(),
            hooks.ContextHook(),
            hooks.ResourcesHook(),
            hooks.MicroversionHook(),
            hooks.FaultHook(),
        ],
        request_cls=hooks.Request,
        force_canonical=False,
        guess_content_type_from_ext=False,
        debug=False,
    )
    if CONF.audit.enabled:
        # Inside auth_token: the initiator is the token's user.
        app = audit.AuditMiddleware(app)
    if CONF.api.auth_strategy == 'keystone':
        app = auth_token.AuthTokenMiddleware(app, {'oslo_config_config': CONF})
    elif CONF.api.auth_strategy != 'noauth':
        raise exception.ConfigInvalid(
            error=f'unknown [api] auth_strategy {CONF.api.auth_strategy}'
        )
    # Inside FaultWrapper: its 413 becomes a JSON fault too.
    app = sizelimit.RequestBodySizeLimiter(app, conf=CONF)
    app = faults.FaultWrapper(app)
    app = request_id.RequestId(app)
    if CONF.api.public_endpoint:
        # Inside the proxy headers: the configured URL wins.
        app = public_endpoint.PublicEndpoint(app, CONF.api.public_endpoint)
    app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf=CONF)
    return app
