"""Patch / reboot through an executor driver, then verify the host.

Neither step is undone by a revert: a host whose patch or verification
failed is never re-enabled, it is handed to a human (``unmanaged``, with
the reason) and its nova-compute stays disabled.
"""

import time

from oslo_config import cfg
from oslo_log import log

from fleet.common import actions
from fleet.common import exception
from fleet.common import states
from fleet.conductor.tasks import base
from fleet.drivers import factory

CONF = cfg.CONF
LOG = log.getLogger(__name__)


def _hand_to_human(task, execution_uuid, host_name, result) -> None:
    reason = (
        f'fleet run {execution_uuid}: {task.step_name} failed '
        f'({result.exception_str}); nova-compute left disabled, '
        f'a human is needed'
    )
    task.update_host_state(host_name, states.HOST_UNMANAGED, reason)
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


class VerifyHost(base.MaintenanceTask):
    """Check the host is back: nova-compute up, and the facts the run
    expects (e.g. a kernel version) reported."""

    def execute(
        self, execution_uuid: str, host_name: str, params: dict
    ) -> dict:
        deadline = time.monotonic() + CONF.maintenance.verify_timeout
        while True:
            service = self.compute.get_service(host_name)
            if service['state'] == 'up':
                break
            if time.monotonic() > deadline:
                raise base.StepFailed(
                    step=self.step_name,
                    reason=f'nova-compute on {host_name} is not up after '
                    f'{CONF.maintenance.verify_timeout} s',
                )
            base.sleep(CONF.maintenance.poll_interval)
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
            f'Host {host_name} verified: nova-compute up'
            + (
                f', facts {sorted(expected)} as expected.' if expected else '.'
            ),
        )
        return {'service_state': service['state']}

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
