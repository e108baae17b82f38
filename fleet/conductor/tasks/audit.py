"""Re-audit the host after its patch: a run is judged by what the host
*is* afterwards, not by the executor's exit code.

``ReauditHost`` gathers the host's facts again (the executor step may
have changed them), audits it, and fails the run if a rule the run was
started for (``params['reaudit']``: ``{'profile', 'rules'}``, set by a
runbook acting on an ``audit`` alert) still does not pass. Its revert,
like the executor's, never re-enables the host: it hands it to a human
(``unmanaged``, the failing rule as the reason) with nova-compute left
disabled.
"""

from oslo_log import log

from fleet.audits import auditor
from fleet.audits import facts as audit_facts
from fleet.common import context as fleet_context
from fleet.common import states
from fleet.conductor.tasks import base

LOG = log.getLogger(__name__)


class ReauditHost(base.MaintenanceTask):
    """Gather the host's facts, audit it, fail if the rule still fails."""

    def execute(
        self, execution_uuid: str, host_name: str, params: dict
    ) -> dict:
        self.check_cancel(execution_uuid)
        dbapi = self.dbapi
        host = dbapi.get_host(host_name)
        gathered = audit_facts.gather_host(host, dbapi)
        wanted = params.get('reaudit') or {}
        if gathered['stored'] is None:
            message = (
                f'Facts of {host_name} could not be gathered: '
                + '; '.join(f'{k}: {v}' for k, v in gathered['errors'].items())
            )
            if wanted:
                raise base.StepFailed(step=self.step_name, reason=message)
            self.event(execution_uuid, message + '.', level='warning')
            return {'audited': False}
        profile = wanted.get('profile')
        summary = auditor.audit(
            dbapi,
            hosts=[dbapi.get_host(host_name)],
            profile_names=[profile] if profile else None,
            context=fleet_context.get_admin_context(),
            # The host is held by this run: no runbook acts on it now.
            act=False,
        )
        changes = summary['changes']
        self.event(
            execution_uuid,
            f'Host {host_name} re-audited'
            + (f' against profile {profile}' if profile else '')
            + ': '
            + (
                ', '.join(
                    f'{c["profile"]}/{c["rule"]} {c["old"]} -> {c["new"]}'
                    for c in changes
                )
                or 'no result changed'
            )
            + '.',
            details={'profiles': summary['profiles']},
        )
        if wanted:
            still = auditor.failing(
                dbapi, host['uuid'], profile, wanted.get('rules')
            )
            if still:
                raise base.StepFailed(
                    step=self.step_name,
                    reason='; '.join(
                        f'audit rule {f["profile_name"]}/{f["rule"]} still '
                        f'{f["result"]}s: {f["message"]}'
                        for f in still
                    ),
                )
            self._resolve_cause(execution_uuid)
        return {'audited': True, 'changes': len(changes)}

    def _resolve_cause(self, execution_uuid: str) -> None:
        """The run fixed the audit alert it was started for: resolve the
        alert that asked for that audit too (best effort)."""
        try:
            execution = self.dbapi.get_execution(execution_uuid)
            alert_uuid = (execution['requested_by'] or {}).get('alert_uuid')
            if not alert_uuid:
                return
            alert = auditor.resolve_cause(
                self.dbapi,
                alert_uuid,
                execution_uuid,
                fleet_context.get_admin_context(),
            )
            if alert is not None:
                self.event(
                    execution_uuid,
                    f'Alert {alert["name"]} ({alert["uuid"]}) that led to '
                    f'the audit resolved.',
                )
        except Exception:
            LOG.exception('Run %s: cannot resolve its cause.', execution_uuid)

    def revert(
        self, result, execution_uuid: str, host_name: str, *args, **kwargs
    ) -> None:
        if not base.is_failure(result):
            return
        if result.check(base.ExecutionCancelled):
            return
        try:
            reason = (
                f'fleet run {execution_uuid}: {self.step_name} failed '
                f'({result.exception_str}); nova-compute left disabled, '
                f'a human is needed'
            )
            self.update_host_state(host_name, states.HOST_UNMANAGED, reason)
            self.event(
                execution_uuid,
                f'Host {host_name} handed to a human: {reason}.',
                level='error',
            )
        except Exception:
            LOG.exception(
                'Run %s: revert of %s failed.', execution_uuid, self.step_name
            )
