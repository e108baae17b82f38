"""Runbooks: match an alert, decide, act.

A runbook (data, see :mod:`fleet.api.schemas.runbook`)::

    {"name": "memory-errors-drain",
     "match": {"alert_name": "HostMemoryErrorsCorrectable",
               "severity": ["warning"], "labels": {"team": "compute"},
               "host_kind": "compute"},
     "threshold": {"count": 3, "window": 3600},  # 3 occurrences in 1 h
     "cooldown": 86400,                           # per host
     "remediation": {"action": "maintenance", "kind": "drain",
                     "parameters": {"max_parallel": 2}},
     "approval": "admin",                         # or "automatic"
     "limits": {"max_hosts": 1, "per": "availability_zone"}}

``limits.max_hosts`` bounds the runbook's own runs admitted at once (in
one ``per`` domain): the run records it (``parameters.runbook_limit``)
and the one admission point (:mod:`fleet.common.budget`) enforces it
atomically with the disruption budgets; a run beyond it is recorded and
waits, its reason visible, until one of the runbook's runs ends.

Audit findings are alerts too (source ``audit``, name ``AuditFailed``,
labels ``profile`` and ``rule``, see :mod:`fleet.audits.auditor`); a
runbook matches them with ``"match": {"audit": {"profile": "el9",
"rule": ["kernel-patch-level"]}}``, and its run is then judged by
re-auditing the host (the run's ``reaudit``). A remediation ``{"action":
"audit", "profiles": [...]}`` instead gathers the host's facts and
audits it: an alert (an error log, say) can lead to an audit, whose
failing rules raise the alerts that other runbooks fix.

A compute that is down cannot be drained (Nova refuses to live-migrate
off it): a NovaComputeDown runbook hands the host over instead,
``"remediation": {"action": "handoff", "owner": "compute-oncall"}``.
Defaults of what a runbook leaves out: threshold 1 occurrence in 3600 s,
no cooldown, no limits, approval automatic (see doc/source/admin/
alerts.rst, "Defaults").

For a new occurrence of a firing alert each enabled runbook that matches
is planned (:func:`plan`) then, if the plan acts, carried out
(:func:`act`): a maintenance run through
:func:`fleet.common.executions.create` (the path of ``POST
/v1/executions``; ``awaiting approval`` when the runbook needs an admin),
or a hand-off (the host becomes ``unmanaged`` with a reason and owner).
Every decision that acts, or is held back by a limit or a busy host, is
recorded as a runbook action and in the alert's history.
"""

import datetime

from oslo_log import log
from oslo_utils import timeutils

from fleet.alerts import states as alert_states
from fleet.common import budget
from fleet.common import exception
from fleet.common import executions
from fleet.common import states
from fleet.db import api as db_api

LOG = log.getLogger(__name__)

ACTION_EXECUTION = 'execution'
ACTION_HANDOFF = 'handoff'
ACTION_AUDIT = 'audit'
#: Actions the cooldown counts.
ACTING = (ACTION_EXECUTION, ACTION_HANDOFF, ACTION_AUDIT)
#: The source of the alerts of audit findings (fleet.audits.auditor).
AUDIT_SOURCE = 'audit'


def to_api(runbook):
    """A runbook row as data (what the API shows and a catalog holds)."""
    return {
        'uuid': runbook['uuid'],
        'name': runbook['name'],
        'description': runbook['description'],
        'enabled': runbook['enabled'],
        'match': runbook['match'],
        'threshold': {
            'count': runbook['threshold_count'],
            'window': runbook['threshold_window'],
        },
        'cooldown': runbook['cooldown'],
        'remediation': runbook['remediation'],
        'approval': runbook['approval'],
        'limits': runbook['limits'],
    }


def from_api(body):
    """Column values of a runbook from its data (validated already)."""
    values = {}
    for key in (
        'name',
        'description',
        'enabled',
        'match',
        'cooldown',
        'remediation',
        'approval',
        'limits',
    ):
        if key in body:
            values[key] = body[key]
    if 'threshold' in body:
        values['threshold_count'] = body['threshold'].get('count', 1)
        values['threshold_window'] = body['threshold'].get('window', 3600)
    return values


def _as_list(value):
    if value is None:
        return None
    return value if isinstance(value, list) else [value]


def matches(runbook, alert, host):
    """Whether ``runbook`` applies to ``alert`` (on ``host``, or None)."""
    match = runbook['match'] or {}
    names = _as_list(match.get('alert_name'))
    if names and alert['name'] not in names:
        return False
    severities = _as_list(match.get('severity'))
    if severities and alert['severity'] not in severities:
        return False
    sources = _as_list(match.get('source'))
    if sources and alert['source'] not in sources:
        return False
    for key, value in (match.get('labels') or {}).items():
        if str((alert['labels'] or {}).get(key)) != str(value):
            return False
    audit = match.get('audit')
    if audit is not None:
        if alert['source'] != AUDIT_SOURCE:
            return False
        labels = alert['labels'] or {}
        for key in ('profile', 'rule'):
            wanted = _as_list(audit.get(key))
            if wanted and labels.get(key) not in wanted:
                return False
    kinds = _as_list(match.get('host_kind'))
    if kinds and (host is None or host['kind'] not in kinds):
        return False
    return True


def plan(runbook, alert, now=None, dbapi=None):
    """What ``runbook`` would do now about ``alert``, without doing it.

    :returns: a decision dict: ``runbook``, ``runbook_uuid``, ``alert``,
        ``host``, ``action`` (execution, handoff or none), ``approval``,
        ``reason``, ``occurrences`` (in the window).
    """
    dbapi = dbapi or db_api.get_instance()
    now = now or timeutils.utcnow()
    remediation = runbook['remediation'] or {}
    decision = {
        'runbook': runbook['name'],
        'runbook_uuid': runbook['uuid'],
        'alert_uuid': alert['uuid'],
        'alert': alert['name'],
        'host': alert['host_name'],
        'action': 'none',
        'approval': runbook['approval'],
        'reason': None,
        'occurrences': None,
    }

    def no(reason):
        decision['reason'] = reason
        return decision

    host = None
    if alert['host_uuid']:
        try:
            host = dbapi.get_host(alert['host_uuid'])
        except exception.HostNotFound:
            host = None
    if not runbook['enabled']:
        return no('runbook is disabled')
    if not matches(runbook, alert, host):
        return no('runbook does not match the alert')
    if alert['state'] != alert_states.FIRING:
        return no(f'alert is {alert["state"]}')
    if host is None:
        return no('the alert names no host fleet knows')
    window = datetime.timedelta(seconds=runbook['threshold_window'])
    count = dbapi.count_alert_occurrences(alert['uuid'], now - window)
    decision['occurrences'] = count
    if count < runbook['threshold_count']:
        return no(
            f'{count} occurrence(s) in the last '
            f'{runbook["threshold_window"]} s, threshold '
            f'{runbook["threshold_count"]}'
        )
    if runbook['cooldown']:
        since = now - datetime.timedelta(seconds=runbook['cooldown'])
        last = dbapi.last_runbook_action(
            runbook['uuid'], host['uuid'], ACTING, since
        )
        if last is not None:
            return no(
                f'in cooldown: acted on {host["name"]} at '
                f'{last["created_at"].isoformat()}Z (cooldown '
                f'{runbook["cooldown"]} s)'
            )
    if host['state'] != states.HOST_ACTIVE:
        return no(f'host {host["name"]} is {host["state"]}')
    if host['execution_uuid']:
        return no(
            f'host {host["name"]} is held by run {host["execution_uuid"]}'
        )
    action = remediation.get('action', 'maintenance')
    if action == 'maintenance':
        # limits.max_hosts is not checked here (that would be
        # check-then-act): the run records it and the one admission
        # point (fleet.common.budget) enforces it atomically; a run
        # beyond it waits, with the reason, until one of the runbook's
        # runs ends.
        decision['action'] = ACTION_EXECUTION
        decision['kind'] = remediation.get('kind', 'drain')
        decision['reason'] = (
            f'threshold met ({count} >= {runbook["threshold_count"]})'
        )
    elif action == ACTION_AUDIT:
        decision['action'] = ACTION_AUDIT
        decision['reason'] = (
            f'threshold met ({count} >= {runbook["threshold_count"]}); '
            f'audit {host["name"]}'
        )
    elif action == 'handoff':
        decision['action'] = ACTION_HANDOFF
        decision['owner'] = remediation.get('owner')
        decision['reason'] = (
            f'threshold met ({count} >= {runbook["threshold_count"]}); '
            f'hand to {remediation.get("owner") or "an operator"}'
        )
    return decision


def act(runbook, alert, decision, context, rpcapi, dbapi=None):
    """Carry out a decision of :func:`plan` that acts."""
    dbapi = dbapi or db_api.get_instance()
    remediation = runbook['remediation'] or {}
    host = dbapi.get_host(alert['host_uuid'])
    if decision['action'] == ACTION_EXECUTION:
        body = dict(remediation.get('parameters') or {})
        if 'kind' in remediation:
            body['kind'] = remediation['kind']
        if alert['source'] == AUDIT_SOURCE and not body.get('reaudit'):
            # A run for a failing audit rule is judged by that rule.
            labels = alert['labels'] or {}
            if labels.get('profile') and labels.get('rule'):
                body['reaudit'] = {
                    'profile': labels['profile'],
                    'rules': [labels['rule']],
                }
        params = executions.prepare_parameters(body)
        limit = budget.runbook_limit(runbook)
        if limit:
            params['runbook_limit'] = limit
        awaiting = runbook['approval'] == alert_states.APPROVAL_ADMIN
        try:
            execution = executions.create(
                dbapi,
                rpcapi,
                context,
                host,
                params,
                requested_by={
                    'user_id': f'runbook:{runbook["name"]}',
                    'project_id': None,
                    'request_id': context.request_id if context else None,
                    'runbook_uuid': runbook['uuid'],
                    'runbook': runbook['name'],
                    'alert_uuid': alert['uuid'],
                    'alert': alert['name'],
                },
                awaiting_approval=awaiting,
                message=f'Run started by runbook {runbook["name"]} for '
                f'alert {alert["name"]} ({alert["uuid"]}) on host '
                f'{host["name"]}: {decision["reason"]}.'
                + (' It awaits approval by an admin.' if awaiting else ''),
            )
        except exception.HostBusy as e:
            decision['action'] = 'none'
            decision['reason'] = str(e)
            return decision
        decision['execution_uuid'] = execution['uuid']
        decision['execution_state'] = execution['state']
        if execution.get('waiting_reason'):
            decision['waiting_reason'] = execution['waiting_reason']
        dbapi.add_runbook_action(
            runbook['uuid'],
            {
                'alert_uuid': alert['uuid'],
                'host_uuid': host['uuid'],
                'execution_uuid': execution['uuid'],
                'action': ACTION_EXECUTION,
                'details': {'reason': decision['reason']},
            },
        )
        dbapi.add_alert_event(
            alert['uuid'],
            'runbook',
            f'Runbook {runbook["name"]} started run {execution["uuid"]} '
            f'({execution["state"]}).',
            details={'execution_uuid': execution['uuid']},
        )
    elif decision['action'] == ACTION_AUDIT:
        profiles = remediation.get('profiles') or None
        rpcapi.run_audit(
            context,
            host_uuids=[host['uuid']],
            profiles=profiles,
            gather=remediation.get('gather', True),
            wait=False,
            cause_alert_uuid=alert['uuid'],
        )
        dbapi.add_runbook_action(
            runbook['uuid'],
            {
                'alert_uuid': alert['uuid'],
                'host_uuid': host['uuid'],
                'action': ACTION_AUDIT,
                'details': {'profiles': profiles},
            },
        )
        dbapi.add_alert_event(
            alert['uuid'],
            'runbook',
            f'Runbook {runbook["name"]} asked for an audit of host '
            f'{host["name"]}'
            + (f' against {", ".join(profiles)}' if profiles else '')
            + '.',
        )
    elif decision['action'] == ACTION_HANDOFF:
        owner = remediation.get('owner') or 'operators'
        reason = remediation.get('reason') or (
            f'runbook {runbook["name"]}: alert {alert["name"]}'
        )
        dbapi.update_host(
            host['uuid'],
            {
                'state': states.HOST_UNMANAGED,
                'state_reason': reason,
                'owner': owner,
            },
            expected_state=states.HOST_ACTIVE,
        )
        dbapi.add_runbook_action(
            runbook['uuid'],
            {
                'alert_uuid': alert['uuid'],
                'host_uuid': host['uuid'],
                'action': ACTION_HANDOFF,
                'details': {'owner': owner, 'reason': reason},
            },
        )
        dbapi.add_alert_event(
            alert['uuid'],
            'runbook',
            f'Runbook {runbook["name"]} handed host {host["name"]} to '
            f'{owner}: {reason}.',
        )
    LOG.info(
        'Runbook %s on alert %s (%s): %s - %s.',
        runbook['name'],
        alert['name'],
        alert['uuid'],
        decision['action'],
        decision['reason'],
    )
    return decision


def evaluate(alert, context, rpcapi):
    """Plan and act every enabled runbook on a new occurrence of
    ``alert``; one runbook's error does not stop the others.

    :returns: the decisions of the runbooks that match.
    """
    dbapi = db_api.get_instance()
    decisions = []
    for runbook in dbapi.list_runbooks(filters={'enabled': True}):
        try:
            decision = plan(runbook, alert, dbapi=dbapi)
            if decision['reason'] == 'runbook does not match the alert':
                continue
            if decision['action'] != 'none':
                decision = act(
                    runbook, alert, decision, context, rpcapi, dbapi=dbapi
                )
            decisions.append(decision)
        except Exception as e:
            LOG.exception(
                'Runbook %s failed on alert %s.',
                runbook['name'],
                alert['uuid'],
            )
            decisions.append(
                {
                    'runbook': runbook['name'],
                    'runbook_uuid': runbook['uuid'],
                    'action': 'none',
                    'reason': f'error: {e}',
                }
            )
            # Re-read the alert in case the failing runbook changed it.
            alert = dbapi.get_alert(alert['uuid'])
    return decisions


def dry_run(runbook, dbapi=None):
    """What ``runbook`` would do now about every firing alert."""
    dbapi = dbapi or db_api.get_instance()
    now = timeutils.utcnow()
    out = []
    for alert in dbapi.list_alerts(filters={'state': alert_states.FIRING}):
        decision = plan(runbook, alert, now=now, dbapi=dbapi)
        if decision['reason'] != 'runbook does not match the alert':
            out.append(decision)
    return out
