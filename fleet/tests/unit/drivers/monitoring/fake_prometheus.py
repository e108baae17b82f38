"""A Prometheus HTTP API on 127.0.0.1 for tests: a real HTTP server
(http.server, in a thread) answering ``/api/v1/query`` the way Prometheus
does, from series the test sets.

Usage::

    server = FakePrometheus()          # started; server.url
    server.set('node_cpu_seconds_total', [({'instance': 'c1:9100'}, 42.0)])
    server.fail('ipmi_temperature_celsius', 503)
    server.stop()

A query is answered with the series of the first metric name set that
occurs in it (the fake does not evaluate PromQL); one naming no metric
set gets an empty vector, as a real query of an absent metric does.
"""

from http import server as http_server
import json
import threading
import urllib.parse


class FakePrometheus:
    def __init__(self):
        self.series = {}
        self.failures = {}
        self.queries = []
        self.token = None
        handler = self._handler()
        self.httpd = http_server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}'
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, daemon=True
        )
        self.thread.start()

    def set(self, metric, series):
        """``series``: [(labels, value)] of ``metric``."""
        self.series[metric] = series

    def fail(self, metric, status):
        self.failures[metric] = status

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, form, authorization):
        if self.token and authorization != f'Bearer {self.token}':
            return 401, {'status': 'error', 'errorType': 'unauthorized'}
        query = form.get('query', [''])[0]
        at = float(form.get('time', ['0'])[0])
        self.queries.append((query, at))
        if not query:
            return 400, {
                'status': 'error',
                'errorType': 'bad_data',
                'error': 'invalid parameter "query": empty',
            }
        for metric, status in self.failures.items():
            if metric in query:
                return status, {
                    'status': 'error',
                    'errorType': 'unavailable',
                    'error': f'{metric}: storage unavailable',
                }
        result = []
        for metric, series in self.series.items():
            if metric in query:
                result = [
                    {'metric': labels, 'value': [at, repr(float(value))]}
                    for labels, value in series
                ]
                break
        return 200, {
            'status': 'success',
            'data': {'resultType': 'vector', 'result': result},
        }

    def _handler(self):
        fake = self

        class Handler(http_server.BaseHTTPRequestHandler):
            def _reply(self, form):
                status, body = fake.answer(
                    form, self.headers.get('Authorization')
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parsed = urllib.parse.urlsplit(self.path)
                if parsed.path != '/api/v1/query':
                    self.send_error(404)
                    return
                self._reply(urllib.parse.parse_qs(parsed.query))

            def do_POST(self):
                if self.path != '/api/v1/query':
                    self.send_error(404)
                    return
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length).decode()
                self._reply(urllib.parse.parse_qs(body))

            def log_message(self, *args):
                pass

        return Handler
