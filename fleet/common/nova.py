"""The adapter to Nova and Placement: fleet's only importer of novaclient.

Every call goes through :meth:`NovaAdapter._call`, which retries transient
failures with a bounded exponential backoff and turns novaclient's and
keystoneauth's exceptions into fleet's (:class:`ComputeError` and its
subclasses, :class:`InstanceNotFound`, :class:`HostNotFound`, ...), so no
caller ever sees a client library's own exception. Methods return plain
dicts as Nova sends them; :mod:`fleet.drivers.compute.nova` shapes them
for flows.

The client is configured by the ``[nova]`` option group (keystoneauth's
auth, session and adapter options plus ``api_version`` and the retry
policy, see :mod:`fleet.conf.nova`).

Usage::

    from fleet.common import nova

    adapter = nova.get_adapter()
    for service in adapter.list_services(binary='nova-compute'):
        print(service['host'], service['status'])
    adapter.live_migrate(server_uuid)
"""

from collections.abc import Callable
import datetime
import random
import threading
import time
from typing import Any
from typing import TypeVar
from urllib import parse

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
import novaclient
from novaclient import api_versions
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
from oslo_config import cfg
from oslo_log import log

from fleet.common import exception
from fleet.conf import nova as nova_conf

LOG = log.getLogger(__name__)
CONF = cfg.CONF

T = TypeVar('T')

#: Placement microversion: resource provider lookup by name, inventories
#: and usages all exist in 1.0; nothing newer is needed.
PLACEMENT_API_VERSION = '1.0'
#: Allocation candidates with root providers (1.29) and full provider
#: summaries (1.27).
ALLOCATION_CANDIDATES_VERSION = '1.29'
#: Placement microversion of reads scoped by aggregate: ``member_of``
#: repeated (1.24, every one must match) and forbidden (``!in:``, 1.32).
MEMBER_OF_VERSION = '1.32'

# Status codes worth a retry: a proxy or the service itself saying "not
# now". 500 is not one: Nova answers it for bugs, and a retry repeats them.
_RETRY_STATUS = frozenset({502, 503, 504})
# For calls that are not idempotent (start a migration), only failures
# where Nova surely did not act: the connection was refused, or Nova (or
# the proxy in front of it) turned the request away before handling it.
_SAFE_RETRY_STATUS = frozenset({503})


def _status_of(error: Exception) -> int | None:
    """HTTP status of a novaclient or keystoneauth error, if it has one."""
    if isinstance(error, nova_exc.ClientException):
        return error.code
    if isinstance(error, ks_exc.HttpError):
        return error.http_status
    return None


def _request_id(error: Exception) -> str | None:
    return getattr(error, 'request_id', None)


def _is_retriable(error: Exception, idempotent: bool) -> bool:
    """Whether ``error`` is transient and the call may safely be retried.

    :param error: what the call raised.
    :param idempotent: whether repeating the call is harmless even if the
        first attempt was acted on.
    """
    status = _status_of(error)
    if status is not None:
        return status in (_RETRY_STATUS if idempotent else _SAFE_RETRY_STATUS)
    if isinstance(error, ks_exc.ConnectFailure):
        # keystoneauth raises ConnectFailure both for a refused connection
        # and for one reset after the request went out; only the first is
        # certainly not acted on.
        return idempotent or 'refused' in str(error).lower()
    # ConnectTimeout also covers read timeouts: the request may be running.
    return idempotent and isinstance(error, ks_exc.RetriableConnectionFailure)


def _translate(
    error: Exception,
    action: str,
    not_found: Callable[[], exception.FleetException] | None = None,
) -> exception.FleetException:
    """Turn a client library error into a fleet exception.

    :param error: the novaclient or keystoneauth exception.
    :param action: what was being done, for the message (``'live-migrate
        instance 1234'``).
    :param not_found: builds the exception for an HTTP 404 (e.g.
        InstanceNotFound); without it a 404 is a ComputeError.
    :returns: the fleet exception to raise (``from error``).
    """
    status = _status_of(error)
    request_id = _request_id(error)
    detail = getattr(error, 'message', None) or str(error)
    where = f'{action}: {detail}'
    if status is not None:
        where = f'{action}: HTTP {status}: {detail}'
    if request_id:
        where += f' (request {request_id})'

    if status == 404 and not_found is not None:
        return not_found()
    if status == 409:
        return exception.ComputeConflict(reason=where)
    if status in (401, 403):
        return exception.ComputeError(
            reason=where + '; check the [nova] credentials: the fleet user '
            'needs the admin role'
        )
    if status is not None and status >= 500:
        return exception.ComputeUnavailable(reason=where)
    if isinstance(error, ks_exc.EndpointNotFound | ks_exc.CatalogException):
        return exception.ConfigInvalid(
            error=f'{action}: {detail}; check [nova] region_name, '
            'valid_interfaces and service_type against the catalog'
        )
    if isinstance(
        error, ks_exc.MissingRequiredOptions | ks_exc.NoMatchingPlugin
    ):
        return exception.ConfigInvalid(error=f'[nova] auth: {detail}')
    if isinstance(error, ks_exc.ConnectionError):
        return exception.ComputeUnavailable(reason=where)
    return exception.ComputeError(reason=where)


def parse_api_version(value: str) -> api_versions.APIVersion:
    """Check a configured compute microversion.

    :param value: e.g. ``'2.88'``.
    :returns: the version.
    :raises: ConfigInvalid if it is malformed, older than
        :data:`fleet.conf.nova.MIN_API_VERSION` or newer than the installed
        novaclient supports.
    """
    try:
        version = api_versions.APIVersion(value)
    except nova_exc.UnsupportedVersion as e:
        raise exception.ConfigInvalid(
            error=f'[nova] api_version {value!r}: {e}'
        ) from e
    minimum = api_versions.APIVersion(nova_conf.MIN_API_VERSION)
    maximum = novaclient.API_MAX_VERSION
    if not minimum <= version <= maximum:
        raise exception.ConfigInvalid(
            error=f'[nova] api_version {value} is outside what fleet and '
            f'python-novaclient support ({minimum.get_string()} to '
            f'{maximum.get_string()})'
        )
    return version


def load_session(conf: cfg.ConfigOpts = CONF) -> ks_session.Session:
    """A keystoneauth session from the ``[nova]`` auth and session options.

    :raises: ConfigInvalid if no auth plugin is configured or it lacks an
        option.
    """
    group = nova_conf.GROUP
    try:
        auth = ks_loading.load_auth_from_conf_options(conf, group)
    except (ks_exc.MissingRequiredOptions, ks_exc.NoMatchingPlugin) as e:
        raise exception.ConfigInvalid(error=f'[{group}] auth: {e}') from e
    if auth is None:
        raise exception.ConfigInvalid(
            error=f'[{group}] auth_type is not set: fleet cannot '
            'authenticate to Nova'
        )
    return ks_loading.load_session_from_conf_options(conf, group, auth=auth)


def _unique(servers) -> list[dict]:
    """Servers without repeats: novaclient's paging (``limit=-1``) follows
    markers over a sort whose ties (servers created in the same second,
    as a multi-create makes them) Nova may order differently from one page
    to the next, so a server can come back twice."""
    seen = {}
    for server in servers:
        seen.setdefault(server['id'], server)
    return list(seen.values())


class NovaAdapter:
    """Nova and Placement calls fleet makes, with retries and fleet errors.

    Safe to share between threads: novaclient managers keep no per-call
    state and a keystoneauth session may serve concurrent requests.

    :param session: a keystoneauth session; by default one is loaded from
        ``[nova]``.
    :param conf: the configuration holding ``[nova]``.
    """

    def __init__(
        self,
        session: ks_session.Session | None = None,
        conf: cfg.ConfigOpts = CONF,
    ) -> None:
        group = conf[nova_conf.GROUP]
        self.api_version = parse_api_version(group.api_version)
        self.session = session if session is not None else load_session(conf)
        self._max_retries = group.max_retries
        self._retry_delay = group.retry_delay
        self._max_retry_delay = group.max_retry_delay
        # Tests replace it to run retries without waiting.
        self._sleep: Callable[[float], None] = time.sleep
        # keystoneauth's own retries stay off unless configured: fleet
        # retries in _call, where it knows which calls are idempotent.
        self.nova = nova_client.Client(
            self.api_version,
            session=self.session,
            service_type=group.service_type,
            service_name=group.service_name,
            endpoint_override=group.endpoint_override,
            region_name=group.region_name,
            # novaclient's name for keystoneauth's "interface".
            endpoint_type=group.valid_interfaces,
            connect_retries=group.connect_retries,
            status_code_retries=group.status_code_retries,
        )
        self.placement = ks_adapter.Adapter(
            self.session,
            service_type='placement',
            region_name=group.region_name,
            interface=group.valid_interfaces,
            default_microversion=PLACEMENT_API_VERSION,
        )

    # -- plumbing ---------------------------------------------------------

    def _delay(self, attempt: int) -> float:
        """Backoff before retry ``attempt`` (1-based), with jitter so that
        parallel callers do not hit a recovering Nova all at once."""
        delay = min(
            self._retry_delay * 2 ** (attempt - 1), self._max_retry_delay
        )
        return delay * random.uniform(0.8, 1.0)  # noqa: S311 - not crypto

    def _call(
        self,
        action: str,
        func: Callable[..., T],
        *args: Any,
        idempotent: bool = True,
        not_found: Callable[[], exception.FleetException] | None = None,
        **kwargs: Any,
    ) -> T:
        """Call ``func``, retrying transient failures, translating errors.

        :param action: what the call does, for log and error messages.
        :param func: a novaclient or keystoneauth callable.
        :param idempotent: whether a repeat is harmless if the first
            attempt was acted on; if not, only failures where Nova surely
            did not act are retried.
        :param not_found: builds the exception raised on HTTP 404.
        :returns: what ``func`` returns.
        :raises: FleetException (ComputeError and subclasses,
            ConfigInvalid, or what ``not_found`` builds).
        """
        attempt = 0
        while True:
            try:
                return func(*args, **kwargs)
            except (nova_exc.ClientException, ks_exc.ClientException) as e:
                if attempt < self._max_retries and _is_retriable(
                    e, idempotent
                ):
                    attempt += 1
                    delay = self._delay(attempt)
                    LOG.warning(
                        'Nova call failed (%(action)s): %(error)s; retry '
                        '%(attempt)d of %(max)d in %(delay).1fs',
                        {
                            'action': action,
                            'error': e,
                            'attempt': attempt,
                            'max': self._max_retries,
                            'delay': delay,
                        },
                    )
                    self._sleep(delay)
                    continue
                raise _translate(e, action, not_found) from e
            except (
                nova_exc.UnsupportedVersion,
                nova_exc.VersionNotFoundForAPIMethod,
            ) as e:
                raise exception.ConfigInvalid(
                    error=f'{action}: [nova] api_version '
                    f'{self.api_version.get_string()}: {e}'
                ) from e

    # -- compute services -------------------------------------------------

    def list_services(
        self, host: str | None = None, binary: str | None = None
    ) -> list[dict]:
        """``GET /os-services``, optionally filtered.

        :returns: service dicts as Nova sends them (``id`` is a UUID).
        """
        services = self._call(
            f'list services (host={host}, binary={binary})',
            self.nova.services.list,
            host=host,
            binary=binary,
        )
        return [s.to_dict() for s in services]

    def disable_service(self, service_id: str, reason: str) -> dict:
        """``PUT /os-services/{id}`` with ``status: disabled`` and
        ``disabled_reason``.

        :returns: the updated service.
        """
        service = self._call(
            f'disable compute service {service_id}',
            self.nova.services.disable_log_reason,
            service_id,
            reason,
            not_found=lambda: exception.HostNotFound(host=service_id),
        )
        return service.to_dict()

    def enable_service(self, service_id: str) -> dict:
        """``PUT /os-services/{id}`` with ``status: enabled`` (Nova clears
        the disabled reason).

        :returns: the updated service.
        """
        service = self._call(
            f'enable compute service {service_id}',
            self.nova.services.enable,
            service_id,
            not_found=lambda: exception.HostNotFound(host=service_id),
        )
        return service.to_dict()

    # -- servers ----------------------------------------------------------

    def list_servers(self, host: str) -> list[dict]:
        """Every server on ``host``, of every project, all pages.

        :returns: server dicts (detailed view).
        """
        servers = self._call(
            f'list instances on host {host}',
            self.nova.servers.list,
            search_opts={'all_tenants': True, 'host': host},
            # -1: follow the pages; without it only Nova's first page
            # (osapi_max_limit) comes back and a drain would miss servers.
            limit=-1,
        )
        return _unique(s.to_dict() for s in servers)

    def get_server(self, uuid: str) -> dict:
        """``GET /servers/{id}``. :raises: InstanceNotFound"""
        server = self._call(
            f'get instance {uuid}',
            self.nova.servers.get,
            uuid,
            not_found=lambda: exception.InstanceNotFound(instance=uuid),
        )
        return server.to_dict()

    def live_migrate(
        self,
        uuid: str,
        host: str | None = None,
        block_migration: bool | str = 'auto',
    ) -> None:
        """``os-migrateLive``; returns once Nova accepted it (202).

        :param host: destination, or None to let the scheduler choose.
        :param block_migration: True, False or ``'auto'`` (Nova decides
            from the storage).
        """
        self._call(
            f'live-migrate instance {uuid}',
            self.nova.servers.live_migrate,
            uuid,
            host,
            block_migration,
            idempotent=False,
            not_found=lambda: exception.InstanceNotFound(instance=uuid),
        )

    def migrate(self, uuid: str, host: str | None = None) -> None:
        """Cold-migrate (``migrate`` action); returns once accepted."""
        self._call(
            f'cold-migrate instance {uuid}',
            self.nova.servers.migrate,
            uuid,
            host=host,
            idempotent=False,
            not_found=lambda: exception.InstanceNotFound(instance=uuid),
        )

    def confirm_resize(self, uuid: str) -> None:
        """Confirm a cold migration waiting in VERIFY_RESIZE."""
        self._call(
            f'confirm migration of instance {uuid}',
            self.nova.servers.confirm_resize,
            uuid,
            not_found=lambda: exception.InstanceNotFound(instance=uuid),
        )

    def shelve_offload(self, uuid: str) -> None:
        """``shelveOffload`` action; returns once accepted (202)."""
        self._call(
            f'shelve-offload instance {uuid}',
            self.nova.servers.shelve_offload,
            uuid,
            idempotent=False,
            not_found=lambda: exception.InstanceNotFound(instance=uuid),
        )

    # -- migrations -------------------------------------------------------

    def list_migrations(
        self, instance_uuid: str, migration_type: str | None = None
    ) -> list[dict]:
        """``GET /os-migrations?instance_uuid=&migration_type=``.

        :param migration_type: ``live-migration``, ``migration`` (cold),
            ``resize`` or ``evacuation``; None for all.
        :returns: migration dicts as Nova sends them (Nova's default page,
            newest first, which holds any recent one).
        """
        migrations = self._call(
            f'list migrations of instance {instance_uuid}',
            self.nova.migrations.list,
            instance_uuid=instance_uuid,
            migration_type=migration_type,
        )
        return [m.to_dict() for m in migrations]

    def abort_live_migration(self, uuid: str, migration_id: int) -> None:
        """``DELETE /servers/{id}/migrations/{migration_id}``.

        :raises: MigrationNotFound, ComputeError (Nova answers 400 when the
            migration is no longer abortable)
        """
        self._call(
            f'abort migration {migration_id} of instance {uuid}',
            self.nova.server_migrations.live_migration_abort,
            uuid,
            migration_id,
            not_found=lambda: exception.MigrationNotFound(
                migration=migration_id, instance=uuid
            ),
        )

    def force_complete_live_migration(
        self, uuid: str, migration_id: int
    ) -> None:
        """The ``force_complete`` action of a running live migration."""
        self._call(
            f'force-complete migration {migration_id} of instance {uuid}',
            self.nova.server_migrations.live_migrate_force_complete,
            uuid,
            migration_id,
            not_found=lambda: exception.MigrationNotFound(
                migration=migration_id, instance=uuid
            ),
        )

    # -- capacity ---------------------------------------------------------

    def _placement_get(self, url: str) -> dict:
        response = self._call(f'placement GET {url}', self.placement.get, url)
        return response.json()

    def find_resource_providers(self, host: str) -> list[dict]:
        """Placement resource providers of the compute nodes of ``host``.

        The provider of a compute node is named after its hypervisor
        hostname, which is the service host for libvirt and the fake
        drivers. Where it is not (e.g. an FQDN), the nodes are found
        through Nova's hypervisors of that service host, whose ids (from
        microversion 2.53) are the providers' UUIDs.

        :returns: ``[{'uuid', 'name'}, ...]``; empty if none is found.
        """
        query = parse.urlencode({'name': host})
        found = self._placement_get(f'/resource_providers?{query}')
        providers = found.get('resource_providers', [])
        if providers:
            return [{'uuid': p['uuid'], 'name': p['name']} for p in providers]
        try:
            hypervisors = self._call(
                f'find hypervisors of host {host}',
                self.nova.hypervisors.search,
                host,
                servers=False,
                detailed=True,
                not_found=lambda: exception.HostNotFound(host=host),
            )
        except exception.HostNotFound:
            # Nova answers 404 when no hypervisor name matches.
            return []
        return [
            {'uuid': h.id, 'name': h.hypervisor_hostname}
            for h in hypervisors
            if (getattr(h, 'service', None) or {}).get('host') == host
        ]

    def get_allocation_candidate_summaries(
        self, resources: dict[str, int], member_of: list[str] | None = None
    ) -> dict:
        """``GET /allocation_candidates`` (Placement 1.29) for
        ``resources``: the summaries of every provider in the trees able
        to take them, in one call.

        From Placement 1.27 a summary lists every resource class of its
        provider (not only the requested ones), each with ``capacity``
        ((total - reserved) x allocation_ratio) and ``used``.

        :param resources: e.g. ``{'VCPU': 1, 'MEMORY_MB': 1}``.
        :param member_of: values of ``member_of`` (each must hold:
            ``in:<agg>,<agg>`` one of them, ``!in:<agg>,...`` none of
            them): only the providers of those aggregates (Placement 1.32).
        :returns: ``{provider uuid: {'resources': {rc: {'capacity',
            'used'}}, 'root_provider_uuid', 'parent_provider_uuid',
            'traits'}}``.
        """
        params = [
            (
                'resources',
                ','.join(
                    f'{rc}:{amount}'
                    for rc, amount in sorted(resources.items())
                ),
            )
        ]
        params += [('member_of', value) for value in member_of or ()]
        url = f'/allocation_candidates?{parse.urlencode(params)}'
        response = self._call(
            f'placement GET {url}',
            self.placement.get,
            url,
            microversion=MEMBER_OF_VERSION
            if member_of
            else ALLOCATION_CANDIDATES_VERSION,
        )
        return response.json().get('provider_summaries', {})

    def list_resource_providers(self, member_of: list[str]) -> list[dict]:
        """``GET /resource_providers`` of the aggregates ``member_of``
        (see :meth:`get_allocation_candidate_summaries`; Placement 1.32).

        :returns: ``[{'uuid', 'name', 'root_provider_uuid'}, ...]``.
        """
        params = [('member_of', value) for value in member_of]
        url = f'/resource_providers?{parse.urlencode(params)}'
        response = self._call(
            f'placement GET {url}',
            self.placement.get,
            url,
            microversion=MEMBER_OF_VERSION,
        )
        return [
            {
                'uuid': p['uuid'],
                'name': p.get('name'),
                'root_provider_uuid': p.get('root_provider_uuid') or p['uuid'],
            }
            for p in response.json().get('resource_providers', [])
        ]

    def get_provider_usage(self, provider_uuid: str) -> dict:
        """Inventories and usages of one resource provider.

        :returns: ``{'inventories': {rc: {...}}, 'usages': {rc: n}}``.
        """
        inventories = self._placement_get(
            f'/resource_providers/{provider_uuid}/inventories'
        )
        usages = self._placement_get(
            f'/resource_providers/{provider_uuid}/usages'
        )
        return {
            'inventories': inventories.get('inventories', {}),
            'usages': usages.get('usages', {}),
        }

    # -- inventory --------------------------------------------------------

    def list_all_servers(self) -> list[dict]:
        """Every server of every project, all pages (detailed view)."""
        servers = self._call(
            'list all instances',
            self.nova.servers.list,
            search_opts={'all_tenants': True},
            limit=-1,
        )
        return _unique(s.to_dict() for s in servers)

    def list_servers_page(
        self,
        changes_since: datetime.datetime | None = None,
        limit: int = 1000,
        marker: str | None = None,
    ) -> list[dict]:
        """One page of ``GET /servers/detail?all_tenants=1``, in Nova's
        default order (created_at desc, id desc): at most ``limit``
        servers (and at most Nova's ``[api] max_limit``), after the
        server ``marker``.

        With ``changes_since`` (a naive UTC datetime) Nova returns the
        servers whose ``updated_at`` is at or after it, deleted ones
        included (status DELETED, or SOFT_DELETED); without it only
        servers not deleted (and not soft-deleted).
        """
        search_opts = {'all_tenants': True}
        if changes_since is not None:
            search_opts['changes-since'] = (
                changes_since.replace(microsecond=0).isoformat() + 'Z'
            )
        servers = self._call(
            'list instances',
            self.nova.servers.list,
            detailed=True,
            search_opts=search_opts,
            limit=limit,
            marker=marker,
        )
        return [s.to_dict() for s in servers]

    def list_hypervisors(self) -> list[dict]:
        """``GET /os-hypervisors/detail``: ids are the Placement resource
        provider UUIDs (microversion 2.53 and later)."""
        hypervisors = self._call(
            'list hypervisors', self.nova.hypervisors.list, detailed=True
        )
        return [h.to_dict() for h in hypervisors]

    def list_server_groups(self) -> list[dict]:
        """``GET /os-server-groups?all_projects=True``, all pages:
        ``[{'id', 'name', 'policy' (2.64+; 'policies' before), 'members',
        ...}]``."""
        page, found = 1000, []
        while True:
            # Nova pages server groups by limit/offset (up to its
            # [api] max_limit a page); novaclient does not follow them.
            groups = self._call(
                'list server groups',
                self.nova.server_groups.list,
                all_projects=True,
                limit=page,
                offset=len(found),
            )
            found.extend(g.to_dict() for g in groups)
            if len(groups) < page or not groups:
                return found

    def list_aggregates(self) -> list[dict]:
        """``GET /os-aggregates``: ``[{'id', 'name', 'availability_zone',
        'hosts', 'metadata'}]``."""
        aggregates = self._call('list aggregates', self.nova.aggregates.list)
        return [a.to_dict() for a in aggregates]

    def add_host_to_aggregate(self, aggregate_id: int, host: str) -> dict:
        """``add_host`` action of an aggregate; a host already in it is
        not an error (Nova's 409 is swallowed).

        :returns: the aggregate.
        """
        try:
            aggregate = self._call(
                f'add host {host} to aggregate {aggregate_id}',
                self.nova.aggregates.add_host,
                aggregate_id,
                host,
            )
        except exception.ComputeConflict:
            aggregate = self._call(
                f'get aggregate {aggregate_id}',
                self.nova.aggregates.get,
                aggregate_id,
            )
        return aggregate.to_dict()


_adapter: NovaAdapter | None = None
_adapter_lock = threading.Lock()


def get_adapter() -> NovaAdapter:
    """The process-wide adapter, built from ``[nova]`` on first use."""
    global _adapter
    with _adapter_lock:
        if _adapter is None:
            _adapter = NovaAdapter()
        return _adapter


def reset() -> None:
    """Forget the process-wide adapter (tests, configuration reload)."""
    global _adapter
    with _adapter_lock:
        _adapter = None
