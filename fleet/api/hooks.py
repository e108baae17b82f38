"""pecan hooks: context, microversion, and JSON faults."""

from http import client as http_client

from oslo_config import cfg
from oslo_log import log
import pecan
from pecan import hooks
import webob.exc

from fleet.api import hygiene
from fleet.api import microversion
from fleet.api.controllers.v1 import versions
from fleet.common import context
from fleet.common import exception
from fleet.common import executions
from fleet.conductor import rpcapi
from fleet.db import api as db_api

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class ContextHook(hooks.PecanHook):
    """Builds the RequestContext from keystonemiddleware's headers."""

    def before(self, state):
        environ = state.request.environ
        if CONF.api.auth_strategy == 'noauth':
            ctx = context.RequestContext.from_environ(
                environ,
                is_admin=True,
                roles=['admin', 'member', 'reader'],
                user_id='noauth',
                project_id='noauth',
            )
        else:
            ctx = context.RequestContext.from_environ(environ)
        state.request.context = ctx


#: Content types of request bodies: JSON, and YAML for runbooks.
BODY_TYPES = (
    'application/json',
    'application/yaml',
    'application/x-yaml',
    'text/yaml',
)


#: Methods whose body pecan parses (as a form, unless it is JSON).
BODY_METHODS = ('POST', 'PUT', 'PATCH', 'DELETE')


class UnsupportedMediaType(exception.FleetException):
    _msg_fmt = (
        'Content-Type %(type)s is not accepted: send JSON '
        '(application/json; runbooks also take application/yaml).'
    )
    code = 415
    safe = True

    def __init__(self, content_type):
        super().__init__(type=content_type)


def _check_method(request):
    """405, with Allow, for a method the described path does not have
    (before a 415 about its body). Paths the OpenAPI description does not
    know are left to pecan."""
    from fleet.api import openapi  # noqa: it imports the controllers

    allow = openapi.allowed_methods(request.path_info)
    if allow is None:
        return
    methods = allow.split(', ')
    if 'GET' in methods:
        methods.append('HEAD')
    if request.method not in methods:
        raise webob.exc.HTTPMethodNotAllowed(headers={'Allow': allow})


class HygieneHook(hooks.PecanHook):
    """Rejects malformed URLs and query strings before routing.

    An empty path segment (``/v1/hosts//``, what ``/v1/hosts/%2F``
    decodes to) would reach a controller without its identifier; a query
    parameter given twice would reach it as a list.
    """

    def on_route(self, state):
        request = state.request
        path = request.path_info
        if hygiene.CONTROL_CHARS.search(path):
            raise exception.InvalidParameterValue(
                err='The URL path holds a control character.'
            )
        inner = path[1:-1] if path.endswith('/') else path[1:]
        if inner and '' in inner.split('/'):
            raise exception.NotFound(
                f'No resource at {path!r}: a path segment is empty (a '
                f'"/" inside an identifier must not be sent, even '
                f'encoded as %2F).'
            )
        try:
            params = request.GET
        except UnicodeDecodeError:
            raise exception.InvalidParameterValue(
                err='The query string is not UTF-8.'
            ) from None
        hygiene.check_query(params)
        _check_method(request)
        if request.method in BODY_METHODS and request.content_type:
            if not request.body:
                # An empty body has no type: clients (keystoneauth) send
                # text/plain with a bodiless action; and pecan must not
                # parse "nothing" as a multipart form.
                request.environ.pop('CONTENT_TYPE', None)
            elif request.content_type not in BODY_TYPES:
                raise UnsupportedMediaType(request.content_type)


class ResourcesHook(hooks.PecanHook):
    """Puts the database API and conductor client on the request."""

    def __init__(self):
        self._rpcapi = None

    def before(self, state):
        state.request.dbapi = db_api.get_instance()
        if self._rpcapi is None:
            self._rpcapi = rpcapi.ConductorAPI()
            if executions.get_start_hook() is None:
                # A run admitted when one ends by an API request (a
                # cancel, a reject) is cast to a conductor at once.
                executions.set_start_hook(self._cast_admitted)
        state.request.rpcapi = self._rpcapi

    def _cast_admitted(self, uuid):
        self._rpcapi.start_execution(context.get_admin_context(), uuid)
        return True


class MicroversionHook(hooks.PecanHook):
    """Negotiates ``OpenStack-API-Version`` and reports it back."""

    def on_route(self, state):
        request = state.request
        request.version = None
        if not request.path.startswith('/v1'):
            return
        request.version = microversion.parse_header(
            request.headers.get(versions.HEADER)
        )

    def after(self, state):
        version = getattr(state.request, 'version', None)
        if version is None:
            return
        headers = state.response.headers
        headers[versions.HEADER] = f'{versions.SERVICE_TYPE} {version}'
        headers['OpenStack-API-Minimum-Version'] = versions.MIN_VERSION_STRING
        headers['OpenStack-API-Maximum-Version'] = versions.MAX_VERSION_STRING
        headers.add('Vary', versions.HEADER)


def fault_body(status, detail, request_id=None):
    """An error document as the OpenStack API-SIG guideline has it."""
    return {
        'errors': [
            {
                'request_id': request_id,
                'status': status,
                'title': http_client.responses.get(status, 'Error'),
                'detail': detail,
            }
        ]
    }


class FaultHook(hooks.PecanHook):
    """Turns every exception into an OpenStack-style JSON fault.

    A FleetException carries its status code and a message meant for the
    user; anything else is a bug: it is logged with its traceback and the
    user gets a 500 that names the request id to look for in the logs.
    """

    def on_error(self, state, exc):
        request_id = state.request.environ.get('openstack.request_id')
        if isinstance(exc, exception.FleetException) and exc.safe:
            status, detail = exc.code, exc.message
        elif isinstance(exc, webob.exc.HTTPException):
            status = exc.code
            detail = exc.detail or exc.explanation
        else:
            LOG.exception(
                'Unexpected error in %s %s',
                state.request.method,
                state.request.path,
            )
            status = 500
            detail = (
                f'An unexpected error occurred; the server log has '
                f'the details under request id {request_id}.'
            )
        response = webob.Response(
            status=status, content_type='application/json', charset='utf-8'
        )
        response.json_body = fault_body(status, detail, request_id)
        if isinstance(exc, webob.exc.HTTPException) and exc.allow:
            # A 405 must say which methods the resource has (RFC 9110).
            response.allow = exc.allow
        if status == 406:
            response.headers['OpenStack-API-Minimum-Version'] = (
                versions.MIN_VERSION_STRING
            )
            response.headers['OpenStack-API-Maximum-Version'] = (
                versions.MAX_VERSION_STRING
            )
        return response


_UNPARSED = object()


class Request(pecan.Request):
    """pecan's request, whose JSON body is parsed strictly, once.

    pecan reads ``request.json`` while routing (to pass a JSON object's
    keys as arguments), before any hook or controller could check it: a
    body nested 100,000 deep would end there in a RecursionError, and
    NaN would pass. Here every reader gets :func:`hygiene.loads`' result
    or its 400.
    """

    def _strict_json(self):
        if not self.body:
            # ValueError, as webob: pecan then routes without body
            # arguments; request_json() says what is missing.
            raise ValueError('the request has no body')
        doc = self.environ.get('fleet.json_body', _UNPARSED)
        if doc is _UNPARSED:
            doc = hygiene.loads(self.body)
            self.environ['fleet.json_body'] = doc
        return doc

    json = json_body = property(_strict_json)
