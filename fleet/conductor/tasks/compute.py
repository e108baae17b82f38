"""Pre-checks and nova-compute service tasks of the maintenance flow."""

from oslo_log import log

from fleet.common import states
from fleet.conductor.tasks import base

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
    """Check that the enabled, up computes other than the host (or the
    target host) have the free vCPUs and memory its instances need."""

    def execute(
        self, execution_uuid: str, host_name: str, params: dict
    ) -> dict:
        needed_vcpus = needed_memory = 0
        for inst in self.compute.list_instances(host_name):
            needed_vcpus += inst.get('vcpus') or 0
            needed_memory += inst.get('memory_mb') or 0
        target = params.get('target_host')
        free_vcpus = free_memory = 0
        for service in self.compute.list_services():
            name = service['host']
            if name == host_name or (target and name != target):
                continue
            # A target the operator names counts whatever its status:
            # Nova, not this check, decides whether it may take them.
            if not target and (
                service['status'] != 'enabled' or service['state'] != 'up'
            ):
                continue
            cap = self.compute.get_host_capacity(name)
            free_vcpus += max(cap['vcpus'] - cap['vcpus_used'], 0)
            free_memory += max(cap['memory_mb'] - cap['memory_mb_used'], 0)
        summary = {
            'needed_vcpus': needed_vcpus,
            'needed_memory_mb': needed_memory,
            'free_vcpus': free_vcpus,
            'free_memory_mb': free_memory,
        }
        if needed_vcpus > free_vcpus or needed_memory > free_memory:
            raise base.StepFailed(
                step=self.step_name,
                reason=f'not enough capacity on the other enabled computes: '
                f'need {needed_vcpus} vCPUs / {needed_memory} MiB, '
                f'free {free_vcpus} vCPUs / {free_memory} MiB',
            )
        self.event(
            execution_uuid,
            f'Capacity suffices: need {needed_vcpus} vCPUs / '
            f'{needed_memory} MiB, free {free_vcpus} vCPUs / '
            f'{free_memory} MiB.',
            details=summary,
        )
        return summary

    def revert(self, result, *args, **kwargs) -> None:
        pass  # a check changes nothing


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
        self.compute.disable_service(host_name, reason)
        self.update_host_state(
            host_name, states.HOST_DRAINING, f'fleet run {execution_uuid}'
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
            self.compute.enable_service(host_name)
            self.update_host_state(host_name, states.HOST_ACTIVE, None)
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
        if service['status'] != 'enabled' and (
            service['disabled_reason'] != ours
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
        self.compute.enable_service(host_name)
        self.update_host_state(host_name, states.HOST_ACTIVE, None)
        self.event(
            execution_uuid,
            f'nova-compute on {host_name} enabled; host active.',
        )
        return {'enabled': True}

    def revert(self, result, *args, **kwargs) -> None:
        # The last step that acts: DisableComputeService's revert decides.
        pass
