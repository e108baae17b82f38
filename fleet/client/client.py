"""The HTTP side of fleet's client library.

:class:`Client` talks to the fleet API through a keystoneauth session, so
it works wherever other OpenStack clients do: openstackclient, Horizon,
a script with a password or an application credential, or an all-in-one
without authentication::

    from keystoneauth1 import session
    from fleet.client import Client

    client = Client(session.Session(auth=auth))           # from the catalog
    client = Client(endpoint='http://127.0.0.1:9880')     # noauth all-in-one
    for host in client.hosts.list(state='active'):
        print(host['name'])

Microversions: ``api_version='latest'`` (the default) asks for the highest
version this library knows and, if the server is older, settles on the
server's maximum; ``api_version='1.N'`` asks for exactly that version. A
call that needs a newer version than was negotiated fails with a
:class:`~fleet.client.exceptions.FleetClientError` saying so.
"""

import re

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import noauth
from keystoneauth1 import session as ksa_session

from fleet.client import actions
from fleet.client import alerts
from fleet.client import audits
from fleet.client import exceptions
from fleet.client import executions
from fleet.client import hosts
from fleet.client import places
from fleet.client import plans
from fleet.client import runbooks

SERVICE_TYPE = 'fleet'
HEADER = 'OpenStack-API-Version'
MAX_HEADER = 'OpenStack-API-Maximum-Version'
MIN_HEADER = 'OpenStack-API-Minimum-Version'

#: The oldest and newest API versions this library speaks.
MIN_VERSION = (1, 0)
MAX_VERSION = (1, 10)
LATEST = 'latest'

_VERSION_RE = re.compile(r'^\s*(\d+)\.(\d+)\s*$')


def parse_version(text):
    """``'1.2'`` -> ``(1, 2)``.

    :raises: FleetClientError if ``text`` is not of the form ``X.Y``.
    """
    match = _VERSION_RE.match(text or '')
    if not match:
        raise exceptions.FleetClientError(
            f'Invalid fleet API version {text!r}: expected "1.N" or '
            f'"{LATEST}".'
        )
    return int(match.group(1)), int(match.group(2))


def format_version(version):
    return '%d.%d' % version


def _strip_version(url):
    # The catalog may list the service with or without its /v1 suffix; the
    # library adds it itself.
    url = url.rstrip('/')
    if url.endswith('/v1'):
        url = url[: -len('/v1')]
    return url


class Client:
    """A fleet API client.

    :param session: a keystoneauth1 session; when None, an unauthenticated
        one is made, which only an all-in-one (noauth) accepts.
    :param endpoint: the API URL, overriding the service catalog; required
        without a session.
    :param api_version: ``'latest'`` or ``'1.N'``.
    :param interface: catalog interface (public, internal, admin).
    :param region_name: catalog region.
    :param timeout: seconds to wait for each response.
    """

    def __init__(
        self,
        session=None,
        endpoint=None,
        api_version=LATEST,
        interface=None,
        region_name=None,
        timeout=None,
        **adapter_kwargs,
    ):
        if session is None:
            if not endpoint:
                raise exceptions.FleetClientError(
                    'A fleet client needs a keystoneauth session or an '
                    'endpoint.'
                )
            session = ksa_session.Session(
                auth=noauth.NoAuth(endpoint=endpoint)
            )
        if api_version in (None, '', LATEST, '1'):
            self._negotiate = True
            self._version = MAX_VERSION
        else:
            self._negotiate = False
            self._version = parse_version(api_version)
        self._endpoint_override = (
            _strip_version(endpoint) if endpoint else None
        )
        self._endpoint = None
        self._timeout = timeout
        self._adapter = adapter.Adapter(
            session,
            service_type=SERVICE_TYPE,
            interface=interface,
            region_name=region_name,
            client_name='fleet-client',
            **adapter_kwargs,
        )
        #: The version the server last answered with.
        self.negotiated_version = None
        self.hosts = hosts.HostManager(self)
        self.executions = executions.ExecutionManager(self)
        self.places = places.PlaceManager(self)
        self.capacity = places.CapacityManager(self)
        self.alerts = alerts.AlertManager(self)
        self.runbooks = runbooks.RunbookManager(self)
        self.audit_profiles = audits.AuditProfileManager(self)
        self.audits = audits.AuditManager(self)
        self.findings = audits.FindingManager(self)
        self.host_facts = audits.HostFactsManager(self)
        self.plans = plans.PlanManager(self)
        self.actions = actions.ActionManager(self)

    @property
    def api_version(self):
        """The version sent in requests, as ``'1.N'``."""
        return format_version(self._version)

    @property
    def endpoint(self):
        """The API root URL (without ``/v1``).

        :raises: FleetClientError if the catalog has no fleet endpoint.
        """
        if self._endpoint is None:
            url = self._endpoint_override
            if not url:
                try:
                    url = self._adapter.get_endpoint()
                except ksa_exc.EndpointNotFound:
                    url = None
                except ksa_exc.ClientException as e:
                    # Authentication failures, an unreachable Keystone.
                    raise exceptions.FleetClientError(str(e)) from e
            if not url:
                raise exceptions.FleetClientError(
                    'The service catalog has no "fleet" endpoint (interface '
                    f'{self._adapter.interface or "public"}, region '
                    f'{self._adapter.region_name or "any"}); register one or '
                    'give the URL (--os-endpoint with --os-auth-type none, '
                    'or fleet_endpoint_override in clouds.yaml).'
                )
            self._endpoint = _strip_version(url)
        return self._endpoint

    def _check_version(self, min_version, what):
        if min_version is None or self._version >= min_version:
            return
        if self._negotiate:
            raise exceptions.FleetClientError(
                f'{what} needs fleet API version '
                f'{format_version(min_version)}, but the server at '
                f'{self.endpoint} supports at most {self.api_version}.'
            )
        raise exceptions.FleetClientError(
            f'{what} needs fleet API version {format_version(min_version)} '
            f'or later; {self.api_version} was requested '
            f'(--os-fleet-api-version / OS_FLEET_API_VERSION).'
        )

    def _send(self, method, path, **kwargs):
        headers = dict(kwargs.pop('headers', None) or {})
        headers[HEADER] = f'{SERVICE_TYPE} {self.api_version}'
        if method != 'DELETE':
            # A DELETE answers 204 without a body; pecan refuses
            # "Accept: application/json" on a handler not exposed as JSON.
            headers.setdefault('Accept', 'application/json')
        if self._timeout is not None:
            kwargs.setdefault('timeout', self._timeout)
        try:
            return self._adapter.request(
                self.endpoint + path,
                method,
                headers=headers,
                raise_exc=False,
                **kwargs,
            )
        except ksa_exc.ConnectFailure as e:
            raise exceptions.FleetClientError(
                f'Cannot reach the fleet API at {self.endpoint}: {e}'
            ) from e
        except ksa_exc.ClientException as e:
            raise exceptions.FleetClientError(str(e)) from e

    def request(self, method, path, min_version=None, what=None, **kwargs):
        """Send one request and return its ``requests.Response``.

        :param method: HTTP method.
        :param path: path below the API root, e.g. ``/v1/hosts``.
        :param min_version: (major, minor) the call needs, if any.
        :param what: what the call is about, for error messages.
        :param kwargs: ``json``, ``params``, ``headers`` for keystoneauth.
        :raises: FleetClientError on any error response or failure.
        """
        what = what or f'{method} {path}'
        self._check_version(min_version, what)
        response = self._send(method, path, **kwargs)
        if (
            response.status_code == 406
            and self._negotiate
            and response.headers.get(MAX_HEADER)
        ):
            server_max = parse_version(response.headers[MAX_HEADER])
            if server_max < self._version:
                # An older server: settle on its newest version, once.
                self._version = max(server_max, MIN_VERSION)
                self._check_version(min_version, what)
                response = self._send(method, path, **kwargs)
        if response.status_code >= 400:
            raise exceptions.from_response(response)
        answered = response.headers.get(HEADER)
        if answered:
            words = answered.split()
            if len(words) == 2 and words[0] == SERVICE_TYPE:
                self.negotiated_version = words[1]
        return response

    def get_json(self, path, **kwargs):
        return self.request('GET', path, **kwargs).json()

    def list(self, path, key, params=None, limit=None, **kwargs):
        """Every item of a paginated collection, following the pages.

        :param path: collection path, e.g. ``/v1/hosts``.
        :param key: the collection's key in the response body.
        :param params: query parameters (filters, sort, marker).
        :param limit: the most items to return; None for all.
        :returns: list of dicts.
        """
        params = {k: v for k, v in (params or {}).items() if v is not None}
        items = []
        while True:
            if limit is not None:
                params['limit'] = limit - len(items)
            body = self.get_json(path, params=dict(params), **kwargs)
            page = body.get(key, [])
            items.extend(page)
            if limit is not None and len(items) >= limit:
                return items[:limit]
            if not body.get('next') or not page:
                return items
            params['marker'] = page[-1]['uuid']
