"""What a maintenance run does with an instance, by its state.

fleet reads an instance's Nova ``vm_state`` when its turn comes (it may
change while the run goes on) and follows what Nova allows
(``os-migrateLive``: active, paused; ``migrate``: active, stopped;
``shelveOffload``: shelved; none while a task is in flight):

============================ =================================================
vm_state (API status)        what fleet does
============================ =================================================
active (ACTIVE)              live-migrated; lands ACTIVE
paused (PAUSED)              live-migrated; lands PAUSED
stopped (SHUTOFF)            cold-migrated and confirmed; lands SHUTOFF
suspended (SUSPENDED)        ``suspended_policy``: skip / leave / abort
rescued (RESCUE)             ``rescued_policy``: skip / leave / abort
shelved (SHELVED)            ``shelved_policy``: offload / skip / leave / abort
shelved_offloaded            nothing: it is on no host (recorded)
error (ERROR), any other     ``error_policy``: skip / leave / abort
a task in flight (or a       waited for (``task_wait_timeout``), then as above
user's resize to the host
awaiting confirmation)
============================ =================================================

``skip`` leaves the instance on the host with a record: a ``drain`` run
accepts it, a run that patches or reboots the host fails its drained
check. ``leave`` also leaves it with a record, and the host counts as
drained (the operator accepts that it is patched / rebooted with it).
``abort`` fails the run before any instance moves (see
:class:`CheckInstanceStates`).

:class:`CheckInstanceStates` runs before the host is disabled: it records
the plan and refuses the run if a policy says ``abort``; its revert records
where each instance ended. The moves themselves are in
:mod:`fleet.conductor.tasks.migration`.

Usage::

    state = instance_states.vm_state(inst)
    action = instance_states.state_policy(params, state)
"""

from oslo_config import cfg
from oslo_log import log

from fleet.common import exception
from fleet.conductor.tasks import base

CONF = cfg.CONF
LOG = log.getLogger(__name__)

OFFLOAD = 'offload'
#: Policies of the states fleet cannot move the way Nova moves a running
#: instance: option of [maintenance] and key of the run's state_policies.
POLICY_OPTIONS = {
    'suspended': 'suspended_policy',
    'rescued': 'rescued_policy',
    'shelved': 'shelved_policy',
    'error': 'error_policy',
}
SKIP = 'skip'
LEAVE = 'leave'
ABORT = 'abort'
#: vm_state from Nova's API status, for drivers that give only the status.
_VM_STATE_OF_STATUS = {
    'ACTIVE': 'active',
    'PAUSED': 'paused',
    'SHUTOFF': 'stopped',
    'SUSPENDED': 'suspended',
    'RESCUE': 'rescued',
    'SHELVED': 'shelved',
    'SHELVED_OFFLOADED': 'shelved_offloaded',
    'ERROR': 'error',
    'VERIFY_RESIZE': 'resized',
    'SOFT_DELETED': 'soft-delete',
    'DELETED': 'deleted',
    'BUILD': 'building',
}


class InstanceRefused(exception.FleetException):
    """An instance's state policy says ``abort``: the run must not go on
    (never retried)."""

    _msg_fmt = (
        'Instance %(instance)s is %(state)s and the run\'s policy for '
        '%(state)s instances is "abort"'
    )


def vm_state(inst: dict) -> str:
    """Nova's vm_state of ``inst``; derived from its status if the driver
    does not give it."""
    return inst.get('vm_state') or _VM_STATE_OF_STATUS.get(
        inst.get('status'), 'error'
    )


def state_policy(params: dict, state: str) -> str:
    """What to do with an instance in vm_state ``state``: ``live``,
    ``cold``, ``none`` (on no host), or the policy of the run
    (``state_policies``) or of ``[maintenance]`` (offload / skip / leave /
    abort). A state fleet does not know follows the ``error`` policy."""
    if state in ('active', 'paused'):
        return 'live'
    if state == 'stopped':
        return 'cold'
    if state == 'shelved_offloaded':
        return 'none'
    key = state if state in POLICY_OPTIONS else 'error'
    chosen = (params.get('state_policies') or {}).get(key)
    return chosen or getattr(CONF.maintenance, POLICY_OPTIONS[key])


def busy_on(inst: dict, host_name: str) -> bool:
    """Whether ``inst`` has an action in flight: a task, or a resize to
    ``host_name`` awaiting its owner's confirmation (its own resize away
    from the host is the run's, confirmed by WaitForMigration)."""
    return bool(inst.get('task_state')) or (
        vm_state(inst) == 'resized' and inst.get('host') == host_name
    )


class CheckInstanceStates(base.MaintenanceTask):
    """Before anything moves: refuse the run if an instance's state policy
    says ``abort``, and record what will happen to each instance. On
    revert (a failed or cancelled run), record where each one is."""

    def __init__(self, instance_uuids: list[str], **kwargs):
        self.instance_uuids = list(instance_uuids)
        super().__init__(**kwargs)

    def execute(
        self, execution_uuid: str, host_name: str, params: dict
    ) -> dict:
        self.check_cancel(execution_uuid)
        planned = set(self.instance_uuids)
        plan = {}
        refused = []
        for inst in self.compute.list_instances(host_name):
            if inst['uuid'] not in planned:
                continue
            state = vm_state(inst)
            if busy_on(inst, host_name):
                # Its state once the action ends is what counts.
                action = 'wait for ' + (
                    inst.get('task_state') or 'resize confirmation'
                )
            else:
                action = state_policy(params, state)
            plan[inst['uuid']] = action
            if action == ABORT:
                refused.append(f'{inst.get("name")} ({inst["uuid"]}, {state})')
        if refused:
            raise base.StepFailed(
                step=self.step_name,
                reason='the state policy says "abort" for '
                + ', '.join(refused[:10])
                + (' and more' if len(refused) > 10 else ''),
            )
        counts = {}
        for action in plan.values():
            counts[action] = counts.get(action, 0) + 1
        self.event(
            execution_uuid,
            'Instance plan: '
            + (
                ', '.join(f'{n} {a}' for a, n in sorted(counts.items()))
                or 'nothing to move'
            )
            + '.',
            details={'plan': plan},
        )
        return plan

    def revert(self, result, execution_uuid: str, *args, **kwargs) -> None:
        # Everything after this task has reverted (migrations aborted or
        # finished): record each instance's final place.
        places = {}
        for uuid in self.instance_uuids:
            try:
                inst = self.compute.get_instance(uuid)
            except exception.InstanceNotFound:
                places[uuid] = None
                continue
            except Exception:
                LOG.exception('Run %s: cannot read %s.', execution_uuid, uuid)
                continue
            places[uuid] = inst.get('host')
            self.progress(
                execution_uuid,
                'instances',
                uuid,
                host=inst.get('host'),
                status=inst.get('status'),
            )
        if places:
            self.event(
                execution_uuid,
                'Where the instances are: '
                + ', '.join(
                    f'{u} on {h or "no host"}' for u, h in places.items()
                )
                + '.',
                details={'places': places},
            )
