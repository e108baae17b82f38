"""A real fleet API on a local port, for client and CLI tests.

The very WSGI pipeline fleet-api runs (``fleet.api.app.setup_app()``, noauth)
is served by wsgiref on ``127.0.0.1:<free port>`` in a thread, over the
test's in-memory SQLite database, so the client under test speaks real
HTTP through a real keystoneauth session::

    class TestIt(base.DbTestCase):
        def setUp(self):
            super().setUp()
            self.api = self.useFixture(fixtures.APIServer())
            client = Client(endpoint=self.api.url)
"""

import threading
from wsgiref import simple_server

import fixtures

from fleet.api import app
from fleet.tests import base


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - wsgiref's name
        pass


class _ThreadingServer(simple_server.WSGIServer):
    daemon_threads = True


class APIServer(fixtures.Fixture):
    """Serve fleet's API until the test ends; ``url`` is its root."""

    def _setUp(self):
        self.useFixture(base.RPCFixture())
        self.server = simple_server.make_server(
            '127.0.0.1',
            0,
            app.setup_app(),
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        self.url = f'http://127.0.0.1:{self.server.server_port}'
        thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={'poll_interval': 0.05},
            daemon=True,
        )
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
