"""Plans: rolling maintenance of many hosts under disruption budgets.

A plan is a selector of hosts, the run each host gets (a drain, or a
drain + patch + reboot running a catalogued action) and a budget. It
expands into per-host runs through the one admission point
(:func:`fleet.common.executions.create`), so its runs obey the same
budgets as API and runbook runs; :func:`tick` (a conductor periodic)
starts its next hosts as its ``max_at_once`` allows, pauses it while a
blocking alert fires and stops it after too many failed hosts, saying
why in ``state_reason``.

Usage::

    plan = plans.create(dbapi, body, requested_by={'user_id': 'op'})
    plans.tick(dbapi, starter, plan['uuid'])   # what the periodic does
    plans.dry_run(dbapi, body)   # order and waves, nothing recorded
"""

import datetime
import zoneinfo

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils
from oslo_utils import uuidutils

from fleet.audits import rules as audit_rules
from fleet.common import budget
from fleet.common import exception
from fleet.common import executions
from fleet.common import states

CONF = cfg.CONF
LOG = log.getLogger(__name__)

SELECTOR_KEYS = (
    'hosts',
    'availability_zone',
    'aggregate',
    'cell',
    'rack',
    'labels',
    'audit',
)
#: A plan host's run has ended with this row state.
_ROW_OF_RUN = {
    states.EXEC_SUCCEEDED: 'succeeded',
    states.EXEC_FAILED: 'failed',
    states.EXEC_CANCELLED: 'cancelled',
    states.EXEC_REJECTED: 'cancelled',
}
ROW_FINAL = ('succeeded', 'failed', 'cancelled', 'skipped')
DAYS = ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
#: state_reason of a running plan outside its windows.
OUTSIDE_WINDOWS = (
    'outside its maintenance windows: starts no host until the next one; '
    'running hosts finish'
)


def _clock(text):
    hours, minutes = text.split(':')
    return int(hours) * 60 + int(minutes)


def check_windows(windows):
    """Normalise a plan's windows (``days``, ``start``, ``end`` as
    ``HH:MM``, ``timezone``, default UTC).

    :raises: Invalid (unknown time zone, an empty window).
    """
    result = []
    for window in windows or []:
        tz = window.get('timezone') or 'UTC'
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise exception.Invalid(
                reason=f'window time zone {tz!r} is unknown; use an IANA '
                f'name such as "Europe/Paris" or "UTC".'
            ) from None
        if window['start'] == window['end']:
            raise exception.Invalid(
                reason=f'window {window["start"]}-{window["end"]} is empty.'
            )
        result.append(
            {
                'days': list(window.get('days') or DAYS),
                'start': window['start'],
                'end': window['end'],
                'timezone': tz,
            }
        )
    return result


def in_windows(windows, now=None):
    """Whether ``now`` (UTC; default the current time) is inside one of
    the windows; no window means always. A window whose end is not after
    its start runs past midnight into the next day."""
    if not windows:
        return True
    now = now or timeutils.utcnow()
    now = now.replace(tzinfo=datetime.UTC)
    for window in windows:
        local = now.astimezone(zoneinfo.ZoneInfo(window['timezone']))
        minute = local.hour * 60 + local.minute
        start, end = _clock(window['start']), _clock(window['end'])
        today = DAYS[local.weekday()]
        yesterday = DAYS[(local.weekday() - 1) % 7]
        if start < end:
            if today in window['days'] and start <= minute < end:
                return True
        elif (today in window['days'] and minute >= start) or (
            yesterday in window['days'] and minute < end
        ):
            return True
    return False


def select_hosts(dbapi, selector):
    """The compute hosts a selector names, in maintenance order (by
    availability zone, rack, name: a zone is done before the next).

    :raises: Invalid (no selector, unknown key, or no host matches),
        HostNotFound (a named host is unknown).
    """
    selector = dict(selector or {})
    unknown = sorted(set(selector) - set(SELECTOR_KEYS))
    if unknown or not selector:
        raise exception.Invalid(
            reason='a plan needs a "selector" with at least one of '
            f'{", ".join(SELECTOR_KEYS)}'
            + (f' (unknown: {", ".join(unknown)})' if unknown else '')
            + '.'
        )
    failing = None
    if selector.get('audit'):
        failing = audit_failing(dbapi, selector['audit'])
    if selector.get('hosts'):
        hosts = [dbapi.get_host(name) for name in selector['hosts']]
    else:
        hosts = dbapi.list_hosts(filters={'kind': 'compute'})
    chosen, seen = [], set()
    for host in hosts:
        if host['kind'] != 'compute' or host['state'] == states.HOST_RETIRED:
            continue
        if host['uuid'] in seen:
            continue  # named twice
        if failing is not None and host['uuid'] not in failing:
            continue
        if any(
            selector.get(key) not in (None, host.get(key))
            for key in ('availability_zone', 'cell', 'rack')
        ):
            continue
        aggregate = selector.get('aggregate')
        if aggregate and aggregate not in (
            (host.get('facts') or {}).get('aggregates') or []
        ):
            continue
        labels = selector.get('labels') or {}
        if any(host['labels'].get(k) != v for k, v in labels.items()):
            continue
        chosen.append(host)
        seen.add(host['uuid'])
    if not chosen:
        raise exception.Invalid(
            reason=f'the selector {selector} matches no compute host that '
            f'is not retired.'
        )
    return sorted(
        chosen,
        key=lambda h: (
            h.get('availability_zone') or '',
            h.get('rack') or '',
            h['name'],
        ),
    )


def _audit_rules(selector):
    rules = selector.get('rule')
    return [rules] if isinstance(rules, str) else list(rules or [])


def audit_failing(dbapi, selector):
    """Uuids of the hosts whose latest finding of the audit ``rule``(s)
    of ``profile`` (name or uuid) is ``fail`` (a host failing several of
    them counts once).

    :raises: AuditProfileNotFound; Invalid (a rule the profile does not
        have, or no host fails it: never audited, or every host passes).
    """
    try:
        profile = dbapi.get_audit_profile(selector['profile'])
    except exception.NotFound:
        raise exception.Invalid(
            reason=f'the selector names audit profile '
            f'{selector["profile"]!r}, which does not exist.'
        ) from None
    wanted = _audit_rules(selector)
    known = [r['name'] for r in profile['rules'] or []]
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise exception.Invalid(
            reason=f'audit profile {profile["name"]} has no rule '
            f'{", ".join(unknown)}; its rules: {", ".join(known) or "none"}.'
        )
    failing, counts = set(), {}
    for rule in wanted:
        for finding in dbapi.list_audit_findings(
            filters={'profile_uuid': profile['uuid'], 'rule': rule}
        ):
            counts[finding['result']] = counts.get(finding['result'], 0) + 1
            if finding['result'] == audit_rules.FAIL:
                failing.add(finding['host_uuid'])
    if not failing:
        seen = (
            ', '.join(f'{n} {r}' for r, n in sorted(counts.items()))
            if counts
            else 'no finding at all: audit the hosts first (POST /v1/audits)'
        )
        raise exception.Invalid(
            reason=f'no host fails rule {", ".join(wanted)} of audit '
            f'profile {profile["name"]} ({seen}).'
        )
    return failing


def still_failing(dbapi, plan, host_uuid):
    """For a plan that selects hosts failing an audit rule: whether the
    host still fails one (a host fixed since the plan was made is
    skipped, not drained for nothing)."""
    selector = (plan.get('selector') or {}).get('audit')
    if not selector:
        return True
    try:
        profile = dbapi.get_audit_profile(selector['profile'])
    except exception.NotFound:
        return True  # the profile is gone: keep to what was planned
    for rule in _audit_rules(selector):
        for finding in dbapi.list_audit_findings(
            filters={
                'profile_uuid': profile['uuid'],
                'rule': rule,
                'host_uuid': host_uuid,
            }
        ):
            if finding['result'] == audit_rules.FAIL:
                return True
    return False


def _prepare(dbapi, body):
    """Check a plan's body; returns (values, hosts)."""
    hosts = select_hosts(dbapi, body.get('selector'))
    overrides = budget.validate(body.get('budget'))
    overrides.setdefault('max_at_once', CONF.budget.default_plan_max_at_once)
    params = executions.prepare_parameters(dict(body.get('action') or {}))
    params['budget'] = overrides
    windows = check_windows(body.get('windows'))
    max_failed = body.get('max_failed_hosts', 1)
    if max_failed is not None and max_failed < 1:
        raise exception.Invalid(
            reason='"max_failed_hosts" is 1 or more (null: never stop).'
        )
    values = {
        'uuid': uuidutils.generate_uuid(),
        'name': body.get('name'),
        'state': states.PLAN_RUNNING,
        'selector': body.get('selector'),
        'action': params,
        'budget': overrides,
        'blocking_alerts': body.get('blocking_alerts') or {},
        'max_failed_hosts': max_failed,
        'windows': windows,
    }
    return values, hosts


def dry_run(dbapi, body):
    """What a plan would do, recording nothing: its hosts in order, the
    waves its own budget allows (hosts of one wave may be out together:
    within ``max_at_once`` and every domain limit, and no two holding
    members of one anti-affinity group) and an ETA.

    The ETA is, per wave, its slowest host (its instances x the mean
    per-instance migration time of the latest successful runs in its
    availability zone, else of all zones), summed over the waves; None
    when no run has measured a migration yet.

    :returns: ``{'hosts': [names], 'waves': [[names]], 'budget': {..},
        'action': {..}, 'eta_s': float or None, 'per_instance_s': {az: s}}``
    """
    values, hosts = _prepare(dbapi, body)
    limits = budget.limits_for({'budget': values['budget']})
    instances = dbapi.list_instances()
    groups = (
        _anti_affinity_groups(instances, hosts)
        if limits.get('anti_affinity')
        else {}
    )
    all_hosts = [
        h
        for h in dbapi.list_hosts(filters={'kind': 'compute'})
        if h['state'] != states.HOST_RETIRED
    ]
    waves = plan_waves(hosts, all_hosts, limits, groups)
    rates = _per_instance_seconds(dbapi, all_hosts)
    counts = {}
    for inst in instances:
        counts[inst['host']] = counts.get(inst['host'], 0) + 1
    zone_of = {h['name']: h.get('availability_zone') for h in hosts}
    eta = None
    if rates:
        eta = sum(
            max(
                counts.get(name, 0) * rates.get(zone_of[name], rates[None])
                for name in wave
            )
            for wave in waves
            if wave
        )
    return {
        'hosts': [h['name'] for h in hosts],
        'waves': waves,
        'budget': values['budget'],
        'action': {
            k: values['action'][k] for k in ('kind', 'action', 'executor')
        },
        'windows': values['windows'],
        'eta_s': eta,
        'per_instance_s': {str(k): v for k, v in rates.items()},
    }


def _per_instance_seconds(dbapi, hosts, runs=200):
    """Mean seconds per migrated instance in the latest successful runs,
    per availability zone (key None: all zones); {} if none measured."""
    zone_of = {h['uuid']: h.get('availability_zone') for h in hosts}
    sums = {}
    for run in dbapi.list_executions(
        filters={'state': states.EXEC_SUCCEEDED},
        limit=runs,
        sort_key='id',
        sort_dir='desc',
    ):
        zone = zone_of.get(run['host_uuid'])
        for record in (
            (run['progress'] or {}).get('instances') or {}
        ).values():
            seconds = record.get('seconds')
            if record.get('state') != 'migrated' or not seconds:
                continue
            for key in {zone, None}:
                total, n = sums.get(key, (0.0, 0))
                sums[key] = (total + seconds, n + 1)
    return {k: total / n for k, (total, n) in sums.items()}


def _anti_affinity_groups(instances, hosts):
    policies = set(CONF.budget.anti_affinity_policies)
    names = {h['name'] for h in hosts}
    groups = {}
    for inst in instances:
        if (
            inst.get('server_group')
            and inst.get('server_group_policy') in policies
            and inst['host'] in names
        ):
            groups.setdefault(inst['host'], set()).add(inst['server_group'])
    return groups


def plan_waves(hosts, all_hosts, limits, groups):
    """Greedy waves: each takes, in order, every host that fits beside
    those already in it. ``groups``: host name -> its anti-affinity
    groups. Hosts already out of service are not counted (a dry run
    shows the plan's own shape).

    :returns: a list of waves, each a list of host names.
    """
    at_once = int(limits.get('max_at_once') or len(hosts)) or 1
    sizes = {}
    for key, (_label, values_of) in budget.DOMAINS.items():
        for h in all_hosts:
            for d in values_of(h):
                sizes[(key, d)] = sizes.get((key, d), 0) + 1
    queue = list(hosts)
    waves = []
    while queue:
        wave, used, taken_groups, rest = [], {}, set(), []
        for host in queue:
            if len(wave) >= at_once:
                rest.append(host)
                continue
            keys = []
            fits = True
            for key, (_label, values_of) in budget.DOMAINS.items():
                if limits.get(key) in (None, ''):
                    continue
                for d in values_of(host):
                    if d is None:
                        continue
                    allowed = budget.parse_limit(limits[key], sizes[(key, d)])
                    if used.get((key, d), 0) + 1 > allowed:
                        fits = False
                    keys.append((key, d))
            mine = groups.get(host['name'], set())
            if not fits or mine & taken_groups:
                rest.append(host)
                continue
            wave.append(host['name'])
            taken_groups |= mine
            for k in keys:
                used[k] = used.get(k, 0) + 1
        waves.append(wave)
        queue = rest
    return waves


def create(dbapi, body, requested_by):
    """Record a plan and its hosts, ``running``; the conductor's periodic
    :func:`tick` starts its hosts.

    :raises: Invalid, HostNotFound, DriverNotEnabled
    """
    values, hosts = _prepare(dbapi, body)
    values['requested_by'] = requested_by
    plan = dbapi.create_plan(values, hosts)
    LOG.info(
        'Plan %s created over %d hosts by %s.',
        plan['uuid'],
        len(hosts),
        requested_by,
    )
    return plan


def show(dbapi, uuid):
    """A plan with its hosts and a progress count."""
    plan = dbapi.get_plan(uuid)
    rows = dbapi.list_plan_hosts(uuid)
    counts = {}
    for row in rows:
        counts[row['state']] = counts.get(row['state'], 0) + 1
    plan['hosts'] = [
        {
            k: row[k]
            for k in (
                'host_name',
                'host_uuid',
                'position',
                'state',
                'execution_uuid',
                'result',
            )
        }
        for row in rows
    ]
    plan['progress'] = dict(counts, total=len(rows))
    plan['eta'] = estimate(dbapi, plan, rows)
    return plan


def estimate(dbapi, plan, rows, now=None):
    """What is left of a plan and when it should end, from measured
    per-instance migration times (:func:`_per_instance_seconds`).

    A host being done (its run not ended) has left its instances still on
    it x its zone's per-instance time; the queued hosts go in the waves
    the plan's budget allows (:func:`plan_waves`), each as long as its
    slowest host. ``eta_s`` is the longest host being done plus the
    queued waves: working time only, so a paused, blocked or
    out-of-window plan keeps its ``eta_s`` but has no ``eta_at``.

    :returns: ``{'remaining_hosts', 'running_hosts', 'remaining_waves',
        'eta_s' (None until a migration was measured), 'eta_at' (ISO
        time, running plans only), 'per_instance_s' {zone: s}}``.
    """
    running = [r for r in rows if r['state'] == 'started']
    queued = [r for r in rows if r['state'] == 'queued']
    result = {
        'remaining_hosts': len(running) + len(queued),
        'running_hosts': len(running),
        'remaining_waves': 0,
        'eta_s': 0.0 if not (running or queued) else None,
        'eta_at': None,
        'per_instance_s': {},
    }
    if not (running or queued) or plan['state'] not in (
        states.PLAN_ACTIVE_STATES
    ):
        return result
    all_hosts = [
        h
        for h in dbapi.list_hosts(filters={'kind': 'compute'})
        if h['state'] != states.HOST_RETIRED
    ]
    by_uuid = {h['uuid']: h for h in all_hosts}
    left = [
        by_uuid[r['host_uuid']]
        for r in running + queued
        if r['host_uuid'] in by_uuid
    ]
    instances = (
        dbapi.list_instances(filters={'host': [h['name'] for h in left]})
        if left
        else []
    )
    limits = budget.limits_for({'budget': plan['budget']})
    queued_hosts = [
        by_uuid[r['host_uuid']] for r in queued if r['host_uuid'] in by_uuid
    ]
    groups = (
        _anti_affinity_groups(instances, queued_hosts)
        if limits.get('anti_affinity')
        else {}
    )
    waves = plan_waves(queued_hosts, all_hosts, limits, groups)
    result['remaining_waves'] = len(waves) + (1 if running else 0)
    rates = _per_instance_seconds(dbapi, all_hosts)
    result['per_instance_s'] = {str(k): v for k, v in rates.items()}
    if not rates:
        return result
    counts = {}
    for inst in instances:
        counts[inst['host']] = counts.get(inst['host'], 0) + 1

    def seconds(host):
        zone = host.get('availability_zone')
        return counts.get(host['name'], 0) * rates.get(zone, rates[None])

    eta = max(
        (
            seconds(by_uuid[r['host_uuid']])
            for r in running
            if r['host_uuid'] in by_uuid
        ),
        default=0.0,
    )
    by_name = {h['name']: h for h in queued_hosts}
    eta += sum(
        max(seconds(by_name[n]) for n in wave) for wave in waves if wave
    )
    result['eta_s'] = round(eta, 1)
    if plan['state'] == states.PLAN_RUNNING and in_windows(
        plan['windows'], now
    ):
        now = now or timeutils.utcnow()
        result['eta_at'] = (now + datetime.timedelta(seconds=eta)).isoformat(
            timespec='seconds'
        ) + 'Z'
    return result


def pause(dbapi, uuid, who):
    """Stop starting hosts (running hosts finish)."""
    return dbapi.update_plan(
        uuid,
        {'state': states.PLAN_PAUSED, 'state_reason': f'paused by {who}'},
        expected_states=(states.PLAN_RUNNING, states.PLAN_BLOCKED),
    )


def resume(dbapi, uuid, who):
    """Go on from where the plan stopped."""
    return dbapi.update_plan(
        uuid,
        {'state': states.PLAN_RUNNING, 'state_reason': f'resumed by {who}'},
        expected_states=(states.PLAN_PAUSED,),
    )


def cancel(dbapi, rpcapi, context, uuid, who):
    """End the plan: nothing new starts, its waiting runs are cancelled,
    running hosts finish (a drain stopped half way helps nobody)."""
    plan = dbapi.update_plan(
        uuid,
        {
            'state': states.PLAN_CANCELLED,
            'state_reason': f'cancelled by {who}; hosts already running '
            f'finish',
        },
        expected_states=states.PLAN_ACTIVE_STATES,
    )
    _cancel_waiting(dbapi, rpcapi, context, uuid)
    return plan


def _cancel_waiting(dbapi, rpcapi, context, plan_uuid):
    for run in dbapi.list_executions(
        filters={'plan_uuid': plan_uuid, 'state': states.EXEC_WAITING}
    ):
        try:
            executions.request_cancel(dbapi, rpcapi, context, run['uuid'])
        except (exception.InvalidState, exception.ExecutionNotFound):
            continue  # admitted or ended meanwhile


def _firing_blockers(dbapi, selector):
    """Firing alerts matching a plan's blocking selector (``names``,
    ``severities``, ``labels``); an empty selector blocks on nothing."""
    if not selector:
        return []
    names = selector.get('names')
    severities = selector.get('severities')
    labels = selector.get('labels') or {}
    found = []
    for alert in dbapi.list_alerts(filters={'state': 'firing'}):
        if names and alert['name'] not in names:
            continue
        if severities and alert['severity'] not in severities:
            continue
        if any(
            (alert.get('labels') or {}).get(k) != v for k, v in labels.items()
        ):
            continue
        found.append(alert)
    return found


def _refresh_rows(dbapi, plan_uuid):
    """Bring each started host's row in line with its run."""
    rows = dbapi.list_plan_hosts(plan_uuid)
    for row in rows:
        if row['state'] != 'started' or not row['execution_uuid']:
            continue
        try:
            run = dbapi.get_execution(row['execution_uuid'])
        except exception.ExecutionNotFound:
            continue
        if run['state'] in _ROW_OF_RUN:
            row.update(
                dbapi.update_plan_host(
                    plan_uuid,
                    row['host_uuid'],
                    {
                        'state': _ROW_OF_RUN[run['state']],
                        'result': run['result'],
                    },
                )
            )
    return rows


class _Starter:
    """What executions.create casts to: ``start(uuid)``."""

    def __init__(self, start):
        self._start = start

    def start_execution(self, context, uuid):
        self._start(uuid)


def tick(dbapi, start, uuid, context=None, now=None):
    """Drive one plan one step: follow its runs, apply its gates, start
    its next hosts as its budget allows.

    :param start: ``start(uuid)`` hands an admitted run to a conductor.
    :param now: the time (UTC) the windows are checked at; default now.
    :returns: the plan as now stored.
    """
    plan = dbapi.get_plan(uuid)
    rpcapi = _Starter(start)
    rows = _refresh_rows(dbapi, uuid)
    if plan['state'] not in states.PLAN_ACTIVE_STATES:
        return plan
    failed = [r for r in rows if r['state'] == 'failed']
    limit = plan['max_failed_hosts']
    if limit and len(failed) >= limit:
        last = failed[-1]
        _cancel_waiting(dbapi, rpcapi, context, uuid)
        return dbapi.update_plan(
            uuid,
            {
                'state': states.PLAN_FAILED,
                'state_reason': f'stopped after {len(failed)} failed '
                f'host(s) (max_failed_hosts {limit}): '
                f'{", ".join(r["host_name"] for r in failed)}; last: '
                f'{last["host_name"]}: {last["result"]}',
            },
        )
    if all(r['state'] in ROW_FINAL for r in rows):
        return dbapi.update_plan(
            uuid,
            {
                'state': states.PLAN_SUCCEEDED,
                'state_reason': f'{len(rows)} host(s) done, '
                f'{len(failed)} failed',
            },
        )
    blockers = _firing_blockers(dbapi, plan['blocking_alerts'])
    if blockers and plan['state'] == states.PLAN_RUNNING:
        names = ', '.join(
            f'{a["name"]} on {a["host_name"] or "-"}' for a in blockers
        )
        LOG.warning('Plan %s paused: alert(s) firing: %s.', uuid, names)
        return dbapi.update_plan(
            uuid,
            {
                'state': states.PLAN_BLOCKED,
                'state_reason': f'blocking alert(s) firing: {names}; '
                f'goes on when they resolve',
            },
            expected_states=(states.PLAN_RUNNING,),
        )
    if not blockers and plan['state'] == states.PLAN_BLOCKED:
        plan = dbapi.update_plan(
            uuid,
            {
                'state': states.PLAN_RUNNING,
                'state_reason': 'blocking alerts resolved; going on',
            },
            expected_states=(states.PLAN_BLOCKED,),
        )
        LOG.info('Plan %s goes on: its blocking alerts resolved.', uuid)
    if plan['state'] != states.PLAN_RUNNING:
        return plan
    if not in_windows(plan['windows'], now):
        if plan['state_reason'] != OUTSIDE_WINDOWS:
            LOG.info('Plan %s: outside its windows.', uuid)
            plan = dbapi.update_plan(uuid, {'state_reason': OUTSIDE_WINDOWS})
        return plan
    if plan['state_reason'] == OUTSIDE_WINDOWS:
        dbapi.update_plan(
            uuid, {'state_reason': 'inside a maintenance window; going on'}
        )
    in_flight = [r for r in rows if r['state'] == 'started']
    slots = int(plan['budget'].get('max_at_once') or 1) - len(in_flight)
    for row in rows:
        if slots <= 0:
            break
        if row['state'] != 'queued':
            continue
        run = _start_host(dbapi, rpcapi, context, plan, row)
        if run is not None:
            slots -= 1
    return dbapi.get_plan(uuid)


def _start_host(dbapi, rpcapi, context, plan, row):
    """Ask for the run of one host of the plan; a host another run
    holds stays queued (tried again next tick), a host the plan itself
    already holds (a conductor died between asking and recording) is
    adopted, never drained twice."""
    host = dbapi.get_host(row['host_uuid'])
    if not host['execution_uuid'] and not still_failing(
        dbapi, plan, host['uuid']
    ):
        rules = ', '.join(_audit_rules(plan['selector']['audit']))
        dbapi.update_plan_host(
            plan['uuid'],
            row['host_uuid'],
            {
                'state': 'skipped',
                'result': f'passes audit rule {rules} now: nothing to do',
            },
        )
        LOG.info(
            'Plan %s: %s skipped, it passes %s now.',
            plan['uuid'],
            host['name'],
            rules,
        )
        return None
    if host['execution_uuid']:
        try:
            held = dbapi.get_execution(host['execution_uuid'])
        except exception.ExecutionNotFound:
            return None
        if held.get('plan_uuid') != plan['uuid']:
            return None
        run = held
    else:
        try:
            run = executions.create(
                dbapi,
                rpcapi,
                context,
                host,
                plan['action'],
                {'plan_uuid': plan['uuid'], 'user_id': None},
                message=f'Run requested by plan {plan["uuid"]} on host '
                f'{host["name"]} ({row["position"] + 1}).',
                plan_uuid=plan['uuid'],
            )
        except exception.HostBusy:
            return None
    dbapi.update_plan_host(
        plan['uuid'],
        row['host_uuid'],
        {'state': 'started', 'execution_uuid': run['uuid']},
    )
    return run


def tick_all(dbapi, start, context=None):
    """Periodic: re-check the waiting runs, then drive every active plan
    (one plan's failure does not stop the others)."""
    executions.admit_waiting(dbapi, start=start)
    for plan in dbapi.list_plans(
        filters={'state': list(states.PLAN_ACTIVE_STATES)}
    ):
        try:
            tick(dbapi, start, plan['uuid'], context)
        except Exception:
            LOG.exception('Plan %s: tick failed.', plan['uuid'])
