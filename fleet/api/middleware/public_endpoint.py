"""Links built from ``[api] public_endpoint`` when it is set.

Behind a proxy or a load balancer the request URL is not the one clients
use; every link fleet returns (``self`` links, ``next`` pages, version
documents, ``Location``) is built from the request's application URL, so
this middleware makes that URL the configured one, once, for all of them.
"""

import urllib.parse

from oslo_config import cfg

from fleet.common import exception

CONF = cfg.CONF


class PublicEndpoint:
    """Sets the scheme, host and script name of each request from
    ``[api] public_endpoint`` (e.g. ``https://cloud.example.com/fleet``).

    :raises: ConfigInvalid if the option is not an absolute http(s) URL.
    """

    def __init__(self, app, endpoint):
        url = urllib.parse.urlsplit(endpoint)
        if url.scheme not in ('http', 'https') or not url.netloc:
            raise exception.ConfigInvalid(
                error=f'[api] public_endpoint {endpoint!r} is not an '
                'absolute http(s) URL'
            )
        if url.query or url.fragment:
            raise exception.ConfigInvalid(
                error=f'[api] public_endpoint {endpoint!r} has a query or '
                'fragment'
            )
        self.app = app
        self.scheme = url.scheme
        self.host = url.netloc
        self.script_name = url.path.rstrip('/')

    def __call__(self, environ, start_response):
        environ['wsgi.url_scheme'] = self.scheme
        environ['HTTP_HOST'] = self.host
        environ['SCRIPT_NAME'] = self.script_name
        return self.app(environ, start_response)
