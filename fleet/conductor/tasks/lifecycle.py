"""Tasks that open and close a run and move its host between states.

``MarkExecutionRunning`` comes first in every maintenance flow: its revert
is the last thing a failed or cancelled run does, so it records the run's
final state and releases the host.
"""

from oslo_log import log
from oslo_utils import timeutils

from fleet.common import states
from fleet.conductor.tasks import base

LOG = log.getLogger(__name__)


class MarkExecutionRunning(base.MaintenanceTask):
    """Move the run to ``running``; on revert, to ``failed``/``cancelled``."""

    def execute(self, execution_uuid: str) -> None:
        execution = self.dbapi.get_execution(execution_uuid)
        values = {'current_step': self.step_name}
        # A resumed run is already "running"; one cancelled before it
        # started is "cancelling" and stays so until check_cancel below
        # reverts it.
        if execution['state'] != states.EXEC_CANCELLING:
            values['state'] = states.EXEC_RUNNING
        if execution['started_at'] is None:
            values['started_at'] = timeutils.utcnow()
        self.dbapi.update_execution(
            execution_uuid,
            values,
            expected_states=(
                states.EXEC_PENDING,
                states.EXEC_RUNNING,
                states.EXEC_CANCELLING,
            ),
        )
        self.event(execution_uuid, 'Run started.')
        self.check_cancel(execution_uuid)

    def revert(self, result, execution_uuid: str, *args, **kwargs) -> None:
        try:
            execution = self.dbapi.get_execution(execution_uuid)
            if execution['state'] in states.EXEC_FINAL_STATES:
                return
            cancelled = execution['cancel_requested']
            state = states.EXEC_CANCELLED if cancelled else states.EXEC_FAILED
            host_uuid = execution['host_uuid']
            host_note = ''
            if host_uuid:
                host = self.dbapi.get_host(host_uuid)
                host_note = f' Host {host["name"]} is {host["state"]}' + (
                    f' ({host["state_reason"]}).'
                    if host['state_reason']
                    else '.'
                )
            reason = execution['result'] or (
                'cancelled by request' if cancelled else 'a step failed'
            )
            self.dbapi.update_execution(
                execution_uuid,
                {
                    'state': state,
                    'result': reason,
                    'current_step': None,
                    'finished_at': timeutils.utcnow(),
                },
            )
            if host_uuid:
                self.dbapi.release_host(host_uuid, execution_uuid)
            self.event(
                execution_uuid,
                f'Run {state}: {reason}.{host_note}',
                level='warning' if cancelled else 'error',
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
    """Close the run as ``succeeded`` and release the host."""

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
        self.dbapi.update_execution(
            execution_uuid,
            {
                'state': states.EXEC_SUCCEEDED,
                'result': result,
                'current_step': None,
                'finished_at': timeutils.utcnow(),
            },
        )
        if execution['host_uuid']:
            self.dbapi.release_host(execution['host_uuid'], execution_uuid)
        self.event(execution_uuid, f'Run succeeded: {result}.')

    def revert(self, result, *args, **kwargs) -> None:
        # Nothing follows it: it is only reverted if it failed itself, and
        # MarkExecutionRunning's revert then records the run's end.
        pass
