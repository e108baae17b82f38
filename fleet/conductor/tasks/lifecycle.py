"""Tasks that open and close a run and move its host between states.

``MarkExecutionRunning`` comes first in every maintenance flow: its revert
is the last thing a failed or cancelled run does, so it records the run's
final state and releases the host. Both go through
:mod:`fleet.common.executions`, the one owner of the run's lifecycle.
"""

from oslo_log import log

from fleet.common import executions
from fleet.common import states
from fleet.conductor.tasks import base

LOG = log.getLogger(__name__)


class MarkExecutionRunning(base.MaintenanceTask):
    """Move the run to ``running``; on revert, to ``failed``/``cancelled``
    (and release the host in the same transaction)."""

    def execute(self, execution_uuid: str) -> None:
        # A resumed run is already "running"; one cancelled before it
        # started is "cancelling" and stays so until check_cancel below
        # reverts it. A run that has ended (e.g. its host was released by
        # an admin) raises InvalidState: nothing of it runs.
        executions.mark_running(self.dbapi, execution_uuid, self.step_name)
        self.event(execution_uuid, 'Run started.')
        self.check_cancel(execution_uuid)

    def revert(self, result, execution_uuid: str, *args, **kwargs) -> None:
        try:
            execution = self.dbapi.get_execution(execution_uuid)
            if execution['state'] in states.EXEC_FINAL_STATES:
                return
            cancelled = execution['cancel_requested']
            host_note = ''
            if execution['host_uuid']:
                host = self.dbapi.get_host(execution['host_uuid'])
                host_note = f' Host {host["name"]} is {host["state"]}' + (
                    f' ({host["state_reason"]}).'
                    if host['state_reason']
                    else '.'
                )
            reason = execution['result'] or (
                'cancelled by request' if cancelled else 'a step failed'
            )
            executions.finish(
                self.dbapi,
                execution_uuid,
                states.EV_CANCEL if cancelled else states.EV_FAIL,
                reason,
                note=host_note,
                step=self.step_name,
            )
        except Exception:
            LOG.exception('Run %s: cannot record its end.', execution_uuid)


class MarkHostMaintenance(base.MaintenanceTask):
    """The host is empty (or only skipped instances are left): it is now
    out of production, in ``maintenance``."""

    def execute(self, execution_uuid: str, host_name: str) -> None:
        self.update_host_state(
            host_name,
            states.HOST_MAINTENANCE,
            f'drained by fleet run {execution_uuid}',
        )
        self.event(execution_uuid, f'Host {host_name} is in maintenance.')

    def revert(self, result, *args, **kwargs) -> None:
        # DisableComputeService's revert decides the host's final state.
        pass


class MarkExecutionSucceeded(base.MaintenanceTask):
    """Close the run as ``succeeded`` and release the host (one
    transaction)."""

    def execute(self, execution_uuid: str) -> None:
        execution = self.dbapi.get_execution(execution_uuid)
        instances = (execution['progress'] or {}).get('instances') or {}
        moved = sum(
            1
            for i in instances.values()
            if i.get('state') in ('migrated', 'already_moved')
        )
        skipped = sum(
            1 for i in instances.values() if i.get('state') == 'skipped'
        )
        result = f'{moved} of {len(instances)} instances moved'
        if skipped:
            result += f', {skipped} skipped (left on the host)'
        # InvalidState if the run was ended meanwhile (its host released
        # by an admin): the flow then reverts, and the host stays with the
        # human it was handed to.
        executions.finish(
            self.dbapi,
            execution_uuid,
            states.EV_SUCCEED,
            result,
            step=self.step_name,
        )

    def revert(self, result, *args, **kwargs) -> None:
        # Nothing follows it: it is only reverted if it failed itself, and
        # MarkExecutionRunning's revert then records the run's end.
        pass
