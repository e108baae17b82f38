"""Patch / reboot through an executor driver, then verify the host.

Neither step is undone by a revert: a host whose patch or verification
failed is never re-enabled, it is handed to a human (``unmanaged``, with
the reason) and its nova-compute stays disabled.
"""

import datetime
import time

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils

from fleet.common import actions
from fleet.common import exception
from fleet.common import states
from fleet.conductor.tasks import base
from fleet.conductor.tasks import compute
from fleet.drivers import factory

CONF = cfg.CONF
LOG = log.getLogger(__name__)


def _hand_to_human(task, execution_uuid, host_name, result) -> None:
    """Leave the host's nova-compute disabled with fleet's reason and hand
    the host to a human (``unmanaged``) with the reason; a host already
    handed to a human (e.g. force-released by an admin) keeps its reason.
    """
    reason = (
        f'fleet run {execution_uuid}: {task.step_name} failed '
        f'({result.exception_str}); nova-compute left disabled, '
        f'a human is needed'
    )
    try:
        # Disabled since DisableComputeService; made sure of, with the
        # run's own reason, so that nothing re-enables it but a human.
        service = task.compute.get_service(host_name)
        if service['status'] == 'enabled':
            task.compute.disable_service(
                host_name, compute.disabled_reason(execution_uuid)
            )
    except Exception:
        LOG.exception(
            'Run %s: cannot check nova-compute on %s.',
            execution_uuid,
            host_name,
        )
    task.update_host_state(
        host_name, states.HOST_UNMANAGED, reason, keep=(states.HOST_UNMANAGED,)
    )
    task.event(
        execution_uuid,
        f'Host {host_name} handed to a human: {reason}.',
        level='error',
    )


class RunExecutor(base.MaintenanceTask):
    """Run the patch / reboot action on the drained host, with its output
    in the run's history.

    **The action must be idempotent.** TaskFlow persists a step's result
    only when it ends: a conductor that dies (SIGKILL, a crash, a reboot
    of its machine) while the executor runs leaves the step ``RUNNING``
    in the logbook, and the conductor that resumes the run runs the whole
    action again from its start, on a host that may be half-patched or
    already patched and rebooted. Playbooks and commands must therefore
    converge to the same end state when run twice (``dnf -y update``, an
    Ansible ``package: state=latest``, a reboot guarded by a "needs
    reboot" check), never assume a fresh host, and not fail on work
    already done.
    """

    def execute(
        self, execution_uuid: str, host_name: str, params: dict
    ) -> dict:
        self.check_cancel(execution_uuid)
        executor = factory.get_executor(params.get('executor'))
        host = self.dbapi.get_host(host_name)
        timeout = params.get('executor_timeout') or (
            CONF.maintenance.executor_timeout
        )
        arguments = self._arguments(params, host)
        action = params.get('action')
        self.event(
            execution_uuid,
            (f'Running action {action} with' if action else 'Running')
            + f' executor {executor.name} on {host_name}.',
        )
        began = time.monotonic()
        result = executor.run(host, arguments, timeout)
        seconds = round(time.monotonic() - began, 1)
        output = result.output or ''
        if len(output) > base.MAX_OUTPUT:
            output = '[...]\n' + output[-base.MAX_OUTPUT :]
        details = dict(result.details or {}, seconds=seconds, output=output)
        facts = (result.details or {}).get('facts')
        if facts:
            self.dbapi.update_host(
                host['uuid'], {'facts': dict(host['facts'], **facts)}
            )
        self.event(
            execution_uuid,
            f'Executor {executor.name} '
            f'{"succeeded" if result.ok else "FAILED"} in {seconds} s.',
            level='info' if result.ok else 'error',
            details=details,
        )
        if not result.ok:
            raise base.StepFailed(
                step=self.step_name,
                reason=f'executor {executor.name}: '
                + (output.strip().splitlines() or ['no output'])[-1][:500],
            )
        return {'ok': True, 'seconds': seconds}

    def _arguments(self, params: dict, host: dict) -> dict:
        """The driver's arguments: the catalogued action the run
        recorded, filled in for ``host``; never arguments a request gave.

        :raises: StepFailed for a run recorded with ad-hoc arguments
            (before the catalog) or an action that cannot be filled in.
        """
        definition = params.get('action_definition')
        if definition:
            try:
                return actions.driver_arguments(
                    definition, params.get('action_parameters'), host
                )
            except exception.Invalid as e:
                raise base.StepFailed(
                    step=self.step_name,
                    reason=f'action {params.get("action")}: {e}',
                ) from e
        if params.get('executor_args'):
            raise base.StepFailed(
                step=self.step_name,
                reason='the run was recorded with ad-hoc executor '
                'arguments, which fleet no longer runs; start a new run '
                'naming a catalogued action',
            )
        return {}

    def revert(
        self, result, execution_uuid: str, host_name: str, *args, **kwargs
    ) -> None:
        if not base.is_failure(result):
            return  # a later step failed; it says what to do
        if result.check(base.ExecutionCancelled):
            return  # cancelled before it ran: the host was not touched
        try:
            _hand_to_human(self, execution_uuid, host_name, result)
        except Exception:
            LOG.exception(
                'Run %s: revert of %s failed.', execution_uuid, self.step_name
            )


def _parse_time(value) -> datetime.datetime | None:
    """A timestamp of Nova or of the run's progress as a naive UTC
    datetime, or None if absent or unreadable."""
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        try:
            parsed = timeutils.parse_isotime(str(value))
        except ValueError:
            return None
    return timeutils.normalize_time(parsed)


#: _reboot_expected(): the step rebooted the host for sure / it may have.
REBOOT_CERTAIN = 'certain'
REBOOT_POSSIBLE = 'possible'


def _reboot_expected(params: dict, executor_details: dict) -> str | None:
    """Whether the executor step was to reboot the host.

    :returns: REBOOT_CERTAIN if the executor says it rebooted
        (``rebooted`` in its result) or the run's action is the catalog's
        ``reboot``; REBOOT_POSSIBLE if the run only allowed a reboot (a
        ``reboot`` action parameter, e.g. dnf-update's "reboot when the
        update needs it", or ``reboot`` in a pre-catalog run's executor
        arguments); None otherwise.
    """
    if executor_details.get('rebooted') or params.get('action') == 'reboot':
        return REBOOT_CERTAIN
    values = params.get('action_parameters') or {}
    args = params.get('executor_args') or {}
    extra = args.get('extra_vars') or {}
    if values.get('reboot') or args.get('reboot') or extra.get('reboot'):
        return REBOOT_POSSIBLE
    return None


class VerifyHost(base.MaintenanceTask):
    """Prove the host came back after the executor step.

    * nova-compute must report a heartbeat (``updated_at`` of its
      os-services record) **newer than the end of the executor step**:
      newer than the heartbeat read when this step began, right after the
      executor step ended. Nova's ``up`` alone proves nothing: a service
      stays ``up`` for ``service_down_time`` after its last heartbeat, so
      a host whose nova-compute died during the patch looks up for a
      minute. Comparing Nova's own timestamps with each other also keeps
      clocks of fleet and of the cloud out of it.
    * If the step rebooted the host, the restart must show where there is
      evidence of it: the host's ``boot_time`` fact (reported by the
      executor) newer than the step's start, or the service seen down.
      Without either, the history says that no evidence was available.
    * The facts the run expects (``expected_facts``) must be reported.

    All within ``[maintenance] verify_timeout``; otherwise the run fails,
    nova-compute stays disabled with fleet's reason and the host is handed
    to a human (see the revert).
    """

    def execute(
        self, execution_uuid: str, host_name: str, params: dict
    ) -> dict:
        timeout = CONF.maintenance.verify_timeout
        deadline = time.monotonic() + timeout
        step = self._executor_step(execution_uuid)
        first = self.compute.get_service(host_name)
        baseline = _parse_time(first.get('updated_at'))
        seen_down = first['state'] == 'down'
        self.event(
            execution_uuid,
            f'Waiting up to {timeout} s for a heartbeat of nova-compute on '
            f'{host_name} newer than '
            f'{baseline.isoformat() if baseline else "none yet"} (executor '
            f'step ended {step.get("finished_at") or "?"}).',
        )
        while True:
            service = self.compute.get_service(host_name)
            beat = _parse_time(service.get('updated_at'))
            seen_down = seen_down or service['state'] == 'down'
            fresh = beat is not None and (baseline is None or beat > baseline)
            if fresh and service['state'] == 'up':
                break
            if time.monotonic() > deadline:
                raise base.StepFailed(
                    step=self.step_name,
                    reason=f'nova-compute on {host_name} sent no heartbeat '
                    f'after the executor step within {timeout} s (last '
                    f'heartbeat {beat.isoformat() if beat else "never"}, '
                    f'state '
                    f'{service["state"]}): the host did not come back',
                )
            base.sleep(CONF.maintenance.poll_interval)
        restart = self._check_restart(
            execution_uuid, host_name, params, step, seen_down
        )
        expected = params.get('expected_facts') or {}
        facts = self.dbapi.get_host(host_name)['facts']
        wrong = {
            k: {'expected': v, 'found': facts.get(k)}
            for k, v in expected.items()
            if facts.get(k) != v
        }
        if wrong:
            raise base.StepFailed(
                step=self.step_name,
                reason='facts differ from what the run expects: '
                + ', '.join(
                    f'{k}={w["found"]!r} (expected {w["expected"]!r})'
                    for k, w in sorted(wrong.items())
                ),
            )
        self.event(
            execution_uuid,
            f'Host {host_name} verified: nova-compute up with a heartbeat '
            f'at {beat.isoformat()} after the executor step'
            + (f'; {restart}' if restart else '')
            + (
                f', facts {sorted(expected)} as expected.' if expected else '.'
            ),
        )
        return {
            'service_state': service['state'],
            'heartbeat': beat.isoformat(),
            'restart': restart,
        }

    def _executor_step(self, execution_uuid: str) -> dict:
        """The executor step's progress record (started_at, finished_at)
        and result details, as far as recorded."""
        execution = self.dbapi.get_execution(execution_uuid)
        steps = (execution['progress'] or {}).get('steps') or {}
        step = dict(steps.get('RunExecutor') or {})
        details = {}
        for event in self.dbapi.list_execution_events(execution_uuid):
            if event['step'] == 'RunExecutor' and event['details']:
                details = event['details']
        step['details'] = details
        return step

    def _check_restart(
        self, execution_uuid, host_name, params, step, seen_down
    ) -> str | None:
        """:returns: what shows the restart, or None if none was asked.
        :raises: StepFailed if the step was certain to reboot the host and
            its ``boot_time`` fact says it did not."""
        expected = _reboot_expected(params, step['details'])
        if expected is None:
            return None
        started = _parse_time(step.get('started_at'))
        facts = self.dbapi.get_host(host_name)['facts'] or {}
        booted = _parse_time(facts.get('boot_time'))
        if booted is not None and started is not None:
            if booted > started:
                return f'rebooted at {booted.isoformat()}'
            if expected == REBOOT_CERTAIN:
                raise base.StepFailed(
                    step=self.step_name,
                    reason=f'the executor step was to reboot {host_name} '
                    f'but it last booted at {booted.isoformat()}, before '
                    f'the step began ({started.isoformat()})',
                )
            return f'not rebooted (last boot {booted.isoformat()})'
        if seen_down:
            return 'nova-compute was seen down, then back up'
        self.event(
            execution_uuid,
            f'The executor step may have rebooted {host_name}: no evidence '
            f'of a restart is available (no boot_time fact, nova-compute '
            f'not seen down); only the fresh heartbeat is checked.',
            level='warning' if expected == REBOOT_CERTAIN else 'info',
        )
        return 'restart not observable'

    def revert(
        self, result, execution_uuid: str, host_name: str, *args, **kwargs
    ) -> None:
        if not base.is_failure(result):
            return
        try:
            _hand_to_human(self, execution_uuid, host_name, result)
        except Exception:
            LOG.exception(
                'Run %s: revert of %s failed.', execution_uuid, self.step_name
            )
