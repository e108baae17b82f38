"""Typed interfaces of fleet's stevedore drivers.

Each namespace has one abstract base here; backends live in
``fleet/drivers/<namespace>/<name>.py`` and are declared in setup.cfg.
``fake`` or ``noop`` always exists, so every code path runs without real
infrastructure.

Usage::

    from fleet.drivers import factory
    executor = factory.get_executor('ansible')
    result = executor.run(host, {'playbook': 'patch.yml'}, timeout=600)
"""

import abc
import dataclasses

from fleet.common import exception


# An ABC without abstract methods on purpose: the common root of the
# per-namespace interfaces below, which declare the abstract methods.
class BaseDriver(metaclass=abc.ABCMeta):  # noqa: B024
    """What every driver shares: a name and a start-up check."""

    #: Set by the factory to the entry-point name the driver was loaded as.
    name = None

    def validate_config(self):  # noqa: B027 - optional hook, not abstract
        """Check this driver's configuration.

        Called once at service start-up so that a bad setting stops the
        service with a clear message instead of failing a run later.

        :raises: ConfigInvalid
        """


class InventoryDriver(BaseDriver):
    """A source of hosts (Nova, a static file, a simulated cloud, ...)."""

    @abc.abstractmethod
    def list_hosts(self):
        """Return every host this source knows.

        :returns: a list of dicts with at least ``name`` and ``kind``; the
            other keys are host columns (``region``, ``availability_zone``,
            ``rack``, ``labels``, ``facts``, ``nova_service_id``, ...).
            A driver that sets ``reports_instances`` adds ``instances``:
            ``[{'uuid', 'name', 'status', 'task_state', 'project_id',
            'flavor', 'vcpus', 'memory_mb', 'disk_gb'}]``.
        """

    #: Whether this source reports instances (in its hosts'
    #: ``instances``, or page by page through :meth:`list_instances`):
    #: the sync then forgets the instances of this source it no longer
    #: reports.
    reports_instances = False
    #: Whether :meth:`list_instances` honours ``changes_since`` (and
    #: reports deleted instances), so the sync can be incremental.
    instance_changes = False

    def list_hosts_brief(self):
        """The hosts, for an incremental sync: the same hosts as
        :meth:`list_hosts`, possibly without what is costly to read and
        seldom changes (capacity, aggregates). By default
        :meth:`list_hosts`.
        """
        return self.list_hosts()

    def list_instances(self, changes_since=None, page_size=1000):
        """The instances this source reports, page by page.

        By default the ``instances`` of :meth:`list_hosts`, in one page
        (``changes_since`` ignored); a driver that sets
        :attr:`instance_changes` streams them from its source instead.

        :param changes_since: a naive UTC datetime: only the instances
            changed since then, deleted ones included (``deleted``
            True); None: every instance not deleted.
        :param page_size: instances asked of the source at a time.
        :returns: an iterator of pages, each a list of ``{'uuid',
            'host', 'deleted', 'name', 'status', ...}`` (the keys of
            :meth:`list_hosts`' instances).
        """
        page = []
        for host in self.list_hosts():
            for inst in host.get('instances') or ():
                page.append(dict(inst, host=host['name'], deleted=False))
        yield page

    def list_places(self):
        """Places this source knows (regions, cells, racks, ...).

        :returns: ``[{'kind', 'name', 'labels', 'variables',
            'description'}]``; none by default.
        """
        return []


class MonitoringDriver(BaseDriver):
    """A source of signals (alerts) about hosts and services."""

    @abc.abstractmethod
    def start(self, on_signal):
        """Start delivering signals.

        :param on_signal: callable taking one dict per signal, with keys
            ``source``, ``name``, ``severity``, ``host``, ``labels``,
            ``fingerprint``, ``status`` (firing / resolved).
        """

    @abc.abstractmethod
    def stop(self):
        """Stop delivering signals; return once none is in flight."""


@dataclasses.dataclass
class ExecutorResult:
    """What an executor did on one host.

    :ivar ok: whether the action succeeded.
    :ivar output: human-readable output (truncated by the executor).
    :ivar details: JSON-safe structured details (per-task results, exit
        code, duration).
    """

    ok: bool
    output: str = ''
    details: dict = dataclasses.field(default_factory=dict)

    def to_dict(self):
        return dataclasses.asdict(self)


class ExecutorDriver(BaseDriver):
    """Runs an action (patch, reboot, a playbook, a command) on a host."""

    @abc.abstractmethod
    def run(self, host, arguments, timeout):
        """Run the action described by ``arguments`` on ``host``.

        :param host: the host as a dict (``name``, ``variables``, ...).
        :param arguments: driver-specific dict (e.g. ``playbook`` and
            ``extra_vars`` for ansible, ``command`` for script).
        :param timeout: seconds after which the action is stopped and
            reported failed.
        :returns: ExecutorResult. An action that ran and failed returns
            ``ok=False``; only a driver error (misconfiguration) raises.
        """

    def validate_arguments(self, arguments):  # noqa: B027
        """Check ``arguments`` when a run is requested, before it starts.

        :raises: InvalidParameterValue
        """


class ComputeDriver(BaseDriver):
    """Actions on the compute service of a cloud: Nova, or the simulated
    cloud. Every flow acts on instances and compute services only through
    this interface.

    Dicts returned:

    * service: ``{'id', 'host', 'status' (enabled/disabled),
      'state' (up/down), 'disabled_reason', 'updated_at'}`` -
      ``updated_at``: the service's last heartbeat (ISO 8601, UTC, as
      Nova's os-services shows it), or None if it never reported
    * instance: ``{'uuid', 'name', 'status' (Nova's API status: ACTIVE,
      PAUSED, SHUTOFF, MIGRATING, VERIFY_RESIZE, ERROR, ...), 'vm_state'
      (Nova's: active, paused, stopped, suspended, rescued, resized,
      shelved, shelved_offloaded, error, ...), 'host', 'task_state' (None
      unless an action is in flight), 'vcpus', 'memory_mb'}``
    * migration: ``{'id', 'instance_uuid', 'status' (queued, preparing,
      running, completed, error, failed, cancelled, ...), 'source',
      'dest', 'created_at'}``

    Errors raise fleet exceptions (ComputeError and subclasses), never a
    client library's own.
    """

    @abc.abstractmethod
    def get_service(self, host):
        """The nova-compute service of ``host``. :raises: HostNotFound"""

    @abc.abstractmethod
    def disable_service(self, host, reason):
        """Disable ``host``'s compute service with ``reason``; idempotent.

        :returns: the service.
        """

    @abc.abstractmethod
    def enable_service(self, host):
        """Enable ``host``'s compute service; idempotent.

        :returns: the service.
        """

    @abc.abstractmethod
    def list_services(self):
        """Every compute service (for capacity and destination checks)."""

    @abc.abstractmethod
    def list_instances(self, host):
        """Instances on ``host``."""

    @abc.abstractmethod
    def get_instance(self, uuid):
        """:raises: InstanceNotFound"""

    @abc.abstractmethod
    def live_migrate(self, uuid, target_host=None):
        """Start a live migration and return at once (scheduler picks the
        destination unless ``target_host``). Nova accepts it for vm_state
        active or paused with no task in flight.

        :raises: ComputeConflict (another state, or a task in flight)
        """

    @abc.abstractmethod
    def cold_migrate(self, uuid, target_host=None):
        """Start a cold migration (resize to same flavor) and return. Nova
        accepts it for vm_state active or stopped; the instance then waits
        in VERIFY_RESIZE until :meth:`confirm_migration`.

        :raises: ComputeConflict
        """

    @abc.abstractmethod
    def confirm_migration(self, uuid):
        """Confirm a finished cold migration (VERIFY_RESIZE); it takes
        effect asynchronously (the migration goes ``confirming`` then
        ``confirmed``, the instance back to its former vm_state)."""

    @abc.abstractmethod
    def shelve_offload(self, uuid):
        """Offload a shelved instance from its host (Nova's
        ``shelveOffload``, vm_state shelved only); returns at once, the
        instance ends SHELVED_OFFLOADED with no host.

        :raises: ComputeConflict
        """

    @abc.abstractmethod
    def get_latest_migration(self, uuid, migration_type='live-migration'):
        """The newest migration record of an instance, or None."""

    @abc.abstractmethod
    def abort_migration(self, uuid, migration_id):
        """Ask Nova to abort a queued, preparing or running live migration;
        returns at once: the migration ends ``cancelled`` and the instance
        stays on its source a little later. Cold migrations cannot be
        aborted.

        :raises: MigrationNotFound, ComputeError / ComputeConflict (not
            abortable)
        """

    @abc.abstractmethod
    def get_host_capacity(self, host):
        """``{'vcpus', 'vcpus_used', 'memory_mb', 'memory_mb_used'}``."""

    def list_host_capacities(self, scope=None):
        """Capacity of every compute host, at once (capacity checks).

        ``{host: {'vcpus', 'vcpus_used', 'memory_mb', 'memory_mb_used'}
        (and ``disk_gb``, ``disk_gb_used`` where known)}``; a host with a
        resource provider but no room left may map to ``None``; a host
        without a provider is left out. This default asks
        :meth:`get_host_capacity` of each compute service; a driver with a
        bulk call overrides it.

        :param scope: None for every host; else ``{'availability_zone':
            zone, 'aggregates': [names], 'nodes': {node name: host}}``:
            the caller needs only the hosts of that zone (and, with
            ``aggregates``, in every one of them), so a driver reads only
            those where it can; hosts outside may still be returned (the
            caller filters) and a host of the scope missing from the
            answer has no provider. ``nodes`` maps the hypervisor names
            fleet's inventory knows to their hosts.
        """
        zone = (scope or {}).get('availability_zone')
        capacities = {}
        for service in self.list_services():
            if zone and service.get('zone') not in (None, zone):
                continue
            try:
                capacities[service['host']] = self.get_host_capacity(
                    service['host']
                )
            except exception.HostNotFound:
                continue
        return capacities


class FactsDriver(BaseDriver):
    """A source of what a host *is*: OS, kernel, packages, services,
    config values, file hashes (namespace ``fleet.facts``).

    The facts of one host, the shape every rule of
    :mod:`fleet.audits.rules` reads (a driver gives what it knows; the
    drivers enabled in ``[drivers] facts`` are merged in order)::

        {"os": {"name": "Rocky Linux", "version": "9.4"},
         "kernel": "5.14.0-427.el9.x86_64",
         "packages": {"openssh-server": "8.7p1-38.el9", ...},
         "services": {"nova-compute": {"state": "running",
                                       "enabled": true}, ...},
         "config": {"/etc/nova/nova.conf": {"DEFAULT": {"debug": "false"}}},
         "files": {"/etc/ssh/sshd_config": {"sha256": "..."}},
         ...any other key an operator's source adds}
    """

    @abc.abstractmethod
    def gather(self, host):
        """The facts of ``host`` (a dict with ``name``, ``variables``...).

        :returns: a dict; empty if this source knows nothing of the host.
        :raises: FactsError if the host could not be asked (unreachable,
            a failing command, output that is no JSON object).
        """
