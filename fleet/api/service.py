"""The built-in HTTP server of fleet-api and fleet-all-in-one.

Production deployments serve ``fleet.wsgi.api:application`` with uwsgi or
gunicorn instead; this server is threaded and good for a single node.
"""

import socketserver
import threading
from wsgiref import simple_server

from oslo_config import cfg
from oslo_log import log
from oslo_service import service

from fleet.api import app as api_app
from fleet.common import rpc

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(simple_server.WSGIRequestHandler):
    def log_message(self, fmt, *args):
        LOG.info(
            '%s "%s" %s',
            self.client_address[0],
            self.requestline,
            args[1] if len(args) > 1 else '',
        )


class APIService(service.ServiceBase):
    """Serves the API on ``[api] host_ip``:``[api] port``."""

    def __init__(self):
        super().__init__()
        self.server = None
        self._thread = None
        self._stopped = threading.Event()

    def start(self):
        rpc.init(CONF)
        self.server = simple_server.make_server(
            CONF.api.host_ip,
            CONF.api.port,
            api_app.setup_app(),
            server_class=_Server,
            handler_class=_Handler,
        )
        self._thread = threading.Thread(
            target=self.server.serve_forever, name='fleet-api', daemon=True
        )
        self._thread.start()
        LOG.info(
            'fleet-api listening on http://%s:%s/',
            CONF.api.host_ip,
            self.server.server_port,
        )

    def stop(self, graceful=True):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        self._stopped.set()

    def wait(self):
        self._stopped.wait()

    def reset(self):
        pass
