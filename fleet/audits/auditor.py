"""Auditing hosts: their stored facts against the enabled profiles.

For each profile, every rule on every host gives a result (see
:mod:`fleet.audits.rules`) recorded as a finding; a change of result is
recorded in the finding's history and the host's history. With
``[auditing] raise_alerts``, a rule that starts failing on a host raises
an alert through the ordinary intake (source ``audit``, name
``AuditFailed``, labels ``profile`` and ``rule``: deduplicated by
fingerprint, counted, matched by runbooks like any alert) and one that
passes again (or stops applying) resolves it. An ``error`` (facts that
do not say) neither raises nor resolves: fleet does not know. Every
change of result is also sent as a versioned notification
(``finding.update``, see :mod:`fleet.notifications.finding`).

Usage::

    summary = auditor.audit(dbapi, hosts=[host], context=ctx,
                            rpcapi=rpcapi)
    summary['profiles']['el9-baseline']['fail']
"""

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils

from fleet.alerts import intake
from fleet.alerts import states as alert_states
from fleet.audits import facts as audit_facts
from fleet.audits import profiles as audit_profiles
from fleet.audits import rules as audit_rules
from fleet.db import api as db_api
from fleet.notifications import alert as alert_notifications
from fleet.notifications import finding as finding_notifications

CONF = cfg.CONF
LOG = log.getLogger(__name__)

ALERT_SOURCE = 'audit'
ALERT_NAME = 'AuditFailed'
#: Results that resolve an audit alert.
GOOD = (audit_rules.PASS, audit_rules.NOTAPPLICABLE)


def _recorded(outcome, severity):
    """(evidence document, digest, ``" result digest"``, the end of its
    line in a host's results text) of an outcome,
    computed once per distinct outcome (rules share them between hosts of
    the same facts)."""
    memo = outcome.get('_recorded')
    if memo is None or memo[0] != severity:
        evidence = {'value': outcome['evidence']}
        digest = audit_rules.digest(severity, outcome['message'], evidence)
        memo = outcome['_recorded'] = (
            severity,
            evidence,
            digest,
            f' {outcome["result"]} {digest}',
        )
    return memo[1], memo[2], memo[3]


def alert_labels(profile_name, rule_name):
    return {'profile': profile_name, 'rule': rule_name}


def _signal(change, status, cause_alert_uuid=None):
    finding = change['finding']
    at = finding['changed_at']
    return {
        'source': ALERT_SOURCE,
        'name': ALERT_NAME,
        'severity': finding['severity'],
        'host': finding['host_name'],
        'labels': alert_labels(finding['profile_name'], finding['rule']),
        'annotations': {
            'summary': f'Audit rule {finding["rule"]} of profile '
            f'{finding["profile_name"]} {finding["result"]}s on '
            f'{finding["host_name"]}: {finding["message"]}',
            'finding_uuid': finding['uuid'],
            'evidence': str((finding['evidence'] or {}).get('value'))[:500],
            **(
                {'cause_alert_uuid': cause_alert_uuid}
                if cause_alert_uuid
                else {}
            ),
        },
        'status': status,
        # One occurrence per change into "fail".
        'occurrence_key': f'{finding["uuid"]}@{at.isoformat()}',
        'at': at,
    }


def signals_for(changes, cause_alert_uuid=None):
    """The alert signals of changes of result."""
    out = []
    for change in changes:
        new, old = change['new_result'], change['old_result']
        if new == audit_rules.FAIL:
            out.append(_signal(change, alert_states.FIRING, cause_alert_uuid))
        elif new in GOOD and old not in (None,) + GOOD:
            # Only a rule that was not passing can have an alert.
            out.append(_signal(change, alert_states.RESOLVED))
    return out


def _history(dbapi, changes):
    """One line in each host's history for its changes of result (a first
    pass is no news)."""
    by_host = {}
    for change in changes:
        if change['old_result'] is None and change['new_result'] in GOOD:
            continue
        finding = change['finding']
        entry = by_host.setdefault(
            finding['host_uuid'],
            {
                'host_uuid': finding['host_uuid'],
                'host_name': finding['host_name'],
                'changes': {},
            },
        )
        entry['changes'][f'{finding["profile_name"]}/{finding["rule"]}'] = {
            'old': change['old_result'],
            'new': change['new_result'],
        }
    for entry in by_host.values():
        failing = sorted(
            k for k, v in entry['changes'].items() if v['new'] == 'fail'
        )
        entry['reason'] = (
            f'failing: {", ".join(failing)}'
            if failing
            else 'audit results changed'
        )
    if by_host:
        try:
            dbapi.add_audit_history(list(by_host.values()))
        except Exception:
            LOG.exception('Cannot record the audit in the hosts\' history.')


def _changed_hosts(profile, hosts, stored):
    """The hosts whose results may differ from the last whole audit of
    ``profile``: all of them if the profile changed since (or never had
    one: its digest differs), else those created, changed (labels,
    places, kind...) or whose facts were gathered since. Rules read
    nothing else, so the others' findings stand as they are."""
    since = profile.get('audited_at')
    if since is None or profile.get(
        'audited_digest'
    ) != audit_rules.profile_digest(profile):
        return hosts
    todo = []
    for host in hosts:
        touched = host.get('updated_at') or host.get('created_at')
        row = stored.get(host['uuid'])
        if (
            touched is None
            or touched >= since
            or (row is not None and row['gathered_at'] >= since)
        ):
            todo.append(host)
    return todo


def evaluate(profile, hosts, stored, texts=None, known=None, counts=None):
    """Every rule of ``profile`` on ``hosts`` (no database).

    :param profile: a compiled profile.
    :param stored: ``{host_uuid: facts row}``.
    :param texts: a dict to fill with each host's results as the one
        text ``record_audit_results`` compares and stores (a line ``rule
        result digest`` a rule), built here from parts computed once per
        distinct outcome.
    :param known: ``{host_uuid: text}`` recorded by the last audit: a
        host whose text is the same gives no result dicts (nothing of it
        to record), one whose text differs gives only the rules whose
        line differs (``record_audit_results(known=...)``).
    :param counts: a dict ``{result: n}`` to add every result to, the
        hosts left out by ``known`` included.
    :returns: the result dicts ``record_audit_results`` takes.
    """
    results = []
    names = [rule.name for rule in profile.rules]
    known = known or {}
    for host in hosts:
        facts = audit_facts.effective(host, stored.get(host['uuid']))
        outcomes = profile.evaluate(facts, host)
        recorded = [
            _recorded(outcome, rule.severity) for rule, outcome in outcomes
        ]
        text = '\n'.join(map(str.__add__, names, [r[2] for r in recorded]))
        if texts is not None:
            texts[host['uuid']] = text
        if counts is not None:
            for _rule, outcome in outcomes:
                counts[outcome['result']] += 1
        before = known.get(host['uuid'])
        if before == text:
            continue
        # The lines of the last audit that still hold need no dict.
        lines = set(before.split('\n')) if before is not None else None
        for (rule, outcome), (evidence, digest, tail) in zip(
            outcomes, recorded, strict=True
        ):
            if lines is not None and rule.name + tail in lines:
                continue
            results.append(
                {
                    'host_uuid': host['uuid'],
                    'host_name': host['name'],
                    'rule': rule.name,
                    'severity': rule.severity,
                    'result': outcome['result'],
                    'evidence': evidence,
                    'message': outcome['message'],
                    'digest': digest,
                }
            )
    return results


def audit(
    dbapi=None,
    hosts=None,
    profile_names=None,
    context=None,
    rpcapi=None,
    act=True,
    cause_alert_uuid=None,
):
    """Audit ``hosts`` (every host by default) against the enabled
    profiles (or those named), recording findings and raising / resolving
    alerts.

    :param act: let runbooks act on the alerts raised (needs
        ``rpcapi``).
    :param cause_alert_uuid: the alert that asked for this audit; the
        audit alerts raised name it (annotation ``cause_alert_uuid``).
    :returns: ``{'hosts': n, 'profiles': {name: {result: count of the
        hosts checked}}, 'unchanged': {name: hosts whose facts, host and
        profile did not change since its last whole audit, not checked
        again}, 'changes': [{'host', 'profile', 'rule', 'old', 'new'}]}``.
    """
    dbapi = dbapi or db_api.get_instance()
    whole = hosts is None
    # Before anything is read: facts gathered from now on are after it.
    started = timeutils.utcnow()
    if whole:
        hosts = dbapi.list_hosts()
    if profile_names:
        rows = [dbapi.get_audit_profile(n) for n in profile_names]
    else:
        rows = dbapi.list_audit_profiles(filters={'enabled': True})
    stored = dbapi.list_host_facts([h['uuid'] for h in hosts])
    summary = {
        'hosts': len(hosts),
        'profiles': {},
        'unchanged': {},
        'changes': [],
    }
    all_changes = []
    for row in rows:
        try:
            profile = audit_profiles.compile_profile(row)
        except audit_rules.RuleInvalid as e:
            LOG.error('Audit profile %s cannot be used: %s', row['name'], e)
            continue
        todo = _changed_hosts(row, hosts, stored) if whole else hosts
        # What the last audit recorded: the hosts that give the same
        # again need no result dicts and nothing written.
        known = (
            dbapi.get_audit_host_results(
                row['uuid'], [h['uuid'] for h in todo]
            )
            if todo
            else {}
        )
        texts = {}
        counts = dict.fromkeys(audit_rules.RESULTS, 0)
        results = evaluate(profile, todo, stored, texts, known, counts)
        summary['profiles'][row['name']] = counts
        summary['unchanged'][row['name']] = len(hosts) - len(todo)
        changes = dbapi.record_audit_results(
            row,
            results,
            whole=whole,
            audited_at=started,
            # Only the hosts whose results changed: their rows are
            # written; the others stand as they are.
            texts={h: t for h, t in texts.items() if known.get(h) != t},
            checked=[h['uuid'] for h in todo],
            known=known,
        )
        all_changes.extend(changes)
    _history(dbapi, all_changes)
    finding_notifications.emit_changes(context, all_changes)
    summary['changes'] = [
        {
            'host': c['finding']['host_name'],
            'profile': c['finding']['profile_name'],
            'rule': c['finding']['rule'],
            'old': c['old_result'],
            'new': c['new_result'],
        }
        for c in all_changes
    ]
    if CONF.auditing.raise_alerts:
        signals = signals_for(all_changes, cause_alert_uuid)
        if signals:
            intake.process(
                signals, context, rpcapi, act=act and rpcapi is not None
            )
    LOG.info(
        'Audit of %d host(s): %s; %d change(s) of result.',
        len(hosts),
        summary['profiles'],
        len(all_changes),
    )
    return summary


def failing(dbapi, host_uuid, profile_name=None, rules=None):
    """The findings of a host that do not pass now (fail or error),
    optionally of one profile and some rules."""
    filters = {'host_uuid': host_uuid}
    if profile_name:
        filters['profile_name'] = profile_name
    if rules:
        filters['rule'] = list(rules)
    return [
        f
        for f in dbapi.list_audit_findings(filters=filters)
        if f['result'] in (audit_rules.FAIL, audit_rules.ERROR)
    ]


def resolve_cause(dbapi, audit_alert_uuid, execution_uuid, context=None):
    """Resolve the alert that led to an audit alert a run has just fixed
    (e.g. the error log whose audit found the wrong kernel).

    :returns: the alert resolved, or None.
    """
    try:
        audit_alert = dbapi.get_alert(audit_alert_uuid)
        cause = (audit_alert['annotations'] or {}).get('cause_alert_uuid')
        if not cause:
            return None
        alert = dbapi.get_alert(cause)
    except Exception:
        LOG.warning('Cannot find the cause of alert %s.', audit_alert_uuid)
        return None
    if alert['state'] not in alert_states.OPEN_STATES + (
        alert_states.SILENCED,
    ):
        return None
    alert = dbapi.update_alert(
        cause,
        {'state': alert_states.RESOLVED, 'resolved_at': timeutils.utcnow()},
        f'Resolved: run {execution_uuid} fixed what its audit found '
        f'(alert {audit_alert_uuid}).',
        kind='resolved',
        details={'execution_uuid': execution_uuid},
    )
    alert_notifications.emit(context, alert_notifications.RESOLVE, alert)
    return alert
