"""/metrics: fleet's own metrics in Prometheus text format.

Outside /v1 and its microversions, as every Prometheus exporter's. Two
ways in:

* ``Authorization: Bearer <[metrics] scrape_token>`` (Prometheus's
  ``authorization.credentials``): Keystone is skipped for such a request
  (fleet.api.middleware.auth_token) and the token is checked here; a
  wrong one, or one sent while no scrape_token is set, gets 401;
* a Keystone token whose roles pass ``fleet:metrics:get`` (admin,
  fleet_observer by default).
"""

import hmac
from http import client as http_client

from oslo_config import cfg
import pecan
from pecan import rest

from fleet.api import metrics
from fleet.common import exception
from fleet.common import policy

CONF = cfg.CONF


class ScrapeUnauthorized(exception.FleetException):
    _msg_fmt = (
        'The bearer token of GET /metrics is not [metrics] '
        'scrape_token%(why)s.'
    )
    code = http_client.UNAUTHORIZED
    safe = True


def bearer(request):
    """The bearer token of ``request``, or None."""
    scheme, _sep, value = (
        request.headers.get('Authorization') or ''
    ).partition(' ')
    if scheme.lower() != 'bearer':
        return None
    return value.strip()


class MetricsController(rest.RestController):
    @pecan.expose(content_type='text/plain')
    def get_all(self, **params):
        request = pecan.request
        given = bearer(request)
        if given is not None:
            token = CONF.metrics.scrape_token
            if not token:
                raise ScrapeUnauthorized(why=' (none is set)')
            if not hmac.compare_digest(given.encode(), token.encode()):
                raise ScrapeUnauthorized(why='')
        else:
            policy.authorize('fleet:metrics:get', {}, request.context)
        if not CONF.metrics.enabled:
            raise exception.NotFound(
                'fleet metrics are off ([metrics] enabled = false).'
            )
        if params:
            raise exception.InvalidParameterValue(
                err='/metrics takes no query parameter, got '
                f'{", ".join(sorted(params))}.'
            )
        body, content_type = metrics.render()
        response = pecan.response
        response.body = body
        response.headers['Content-Type'] = content_type
        return response
