"""Makes every error response an OpenStack API-SIG JSON fault.

pecan's own errors pass through FaultHook; this catches what happens
outside pecan (keystonemiddleware's 401, a crash in another middleware)
so that no client ever sees an HTML page or a traceback.
"""

import json

from oslo_log import log
import webob

from fleet.api import hooks

LOG = log.getLogger(__name__)


def _is_fault(body):
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return isinstance(doc, dict) and isinstance(doc.get('errors'), list)


def _detail_of(body):
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if isinstance(doc, dict) and isinstance(doc.get('error'), dict):
        return doc['error'].get('message')
    return None


class FaultWrapper:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        request = webob.Request(environ)
        try:
            response = request.get_response(self.app)
        except Exception:
            LOG.exception(
                'Unexpected error in %s %s', request.method, request.path
            )
            response = self._fault(
                environ,
                500,
                'An unexpected error occurred; the server log has the '
                'details under request id %s.'
                % environ.get('openstack.request_id'),
            )
            return response(environ, start_response)
        if response.status_int >= 400 and not _is_fault(response.body):
            detail = _detail_of(response.body) or response.status
            if response.status_int == 413:
                detail = (
                    'The request body is larger than this API accepts '
                    '([oslo_middleware] max_request_body_size).'
                )
            fault = self._fault(environ, response.status_int, detail)
            for name in (
                'WWW-Authenticate',
                'Allow',
                'x-openstack-request-id',
            ):
                if name in response.headers:
                    fault.headers[name] = response.headers[name]
            response = fault
        if response.status_int in (204, 304) and response.body:
            # RFC 9110: no content. Bytes sent anyway would be read as the
            # start of the next response on a keep-alive connection.
            LOG.error(
                '%s %s answered %s with a body; dropped.',
                request.method,
                request.path,
                response.status_int,
            )
            response.body = b''
        if response.status_int == 405 and 'Allow' not in response.headers:
            # RFC 9110: a 405 says which methods the resource has; pecan's
            # own 405s do not, the OpenAPI table knows them.
            from fleet.api import openapi  # noqa: imports the controllers

            allow = openapi.allowed_methods(request.path_info)
            if allow:
                response.headers['Allow'] = allow
        return response(environ, start_response)

    @staticmethod
    def _fault(environ, status, detail):
        response = webob.Response(
            status=status, content_type='application/json', charset='utf-8'
        )
        response.json_body = hooks.fault_body(
            status, detail, environ.get('openstack.request_id')
        )
        return response
