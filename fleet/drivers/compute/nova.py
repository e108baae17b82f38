"""Compute driver on a real Nova, through :mod:`fleet.common.nova`.

It shapes Nova's answers into the dicts of
:class:`fleet.drivers.base.ComputeDriver`; all HTTP, retries and error
translation live in the adapter.

Usage::

    compute = factory.get_compute()          # [drivers] compute = nova
    compute.disable_service('cmp-042', 'fleet: run 5f0c... (patch)')
    before = compute.get_latest_migration(uuid)
    compute.live_migrate(uuid)
    # poll get_latest_migration(uuid) until a record newer than "before"
    # reaches "completed" (see get_latest_migration)

Operations that start something (``live_migrate``, ``cold_migrate``)
return as soon as Nova accepted the request; progress is read from the
migration records and the instance.
"""

import threading
import time

from oslo_config import cfg
from oslo_log import log

from fleet.common import exception
from fleet.common import nova
from fleet.drivers import base

LOG = log.getLogger(__name__)

COMPUTE_BINARY = 'nova-compute'


def _service(record: dict) -> dict:
    """A service as ComputeDriver returns it, from Nova's os-services."""
    return {
        'id': record['id'],
        'host': record['host'],
        'status': record['status'],
        'state': record['state'],
        'disabled_reason': record.get('disabled_reason'),
        'zone': record.get('zone'),
        'forced_down': record.get('forced_down', False),
        'updated_at': record.get('updated_at'),
    }


def _instance(record: dict) -> dict:
    """An instance as ComputeDriver returns it, from Nova's server view.

    The flavor is embedded in the server from microversion 2.47.
    """
    flavor = record.get('flavor') or {}
    return {
        'uuid': record['id'],
        'name': record.get('name'),
        'status': record.get('status'),
        'host': record.get('OS-EXT-SRV-ATTR:host'),
        'task_state': record.get('OS-EXT-STS:task_state'),
        'vm_state': record.get('OS-EXT-STS:vm_state'),
        'power_state': record.get('OS-EXT-STS:power_state'),
        'vcpus': flavor.get('vcpus'),
        'memory_mb': flavor.get('ram'),
        'project_id': record.get('tenant_id'),
    }


def _migration(record: dict) -> dict:
    """A migration as ComputeDriver returns it, from os-migrations."""
    return {
        'id': record['id'],
        'uuid': record.get('uuid'),
        'instance_uuid': record['instance_uuid'],
        'status': record['status'],
        'source': record.get('source_compute'),
        'dest': record.get('dest_compute'),
        'created_at': record.get('created_at'),
        'updated_at': record.get('updated_at'),
        'migration_type': record.get('migration_type'),
    }


def _effective(inventory: dict) -> int:
    """Schedulable amount of one resource class: what the scheduler uses,
    (total - reserved) x allocation_ratio."""
    total = inventory.get('total', 0) - inventory.get('reserved', 0)
    return int(total * inventory.get('allocation_ratio', 1.0))


class NovaCompute(base.ComputeDriver):
    """:class:`~fleet.drivers.base.ComputeDriver` on Nova and Placement.

    The adapter is built on first use, so loading the driver needs only a
    valid configuration, not a reachable Nova.
    """

    def __init__(self, adapter: nova.NovaAdapter | None = None) -> None:
        self._adapter = adapter
        self._lock = threading.Lock()

    @property
    def adapter(self) -> nova.NovaAdapter:
        with self._lock:
            if self._adapter is None:
                self._adapter = nova.get_adapter()
            return self._adapter

    def validate_config(self) -> None:
        """Check ``[nova]``: the microversion and the auth options.

        :raises: ConfigInvalid
        """
        nova.parse_api_version(cfg.CONF.nova.api_version)
        nova.load_session()

    # -- compute services -------------------------------------------------

    def _service_record(self, host: str) -> dict:
        records = self.adapter.list_services(host=host, binary=COMPUTE_BINARY)
        # Nova filters by host with an exact match; the check guards
        # against a proxy or an old Nova ignoring the filter.
        records = [r for r in records if r['host'] == host]
        if not records:
            raise exception.HostNotFound(host=host)
        if len(records) > 1:
            LOG.warning(
                'Host %(host)s has %(n)d nova-compute services (one per '
                'cell?); acting on %(id)s',
                {'host': host, 'n': len(records), 'id': records[0]['id']},
            )
        return records[0]

    def get_service(self, host: str) -> dict:
        """The nova-compute service of ``host``.

        :raises: HostNotFound, ComputeError
        """
        return _service(self._service_record(host))

    def disable_service(self, host: str, reason: str) -> dict:
        """Disable ``host``'s nova-compute with ``reason``; idempotent.

        A service already disabled with the same reason is left untouched;
        one disabled for another reason gets ``reason`` (the newest owner
        of the host explains why it is out).

        :returns: the service.
        :raises: HostNotFound, ComputeError
        """
        record = self._service_record(host)
        if (
            record['status'] == 'disabled'
            and record.get('disabled_reason') == reason
        ):
            return _service(record)
        updated = self.adapter.disable_service(record['id'], reason)
        # The PUT answer has no "state" (up/down); keep the one just read.
        return _service({**record, **updated})

    def enable_service(self, host: str) -> dict:
        """Enable ``host``'s nova-compute; idempotent.

        :returns: the service.
        :raises: HostNotFound, ComputeError
        """
        record = self._service_record(host)
        if record['status'] == 'enabled':
            return _service(record)
        updated = self.adapter.enable_service(record['id'])
        return _service({**record, **updated, 'disabled_reason': None})

    def list_services(self) -> list[dict]:
        """Every nova-compute service."""
        return [
            _service(r)
            for r in self.adapter.list_services(binary=COMPUTE_BINARY)
        ]

    # -- instances --------------------------------------------------------

    def list_instances(self, host: str) -> list[dict]:
        """Instances on ``host``, of every project."""
        return [_instance(r) for r in self.adapter.list_servers(host)]

    def get_instance(self, uuid: str) -> dict:
        """:raises: InstanceNotFound, ComputeError"""
        return _instance(self.adapter.get_server(uuid))

    def live_migrate(self, uuid: str, target_host: str | None = None) -> None:
        """Start a live migration; return once Nova accepted it.

        ``block_migration`` is ``auto``: Nova picks block migration unless
        the instance is on shared storage.

        :param target_host: destination, or None for the scheduler.
        :raises: InstanceNotFound, ComputeConflict (the instance is busy,
            e.g. already migrating), ComputeError
        """
        self.adapter.live_migrate(uuid, target_host, 'auto')

    def cold_migrate(self, uuid: str, target_host: str | None = None) -> None:
        """Start a cold migration; return once Nova accepted it. The
        instance ends in VERIFY_RESIZE: :meth:`confirm_migration` it.

        :raises: InstanceNotFound, ComputeConflict, ComputeError
        """
        self.adapter.migrate(uuid, target_host)

    def confirm_migration(self, uuid: str) -> None:
        """Confirm a finished cold migration (VERIFY_RESIZE).

        :raises: InstanceNotFound, ComputeConflict (not in VERIFY_RESIZE),
            ComputeError
        """
        self.adapter.confirm_resize(uuid)

    def shelve_offload(self, uuid: str) -> None:
        """Offload a shelved instance (``shelveOffload``); return once Nova
        accepted it.

        :raises: InstanceNotFound, ComputeConflict (not SHELVED),
            ComputeError
        """
        self.adapter.shelve_offload(uuid)

    # -- migrations -------------------------------------------------------

    def get_latest_migration(
        self, uuid: str, migration_type: str = 'live-migration'
    ) -> dict | None:
        """The newest migration record of an instance, or None.

        Newest is the highest id (ids grow; ``created_at`` has only second
        resolution). Nova creates the record of a migration shortly
        *after* answering the request with 202, so right after
        :meth:`live_migrate` this may still return the previous migration,
        already ``completed``. A caller therefore reads it before starting
        a migration and waits for a record with a different id.

        :param migration_type: ``live-migration``, ``migration`` (cold) or
            ``resize``/``evacuation``.
        :raises: ComputeError
        """
        records = self.adapter.list_migrations(uuid, migration_type)
        # The filter is exact on Nova's side; keep the check for proxies
        # and old Novas that ignore unknown filters.
        records = [
            r
            for r in records
            if r.get('instance_uuid') == uuid
            and r.get('migration_type', migration_type) == migration_type
        ]
        if not records:
            return None
        return _migration(max(records, key=lambda r: r['id']))

    def abort_migration(self, uuid: str, migration_id: int | str) -> None:
        """Abort an in-progress live migration.

        Nova aborts queued, preparing and running live migrations; the
        instance stays on its source and the migration ends ``cancelled``.

        :raises: MigrationNotFound, ComputeError (not abortable any more)
        """
        self.adapter.abort_live_migration(uuid, int(migration_id))

    # -- capacity ---------------------------------------------------------

    def get_host_capacity(self, host: str) -> dict:
        """Schedulable vCPUs and memory of ``host`` and what is used, from
        Placement, summed over the host's compute nodes.

        ``vcpus`` and ``memory_mb`` are what the scheduler can place:
        ``(total - reserved) x allocation_ratio``.

        :raises: HostNotFound, ComputeError
        """
        providers = self.adapter.find_resource_providers(host)
        if not providers:
            raise exception.HostNotFound(host=host)
        capacity = {
            'vcpus': 0,
            'vcpus_used': 0,
            'memory_mb': 0,
            'memory_mb_used': 0,
        }
        for provider in providers:
            usage = self.adapter.get_provider_usage(provider['uuid'])
            inventories, usages = usage['inventories'], usage['usages']
            for rc, key in (('VCPU', 'vcpus'), ('MEMORY_MB', 'memory_mb')):
                if rc in inventories:
                    capacity[key] += _effective(inventories[rc])
                capacity[key + '_used'] += usages.get(rc, 0)
        return capacity

    def list_host_capacities(self, scope: dict | None = None) -> dict:
        """Capacity of the compute hosts in two calls.

        Without ``scope``: every compute, whatever the size of the cloud:
        Nova's hypervisors (their ids are the Placement resource
        providers, from microversion 2.53) and Placement's allocation
        candidates for 1 vCPU and 1 MiB, whose provider summaries give
        each provider's capacity and use.

        With ``scope`` (see :meth:`fleet.drivers.base.ComputeDriver.
        list_host_capacities`): only the providers of the zone's host
        aggregates (Nova mirrors its aggregates into Placement under the
        same UUIDs), or, for a zone that has none (the default zone), of
        no zone's aggregate; with ``aggregates``, of every one of them.
        The reads then grow with the zone, not the cloud: Placement's
        providers and allocation candidates filtered by ``member_of``;
        providers are named after their node, mapped to hosts by
        ``scope['nodes']`` (the node is the host for libvirt and the fake
        drivers). The aggregates are read from Nova once a minute at most
        (:meth:`_aggregates`). A zone Nova does not describe by
        aggregates falls back to the unscoped read.

        :returns: ``{host: {'vcpus', 'vcpus_used', 'memory_mb',
            'memory_mb_used', and 'disk_gb', 'disk_gb_used' where the host
            has disk}}``; ``None`` for a host whose providers have no room
            for even that; hosts without a provider are left out.
        :raises: ComputeError
        """
        if scope:
            try:
                member_of = self._member_of(scope)
                if member_of is not None:
                    return self._scoped(scope, member_of)
            except exception.ComputeError as e:
                # E.g. a Placement older than 1.32: read everything.
                LOG.warning(
                    'Scoped capacity read failed (%s); reading every '
                    'provider.',
                    e,
                )
        owners = {}
        for hyp in self.adapter.list_hypervisors():
            host = (hyp.get('service') or {}).get('host')
            if host:
                owners[str(hyp['id'])] = host
        summaries = self.adapter.get_allocation_candidate_summaries(
            {'VCPU': 1, 'MEMORY_MB': 1}
        )
        return _capacities(owners, summaries)

    def _scoped(self, scope: dict, member_of: list[str]) -> dict:
        nodes = scope.get('nodes') or {}
        owners = {
            p['uuid']: nodes.get(p['name'], p['name'])
            for p in self.adapter.list_resource_providers(member_of)
            if p['root_provider_uuid'] == p['uuid'] and p.get('name')
        }
        summaries = self.adapter.get_allocation_candidate_summaries(
            {'VCPU': 1, 'MEMORY_MB': 1}, member_of=member_of
        )
        return _capacities(owners, summaries)

    #: Seconds the host aggregates read from Nova are reused.
    AGGREGATES_TTL = 60.0

    def _aggregates(self) -> list[dict]:
        """Nova's host aggregates (``uuid``, ``name``,
        ``availability_zone``), read once per :attr:`AGGREGATES_TTL`: a
        drain needs them for its scope; they change rarely."""
        now = time.monotonic()
        cached = getattr(self, '_aggregates_cache', None)
        if cached is not None and now - cached[0] < self.AGGREGATES_TTL:
            return cached[1]
        found = [
            {
                'uuid': a.get('uuid'),
                'name': a.get('name'),
                'availability_zone': a.get('availability_zone')
                or (a.get('metadata') or {}).get('availability_zone'),
            }
            for a in self.adapter.list_aggregates()
        ]
        self._aggregates_cache = (now, found)
        return found

    def _member_of(self, scope: dict) -> list[str] | None:
        """Placement ``member_of`` values selecting the scope's providers,
        or None when the aggregates cannot express it."""
        aggregates = self._aggregates()
        if any(not a['uuid'] for a in aggregates):
            return None  # a Nova older than 2.41 shows no UUIDs
        member_of = []
        names = scope.get('aggregates') or ()
        for name in names:
            uuids = [a['uuid'] for a in aggregates if a['name'] == name]
            if not uuids:
                return None
            member_of.append('in:' + ','.join(sorted(uuids)))
        zone = scope.get('availability_zone')
        zoned = [a for a in aggregates if a['availability_zone']]
        mine = sorted(
            a['uuid'] for a in zoned if a['availability_zone'] == zone
        )
        if zone and mine:
            member_of.append('in:' + ','.join(mine))
        elif zoned:
            # The default zone (or none): the hosts of no zone's
            # aggregate.
            member_of.append(
                '!in:' + ','.join(sorted(a['uuid'] for a in zoned))
            )
        return member_of or None


def _capacities(owners: dict, summaries: dict) -> dict:
    """{host: capacity} of the hosts owning providers ``owners`` ({uuid:
    host}) from Placement's provider summaries (child providers count
    for their root's host)."""
    capacities = dict.fromkeys(set(owners.values()))
    for uuid, summary in summaries.items():
        host = owners.get(uuid) or owners.get(
            summary.get('root_provider_uuid')
        )
        if host is None:
            continue
        entry = capacities[host]
        if entry is None:
            entry = capacities[host] = {}
        for rc, key in (
            ('VCPU', 'vcpus'),
            ('MEMORY_MB', 'memory_mb'),
            ('DISK_GB', 'disk_gb'),
        ):
            found = (summary.get('resources') or {}).get(rc)
            if found is not None:
                entry[key] = entry.get(key, 0) + found['capacity']
                entry[key + '_used'] = (
                    entry.get(key + '_used', 0) + found['used']
                )
    return capacities
