"""Pre-checks and nova-compute service tasks of the maintenance flow."""

from oslo_log import log

from fleet.common import exception
from fleet.common import states
from fleet.conductor import inventory
from fleet.conductor.tasks import base
from fleet.inventory import capacity

LOG = log.getLogger(__name__)

#: States in which fleet may act on a host (a host in ``draining`` or
#: ``maintenance`` is accepted for a resumed or repeated run: the run hold,
#: not the state, keeps two runs apart).
MANAGED_STATES = (
    states.HOST_ACTIVE,
    states.HOST_DRAINING,
    states.HOST_MAINTENANCE,
)


def disabled_reason(execution_uuid: str) -> str:
    """The ``disabled_reason`` fleet writes, naming fleet and the run."""
    return f'fleet: maintenance run {execution_uuid}'


def instances_moved(dbapi, execution_uuid: str) -> int:
    """How many instances of the run have left the host so far."""
    execution = dbapi.get_execution(execution_uuid)
    instances = (execution['progress'] or {}).get('instances') or {}
    return sum(
        1
        for i in instances.values()
        if i.get('state') in ('migrated', 'already_moved')
        or i.get('left_host')
    )


class CheckHostManaged(base.MaintenanceTask):
    """Refuse a host that fleet does not manage or that is not a compute."""

    def execute(self, execution_uuid: str, host_name: str) -> None:
        host = self.dbapi.get_host(host_name)
        if host['state'] not in MANAGED_STATES:
            raise base.StepFailed(
                step=self.step_name,
                reason=f'host {host_name} is {host["state"]}'
                + (
                    f' ({host["state_reason"]})'
                    if host['state_reason']
                    else ''
                )
                + '; fleet acts only on hosts in '
                + ', '.join(MANAGED_STATES),
            )
        if host['kind'] != 'compute':
            raise base.StepFailed(
                step=self.step_name,
                reason=f'host {host_name} is a {host["kind"]}, not a compute',
            )
        service = self.compute.get_service(host_name)
        self.event(
            execution_uuid,
            f'Host {host_name} is managed; nova-compute is '
            f'{service["status"]} and {service["state"]}.',
        )

    def revert(self, result, *args, **kwargs) -> None:
        pass  # a check changes nothing


class CheckCapacity(base.MaintenanceTask):
    """Check that the instances of the host fit elsewhere, and reserve
    the room they take until the run ends.

    The model is :mod:`fleet.inventory.capacity`, the same as
    ``GET /v1/capacity``: destinations are the computes of the host's
    availability zone (``params['capacity_scope'] = 'aggregate'``: also in
    every aggregate of the host) that fleet does not hold out of service,
    enabled and up in Nova now, with a known capacity (a compute without
    a Placement resource provider is skipped with a log line); each
    instance is placed with all of its vCPUs, RAM and disk, never beside
    a member of its anti-affinity server group; what other drains
    reserved and have not moved yet is placed first.

    Its cost follows the zone, not the cloud: one read of Nova's
    services, Placement read in bulk for the zone's providers only, and
    fleet's records of the zone's hosts and their instances only (see
    :meth:`_scope`).

    The check and the reservation are one database transaction
    (:meth:`fleet.db.api.Connection.reserve_capacity`). The revert drops
    the reservation; the end of the run drops it too
    (``release_reservations``).
    """

    def _live(self, scope: dict):
        """Placement's capacity of the possible destinations now, read in
        bulk and scoped to the drain's zone (:meth:`~fleet.drivers.base.
        ComputeDriver.list_host_capacities`): neither one read per host
        nor one over the whole cloud.

        A destination the scoped read did not find (a zone or aggregate
        Placement does not mirror as Nova describes it) is looked for once
        more in an unscoped read before it counts as having no provider.

        :returns: ``(live capacities, {host: why not a destination})``.
        """
        wanted = scope['destinations']
        capacities = self.compute.list_host_capacities(scope=scope)
        if any(name not in capacities for name in wanted):
            capacities = self.compute.list_host_capacities()
        live, unavailable = {}, {}
        for name in wanted:
            if name not in capacities:
                unavailable[name] = 'no Placement resource provider'
                LOG.info(
                    'Capacity: %s has no Placement resource provider; '
                    'skipped as a destination.',
                    name,
                )
            elif capacities[name] is None:
                unavailable[name] = 'no room left in Placement'
            else:
                live[name] = capacities[name]
        return live, unavailable

    def _scope(self, host_name: str, params: dict, services: dict) -> dict:
        """What the check reads: the zone of the host (fleet's record, or
        Nova's service where fleet has none, as the check itself takes
        it), its aggregates with scope ``aggregate``, the hypervisor names
        fleet's inventory knows of the zone's hosts, and the computes of
        the zone enabled and up in Nova (or the named target).

        Two indexed reads of fleet's hosts, by zone and by name: the
        zone's, whatever the size of the cloud.
        """
        target = params.get('target_host')
        try:
            host = self.dbapi.get_host(host_name)
        except exception.HostNotFound:
            host = {}
        zone = (
            host.get('availability_zone')
            or (services.get(host_name) or {}).get('zone')
            or None
        )
        in_zone = [
            name
            for name, service in services.items()
            if (service.get('zone') or None) == zone
        ]
        records = {
            h['name']: h
            for h in self.dbapi.list_hosts(
                filters={'kind': 'compute', 'name': in_zone}
            )
        }
        if zone:
            records.update(
                (h['name'], h)
                for h in self.dbapi.list_hosts(
                    filters={'kind': 'compute', 'availability_zone': zone}
                )
            )

        def zone_of(name):
            record = records.get(name) or {}
            return record.get('availability_zone') or (
                (services.get(name) or {}).get('zone') or None
            )

        destinations = []
        for name, service in services.items():
            if name == host_name or (target and name != target):
                continue
            if not target and (
                service['status'] != 'enabled'
                or service['state'] != 'up'
                or (zone_of(name) or None) != zone
            ):
                continue
            destinations.append(name)
        nodes = {
            node: name
            for name, record in records.items()
            for node in (record.get('facts') or {}).get('hypervisors') or ()
            if node
        }
        return {
            'availability_zone': zone,
            'aggregates': list(
                (host.get('facts') or {}).get('aggregates') or ()
            )
            if params.get('capacity_scope') == capacity.SCOPE_AGGREGATE
            else [],
            'nodes': nodes,
            'hosts': [host_name] + ([target] if target else []),
            'destinations': destinations,
            # Fleet's records of the computes Nova puts in the zone.
            'known': sorted(records),
        }

    def _hold(self, execution_uuid: str, services: dict) -> None:
        """Disable the nova-compute of every host fleet holds that is
        still enabled (a lost cast, no sync since): the check leaves them
        out, and Nova's scheduler must not pick them either."""
        for name in sorted(capacity.held_hosts(self.dbapi)):
            service = services.get(name)
            if service is None or service['status'] != 'enabled':
                continue
            try:
                counts = inventory.hold_services(name)
            except Exception:
                LOG.exception('Cannot disable nova-compute on %s.', name)
                continue
            if counts['disabled']:
                self.event(
                    execution_uuid,
                    f'nova-compute on {name} disabled: fleet holds the '
                    f'host, it must receive no instance.',
                    level='warning',
                )

    def _demand(self, host_name: str) -> list:
        """What must move: Nova's instances of the host now, with the
        disk and server group fleet's inventory knows of them."""
        known = {
            i['uuid']: i
            for i in self.dbapi.list_instances({'host': host_name})
        }
        instances = []
        for inst in self.compute.list_instances(host_name):
            record = known.get(inst['uuid']) or {}
            merged = dict(record, **{k: v for k, v in inst.items() if v})
            for key in ('disk_gb', 'server_group', 'server_group_policy'):
                merged.setdefault(key, record.get(key))
            instances.append(merged)
        return capacity.demand_of(instances)

    def execute(
        self, execution_uuid: str, host_name: str, params: dict
    ) -> dict:
        target = params.get('target_host')
        scope = params.get('capacity_scope')
        demand = self._demand(host_name)
        services = {s['host']: s for s in self.compute.list_services()}
        reads = self._scope(host_name, params, services)
        live, unavailable = self._live(reads)
        self._hold(execution_uuid, services)

        def check(hosts, instances, reservations):
            hosts = _with_services(hosts, services, reads['known'])
            result = capacity.check_drain(
                hosts,
                instances,
                host_name,
                demand,
                reservations=reservations,
                target=target,
                scope=scope,
                live=live,
                unavailable=unavailable,
            )
            if not result['fits']:
                raise base.StepFailed(
                    step=self.step_name, reason=_refusal(result)
                )
            return {
                'availability_zone': result['availability_zone'],
                'instances': {
                    d['uuid']: {k: v for k, v in d.items() if k != 'uuid'}
                    for d in demand
                },
                'details': result,
                **result['needed'],
            }

        try:
            reservation = self.dbapi.reserve_capacity(
                execution_uuid, host_name, check, scope=reads
            )
        except base.StepFailed as e:
            self.event(execution_uuid, str(e), level='error')
            raise
        result = reservation['details']
        self.event(
            execution_uuid,
            f'Capacity suffices and is reserved: {len(demand)} instance(s) '
            f'need {_amounts(result["needed"])}; '
            f'{len(result["candidates"])} destination(s) in '
            f'{_zone(result)} have {_amounts(result["free"])} free, '
            f'{_amounts(result["reserved_by_others"])} of it reserved by '
            f'other drains.',
            details=result,
        )
        return result

    def revert(self, result, execution_uuid: str, *args, **kwargs) -> None:
        try:
            self.dbapi.release_reservations(execution_uuid)
        except Exception:
            LOG.exception(
                'Run %s: cannot release its capacity reservation.',
                execution_uuid,
            )


def _with_services(hosts, services, known=()):
    """Fleet's hosts with Nova's status and state as read just now;
    computes Nova knows and fleet does not are added as active hosts.

    :param known: hosts fleet has a record of though ``hosts`` (the
        records of the drain's zone) lacks them: never added as new.
    """
    merged = []
    for host in hosts:
        service = services.get(host['name'])
        if service is not None:
            host = dict(
                host,
                nova_service_status=service['status'],
                nova_service_state=service['state'],
            )
            if not host.get('availability_zone') and service.get('zone'):
                host['availability_zone'] = service['zone']
        merged.append(host)
    known = {h['name'] for h in hosts} | set(known)
    for name, service in services.items():
        if name not in known:
            merged.append(
                {
                    'name': name,
                    'kind': 'compute',
                    'state': states.HOST_ACTIVE,
                    'availability_zone': service.get('zone'),
                    'nova_service_status': service['status'],
                    'nova_service_state': service['state'],
                    'facts': {},
                }
            )
    return merged


def _amounts(values: dict) -> str:
    return (
        f'{values["vcpus"]} vCPUs / {values["memory_mb"]} MiB / '
        f'{values["disk_gb"]} GiB'
    )


def _zone(result: dict) -> str:
    zone = result['availability_zone'] or 'the default zone'
    if result['scope'] == capacity.SCOPE_AGGREGATE and result['aggregates']:
        return f'{zone} (aggregates {", ".join(result["aggregates"])})'
    return zone


def _refusal(result: dict) -> str:
    skipped = '; '.join(
        f'{name}: {why}' for name, why in sorted(result['skipped'].items())
    )
    return (
        f'not enough capacity in {_zone(result)}: '
        f'{len(result["unplaced"])} instance(s) fit on no destination '
        f'({", ".join(result["unplaced"])}); need '
        f'{_amounts(result["needed"])}, free {_amounts(result["free"])} on '
        f'{", ".join(result["candidates"]) or "no host"}, '
        f'{_amounts(result["reserved_by_others"])} of it reserved by other '
        f'drains'
        + (f'; not destinations: {skipped}' if skipped else '')
        + '. Free capacity in that zone (or retry when the other drains '
        'end), or name a target_host.'
    )


class DisableComputeService(base.MaintenanceTask):
    """Take the host out of Nova's pool: disable its nova-compute with a
    reason naming fleet and the run, and mark the host ``draining``.

    Its revert decides where a failed or cancelled run leaves the host:
    re-enabled and ``active`` if nothing left it and fleet disabled it;
    otherwise still disabled, in ``maintenance`` with the reason (a host
    already handed to a human stays ``unmanaged``).
    """

    def execute(self, execution_uuid: str, host_name: str) -> dict:
        self.check_cancel(execution_uuid)
        reason = disabled_reason(execution_uuid)
        service = self.compute.get_service(host_name)
        # Re-run after a conductor restart: the service is already
        # disabled by this run, so it was enabled before.
        was_enabled = service['status'] == 'enabled' or (
            service['disabled_reason'] == reason
        )
        service = self.compute.disable_service(host_name, reason)
        self.update_host_state(
            host_name,
            states.HOST_DRAINING,
            f'fleet run {execution_uuid}',
            service=service,
        )
        self.event(
            execution_uuid,
            f'nova-compute on {host_name} disabled: "{reason}".',
            details={'was_enabled': was_enabled},
        )
        return {'was_enabled': was_enabled, 'reason': reason}

    def revert(
        self, result, execution_uuid: str, host_name: str, *args, **kwargs
    ) -> None:
        try:
            self._revert(result, execution_uuid, host_name)
        except Exception:
            LOG.exception(
                'Run %s: cannot revert the disabling of %s.',
                execution_uuid,
                host_name,
            )
            self.update_host_state(
                host_name,
                states.HOST_UNMANAGED,
                f'fleet run {execution_uuid} failed and could not restore '
                f'nova-compute on {host_name}; check it by hand',
                keep=(states.HOST_UNMANAGED,),
            )

    def _revert(self, result, execution_uuid: str, host_name: str) -> None:
        reason = disabled_reason(execution_uuid)
        service = self.compute.get_service(host_name)
        if base.is_failure(result):
            # It failed before or after disabling: only our own reason
            # proves that we did it. Without it, it changed neither the
            # service nor the host's state: leave both (a host left in
            # maintenance by an earlier run must not turn "active" while
            # its nova-compute is still disabled).
            if service['disabled_reason'] != reason:
                return
            was_enabled = True
        else:
            was_enabled = result['was_enabled']
        host = self.dbapi.get_host(host_name)
        if host['state'] == states.HOST_UNMANAGED:
            self.event(
                execution_uuid,
                f'nova-compute on {host_name} left disabled: the host is '
                f'handed to a human ({host["state_reason"]}).',
                level='warning',
            )
            return
        moved = instances_moved(self.dbapi, execution_uuid)
        # Someone else (a human who found a fault) disabled it meanwhile
        # with a reason of their own: theirs now, not fleet's to enable.
        ours = service['status'] == 'enabled' or (
            service['disabled_reason'] == reason
        )
        if moved == 0 and was_enabled and ours:
            service = self.compute.enable_service(host_name)
            self.update_host_state(
                host_name, states.HOST_ACTIVE, None, service=service
            )
            self.event(
                execution_uuid,
                f'No instance left {host_name}: nova-compute re-enabled, '
                f'host active again.',
            )
            return
        if moved:
            why = f'{moved} instance(s) already moved away'
        elif not ours:
            why = (
                f'nova-compute was disabled meanwhile by someone else '
                f'("{service["disabled_reason"]}")'
            )
        else:
            why = 'nova-compute was disabled before the run'
        self.update_host_state(
            host_name,
            states.HOST_MAINTENANCE,
            f'fleet run {execution_uuid} stopped before its end; {why}; '
            f'nova-compute left disabled',
        )
        self.event(
            execution_uuid,
            f'nova-compute on {host_name} left disabled ({why}); host in '
            f'maintenance.',
            level='warning',
        )


class EnableComputeService(base.MaintenanceTask):
    """Return the host to Nova's pool (unless the run says
    ``reenable: false``) and to ``active``."""

    def execute(
        self, execution_uuid: str, host_name: str, params: dict
    ) -> dict:
        # The last chance to stop before the host takes instances again: a
        # run cancelled (or whose host an admin released) never re-enables.
        self.check_cancel(execution_uuid)
        host = self.dbapi.get_host(host_name)
        if host['state'] == states.HOST_UNMANAGED:
            raise base.StepFailed(
                step=self.step_name,
                reason=f'host {host_name} was handed to a human during the '
                f'run ({host["state_reason"]}); nova-compute stays disabled',
            )
        if not params.get('reenable', True):
            self.update_host_state(
                host_name,
                states.HOST_MAINTENANCE,
                f'drained by fleet run {execution_uuid}; left disabled '
                f'(reenable: false)',
            )
            self.event(
                execution_uuid,
                f'nova-compute on {host_name} left disabled as asked '
                f'(reenable: false); host in maintenance.',
            )
            return {'enabled': False}
        service = self.compute.get_service(host_name)
        ours = disabled_reason(execution_uuid)
        # A reason fleet wrote to hold the host (``fleet: host
        # maintenance``, set by an inventory sync or a state change) is
        # fleet's own too: the run that drained the host returns it.
        if (
            service['status'] != 'enabled'
            and service['disabled_reason'] != ours
            and not capacity.is_held_reason(service['disabled_reason'])
        ):
            # Someone disabled it during the run with a reason of their
            # own (a human who found a fault): theirs, not fleet's to
            # enable.
            why = (
                f'nova-compute on {host_name} was disabled during run '
                f'{execution_uuid} by someone else '
                f'("{service["disabled_reason"]}"); fleet leaves it so'
            )
            self.update_host_state(host_name, states.HOST_MAINTENANCE, why)
            self.event(execution_uuid, why + '.', level='warning')
            return {'enabled': False}
        service = self.compute.enable_service(host_name)
        self.update_host_state(
            host_name, states.HOST_ACTIVE, None, service=service
        )
        self.event(
            execution_uuid,
            f'nova-compute on {host_name} enabled; host active.',
        )
        return {'enabled': True}

    def revert(self, result, *args, **kwargs) -> None:
        # The last step that acts: DisableComputeService's revert decides.
        pass
