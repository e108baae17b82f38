"""Flow factories of maintenance runs: compose tasks, nothing else.

Kinds:

* ``drain``: pre-checks, disable nova-compute, move every instance away,
  then re-enable (``reenable``, default true) or leave the host in
  ``maintenance`` (``reenable: false``) for work by hand.
* ``drain_patch_reboot``: as ``drain``, plus the executor step (patch /
  reboot), a verification of the host and a re-audit of its facts
  (``params['reaudit']`` names the rules that must pass) before it is
  re-enabled.

Before anything moves, ``CheckInstanceStates`` (side by side with the
capacity check) refuses the run if a state policy says ``abort`` (see
:mod:`fleet.conductor.tasks.instance_states` for what each instance state
gets); its revert records where every instance ended.

Migrations run in ``max_parallel`` lanes: each lane moves its instances
one after the other, the lanes run side by side on a thread pool of the
same size, so no more than ``max_parallel`` migrations are ever in flight
(a single pool of per-instance tasks could start every migration before
waiting for any).

Usage::

    flow = get_maintenance_flow(execution_uuid, 'drain', instance_uuids,
                                params)
    store = {'execution_uuid': ..., 'host_name': ..., 'params': params}
"""

from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow

from fleet.conductor.tasks import audit
from fleet.conductor.tasks import compute
from fleet.conductor.tasks import executor
from fleet.conductor.tasks import instance_states
from fleet.conductor.tasks import lifecycle
from fleet.conductor.tasks import migration

KIND_DRAIN = 'drain'
KIND_DRAIN_PATCH_REBOOT = 'drain_patch_reboot'
KINDS = (KIND_DRAIN, KIND_DRAIN_PATCH_REBOOT)


def lanes(instance_uuids: list[str], max_parallel: int) -> list[list[str]]:
    """Split instances round-robin into at most ``max_parallel`` lanes."""
    count = max(1, min(max_parallel, len(instance_uuids)))
    return [instance_uuids[i::count] for i in range(count)]


def get_instance_migration_subflow(
    instance_uuid: str, params: dict
) -> linear_flow.Flow:
    """Move one instance: start, then wait and verify, under the retry
    that applies the run's per-instance failure policy."""
    _live, total = migration.attempts_for(params)
    flow = linear_flow.Flow(
        f'migrate-{instance_uuid}',
        retry=migration.InstanceMigrationRetry(
            name=f'InstanceMigrationRetry-{instance_uuid}',
            attempts=total,
            revert_all=True,
            provides=f'attempt_{instance_uuid}',
        ),
    )
    flow.add(
        migration.LiveMigrateInstance(
            instance_uuid,
            provides=f'started_{instance_uuid}',
            rebind={'attempt': f'attempt_{instance_uuid}'},
        ),
        migration.WaitForMigration(
            instance_uuid,
            provides=f'migrated_{instance_uuid}',
            rebind={'started': f'started_{instance_uuid}'},
        ),
    )
    return flow


def get_migrate_instances_flow(
    instance_uuids: list[str], params: dict
) -> unordered_flow.Flow:
    """Every instance of the host, in ``max_parallel`` lanes."""
    flow = unordered_flow.Flow('migrate-instances')
    for number, lane in enumerate(
        lanes(instance_uuids, int(params.get('max_parallel') or 1))
    ):
        lane_flow = linear_flow.Flow(f'migration-lane-{number}')
        for uuid in lane:
            lane_flow.add(get_instance_migration_subflow(uuid, params))
        flow.add(lane_flow)
    return flow


def get_maintenance_flow(
    execution_uuid: str,
    kind: str,
    instance_uuids: list[str],
    params: dict,
) -> linear_flow.Flow:
    """The whole run. Arguments are JSON-safe: TaskFlow saves them with
    the flow so a restarted conductor rebuilds the very same flow.

    :param instance_uuids: the instances on the host when the run began.
    :param params: the run's parameters (``max_parallel``,
        ``on_instance_failure``, ``reenable``, ``executor``, ...).
    :requires: ``execution_uuid``, ``host_name``, ``params`` in the store.
    """
    if kind not in KINDS:
        raise ValueError(f'unknown maintenance kind {kind!r}')
    flow = linear_flow.Flow(f'maintenance-{execution_uuid}')
    # The lifecycle task comes first: its revert closes a failed run.
    flow.add(
        lifecycle.MarkExecutionRunning(),
        compute.CheckHostManaged(),
    )
    # The capacity check and the instance states read Nova independently
    # of each other: side by side (a failure of either reverts both), and
    # both before the service is disabled, so a run they refuse changes
    # nothing.
    checks = unordered_flow.Flow('pre-checks')
    checks.add(compute.CheckCapacity(provides='capacity'))
    if instance_uuids:
        checks.add(
            instance_states.CheckInstanceStates(
                instance_uuids, provides='instance_plan'
            )
        )
    flow.add(checks)
    flow.add(compute.DisableComputeService(provides='service_disabled'))
    if instance_uuids:
        flow.add(get_migrate_instances_flow(instance_uuids, params))
    flow.add(
        migration.VerifyHostDrained(provides='drained'),
        lifecycle.MarkHostMaintenance(),
    )
    if kind == KIND_DRAIN_PATCH_REBOOT:
        flow.add(
            executor.RunExecutor(provides='executor_result'),
            executor.VerifyHost(provides='host_verified'),
            # After the executor and its verification: gather the facts
            # again and judge the run by re-auditing the host.
            audit.ReauditHost(provides='reaudit'),
        )
    flow.add(
        compute.EnableComputeService(provides='service_enabled'),
        lifecycle.MarkExecutionSucceeded(),
    )
    return flow
