"""The built-in HTTP server of fleet-api and fleet-all-in-one: cheroot.

cheroot (CherryPy's server) is a production-grade threaded WSGI server:
a fixed pool of ``[api] workers`` threads, a listen backlog of ``[api]
backlog`` connections, HTTP/1.1 keep-alive. wsgiref's server, used
before, listened with a backlog of 5 and reset connections from 20
concurrent clients.

uwsgi or gunicorn can serve ``fleet.wsgi.api:initialize_application()``
instead (see the install guide).
"""

import gc
import ipaddress
import threading

from cheroot import wsgi
from oslo_config import cfg
from oslo_log import log
from oslo_service import service

from fleet.api import app as api_app
from fleet.common import rpc

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class _AccessLog:
    """WSGI middleware: one INFO line per request, as the old server
    wrote (cheroot logs nothing on its own)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        status = []

        def _start(code, headers, exc_info=None):
            status.append(code.split(' ', 1)[0])
            return start_response(code, headers, exc_info)

        try:
            return self.app(environ, _start)
        finally:
            LOG.info(
                '%s "%s %s%s" %s',
                environ.get('REMOTE_ADDR'),
                environ.get('REQUEST_METHOD'),
                environ.get('PATH_INFO'),
                '?' + environ['QUERY_STRING']
                if environ.get('QUERY_STRING')
                else '',
                status[0] if status else '-',
            )


def warn_if_loopback():
    """Warn when a production fleet-api listens on a loopback address.

    The endpoint registered in Keystone must be reachable from the
    operators' machines and from Alertmanager; on ``[api] host_ip``
    127.0.0.1 (the default) it is reachable from this host only.

    :returns: whether it warned.
    """
    if CONF.all_in_one:
        return False
    try:
        loopback = ipaddress.ip_address(CONF.api.host_ip).is_loopback
    except ValueError:
        loopback = CONF.api.host_ip == 'localhost'
    if loopback:
        LOG.warning(
            'fleet-api listens on %s only: no other machine can reach it '
            '(the endpoint registered in Keystone, Alertmanager). Set '
            '[api] host_ip to an address of this host (0.0.0.0 for all).',
            CONF.api.host_ip,
        )
    return loopback


class APIService(service.ServiceBase):
    """Serves the API on ``[api] host_ip``:``[api] port``."""

    def __init__(self):
        super().__init__()
        self.server = None
        self._thread = None
        self._stopped = threading.Event()

    def start(self):
        rpc.init(CONF)
        self.server = wsgi.Server(
            (CONF.api.host_ip, CONF.api.port),
            _AccessLog(api_app.setup_app()),
            numthreads=CONF.api.workers,
            request_queue_size=CONF.api.backlog,
            server_name='fleet-api',
            timeout=CONF.api.client_socket_timeout,
        )
        # Bind now, so that a port in use fails start() and the port
        # chosen for port 0 is known.
        self.server.prepare()
        # What is loaded by now (modules, config, the app) lives as long
        # as the process: out of the collector's sight, a full collection
        # no longer walks it. A page of 1,000 hosts makes ~100,000
        # objects; without this, the collections they trigger made the
        # slowest 1% of requests cost 3-4 times the median in CPU.
        gc.collect()
        gc.freeze()
        self._thread = threading.Thread(
            target=self.server.serve, name='fleet-api', daemon=True
        )
        self._thread.start()
        warn_if_loopback()
        LOG.info(
            'fleet-api listening on http://%s:%s/ (%d threads)',
            CONF.api.host_ip,
            self.server_port,
            CONF.api.workers,
        )

    @property
    def server_port(self):
        return self.server.bind_addr[1]

    def stop(self, graceful=True):
        if self.server is not None:
            self.server.stop()
        self._stopped.set()

    def wait(self):
        self._stopped.wait()

    def reset(self):
        pass
