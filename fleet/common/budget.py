"""Disruption budgets: may one more host go out of service?

:func:`check` is the rule, a pure function of what the database holds
under the admission lock (see ``Connection.admit_execution``); the one
caller is :func:`fleet.common.executions.admit`, through which every run
passes (API runs, runbook runs, plans' runs). It says why a run must
wait, or ``None`` if it may go.

Usage::

    limits = budget.limits_for(run['parameters'])
    reason = budget.check(run, hosts, admitted, instances, limits)
    # e.g. 'availability zone az1 has 2 of 2 allowed hosts out of
    # service (fc1, fc2)'
"""

from oslo_config import cfg

from fleet.common import exception
from fleet.common import states
from fleet.inventory import capacity

CONF = cfg.CONF

#: Host states in which a host serves no instance.
OUT_OF_SERVICE_STATES = (
    states.HOST_DRAINING,
    states.HOST_MAINTENANCE,
    states.HOST_UNMANAGED,
    states.HOST_FAILED,
)

#: Budget key -> (label, how a host's value(s) in that domain are read).
DOMAINS = {
    'max_out_per_az': (
        'availability zone',
        lambda h: [h.get('availability_zone')],
    ),
    'max_out_per_aggregate': (
        'aggregate',
        lambda h: list((h.get('facts') or {}).get('aggregates') or []),
    ),
    'max_out_per_cell': ('cell', lambda h: [h.get('cell')]),
    'max_out_per_rack': ('rack', lambda h: [h.get('rack')]),
}

#: Every key a plan's (or run's) ``budget`` may hold.
KEYS = (*DOMAINS, 'max_at_once', 'anti_affinity', 'capacity_headroom')

#: Where a runbook's ``limits.per`` reads a host's domain.
RUNBOOK_DOMAINS = ('availability_zone', 'rack', 'cell', 'region')


def parse_limit(value, total):
    """The number of hosts a limit allows out of ``total``.

    :param value: None/'' (no limit), an int, ``"3"`` or ``"10%"``.
    :returns: an int, or None for no limit.
    :raises: Invalid on anything else.
    """
    if value is None or value == '':
        return None
    text = str(value).strip()
    try:
        if text.endswith('%'):
            share = float(text[:-1])
            if not 0 < share <= 100:
                raise ValueError(text)
            return max(1, int(total * share / 100))
        number = int(text)
        if number < 1:
            raise ValueError(text)
        return number
    except ValueError:
        raise exception.Invalid(
            reason=f'budget limit {value!r} is neither a number of hosts '
            f'(1 or more) nor a percentage such as "10%".'
        ) from None


def validate(overrides):
    """Check a plan's budget overrides; returns them normalised.

    :raises: Invalid (an unknown key or a bad limit).
    """
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(KEYS))
    if unknown:
        raise exception.Invalid(
            reason=f'unknown budget key(s) {", ".join(unknown)}; known: '
            f'{", ".join(KEYS)}.'
        )
    for key in DOMAINS:
        parse_limit(overrides.get(key), 1)
    for key in ('anti_affinity', 'capacity_headroom'):
        if key in overrides and not isinstance(overrides[key], bool):
            raise exception.Invalid(
                reason=f'budget "{key}" is true or false, not '
                f'{overrides[key]!r}.'
            )
    if 'max_at_once' in overrides:
        parse_limit(overrides['max_at_once'], 1)
        if str(overrides['max_at_once']).endswith('%'):
            raise exception.Invalid(
                reason='budget "max_at_once" is a number of hosts, not a '
                'percentage.'
            )
    return overrides


def limits_for(parameters):
    """The budget that applies to a run: ``[budget]`` defaults, then the
    overrides its plan recorded in its parameters."""
    limits = {key: getattr(CONF.budget, key) for key in DOMAINS}
    limits['anti_affinity'] = CONF.budget.anti_affinity
    limits['capacity_headroom'] = CONF.budget.capacity_headroom
    limits['max_at_once'] = None
    limits.update((parameters or {}).get('budget') or {})
    # A runbook's own bound, recorded with its run (never a plan's).
    limits['runbook'] = (parameters or {}).get('runbook_limit')
    limits['capacity_scope'] = (parameters or {}).get('capacity_scope')
    limits['target_host'] = (parameters or {}).get('target_host')
    return limits


def runbook_limit(runbook):
    """What a runbook's run records of its runbook's ``limits`` (in its
    parameters' ``runbook_limit``) for the admission point, or None."""
    limits = runbook.get('limits') or {}
    if limits.get('max_hosts') is None:
        return None
    return {
        'runbook_uuid': runbook['uuid'],
        'runbook': runbook['name'],
        'max_hosts': int(limits['max_hosts']),
        'per': limits.get('per'),
    }


def out_of_service(hosts, admitted):
    """Host uuids out of service: admitted runs' hosts, hosts in a state
    that serves nothing, and disabled nova-computes."""
    out = {run['host_uuid'] for run in admitted if run['host_uuid']}
    for host in hosts:
        if (
            host['state'] in OUT_OF_SERVICE_STATES
            or host.get('nova_service_status') == 'disabled'
        ):
            out.add(host['uuid'])
    return out


def check(run, hosts, admitted, instances, limits, reader=None):
    """Why ``run`` may not be admitted now, or None if it may.

    :param run: the waiting run (dict).
    :param hosts: every compute host (dicts) but retired ones.
    :param admitted: the other admitted runs (``uuid``, ``host_uuid``,
        ``plan_uuid``, ``requested_by``).
    :param instances: instances in a server group (``host``,
        ``server_group``, ``server_group_policy``).
    :param limits: from :func:`limits_for`.
    :param reader: reads more in the admission's transaction, only when
        the capacity headroom is checked: ``reader.instances(names)``
        (instances on those hosts, with their resources) and
        ``reader.reservations()`` (capacity reservations of active
        runs), ``reader.plan_state(uuid)``. None: no headroom check, and
        a plan's run is not held back by its plan's state.
    """
    by_uuid = {h['uuid']: h for h in hosts}
    host = by_uuid.get(run['host_uuid'])
    if host is None:
        return None  # not a compute the budgets know: nothing to count
    others = [r for r in admitted if r['uuid'] != run['uuid']]
    out = out_of_service(hosts, others)
    plan = run.get('plan_uuid')
    if plan and reader is not None:
        # A paused or blocked plan starts no host: its runs already
        # asked for wait too, instead of slipping in when room frees.
        state = reader.plan_state(plan)
        if state not in (None, states.PLAN_RUNNING):
            return f'plan {plan} is {state}; its hosts start when it runs'
    if plan and limits.get('max_at_once'):
        mine = sorted(
            by_uuid[r['host_uuid']]['name']
            for r in others
            if r.get('plan_uuid') == plan and r['host_uuid'] in by_uuid
        )
        allowed = parse_limit(limits['max_at_once'], 1)
        if len(mine) >= allowed:
            return (
                f'plan {plan} has {len(mine)} of {allowed} allowed hosts '
                f'out at once ({", ".join(mine)})'
            )
    if host['uuid'] not in out:
        reason = _domain_reason(host, hosts, out, limits)
        if reason:
            return reason
    if limits.get('runbook'):
        reason = _runbook_reason(host, by_uuid, others, limits['runbook'])
        if reason:
            return reason
    if limits.get('anti_affinity'):
        reason = _anti_affinity_reason(host, by_uuid, out, instances)
        if reason:
            return reason
    if (
        limits.get('capacity_headroom')
        and reader is not None
        and host['uuid'] not in out
    ):
        return headroom_reason(host, hosts, others, limits, reader)
    return None


def _runbook_reason(host, by_uuid, others, limit):
    """A runbook's ``max_hosts``: its own admitted runs in the domain
    (``per``) of ``host`` (all its runs without ``per``)."""
    per = limit.get('per')
    domain = host.get(per) if per else None
    mine = sorted(
        by_uuid[r['host_uuid']]['name']
        for r in others
        if r['host_uuid'] in by_uuid
        and (r.get('requested_by') or {}).get('runbook_uuid')
        == limit['runbook_uuid']
        and (not per or by_uuid[r['host_uuid']].get(per) == domain)
    )
    if len(mine) >= limit['max_hosts']:
        where = f' in {per} {domain}' if per else ''
        return (
            f'runbook {limit["runbook"]} has {len(mine)} of '
            f'{limit["max_hosts"]} allowed hosts in remediation{where} '
            f'({", ".join(mine)})'
        )
    return None


def _has_capacity(host):
    facts = host.get('facts') or {}
    return any(facts.get(r) for r in capacity.RESOURCES)


def headroom_reason(host, hosts, others, limits, reader):
    """Capacity headroom: the instances of ``host`` must fit on the
    in-service hosts of their availability zone (or the run's
    ``capacity_scope`` / ``target_host``), after what every other
    admitted run has still to move. The model is the drain's own
    (:func:`fleet.inventory.capacity.check_drain`), on fleet's recorded
    capacity (Placement's live numbers are the drain's own check).

    A zone whose capacity fleet does not know (no host with capacity
    facts: an inventory without Placement) is not judged: ``None``.
    """
    zone = host.get('availability_zone') or None
    target = limits.get('target_host')
    scope = [
        h
        for h in hosts
        if (h.get('availability_zone') or None) == zone or h['name'] == target
    ]
    if not any(_has_capacity(h) for h in scope):
        return None
    by_uuid = {h['uuid']: h for h in hosts}
    instances = reader.instances([h['name'] for h in scope])
    on_host = {}
    for inst in instances:
        on_host.setdefault(inst.get('host'), []).append(inst)
    demand = capacity.demand_of(on_host.get(host['name'], ()))
    if not demand:
        return None
    reservations = [
        r for r in reader.reservations() if r['host_name'] != host['name']
    ]
    reserved = {r['execution_uuid'] for r in reservations}
    # An admitted run whose drain has not reserved yet (pending, or
    # before its capacity check) will move all of its host's instances.
    for run in others:
        other = by_uuid.get(run['host_uuid'])
        if run['uuid'] in reserved or other is None:
            continue
        reservations.append(
            {
                'execution_uuid': run['uuid'],
                'host_name': other['name'],
                'availability_zone': other.get('availability_zone'),
                'instances': {
                    d['uuid']: {k: v for k, v in d.items() if k != 'uuid'}
                    for d in capacity.demand_of(on_host.get(other['name'], ()))
                },
            }
        )
    result = capacity.check_drain(
        scope,
        instances,
        host['name'],
        demand,
        reservations=reservations,
        target=target,
        scope=limits.get('capacity_scope'),
    )
    if result['fits']:
        return None
    where = (
        f'host {target}'
        if target
        else f'the in-service hosts of availability zone {zone or "-"}'
    )
    return (
        f'capacity headroom: {len(result["unplaced"])} of {len(demand)} '
        f'instance(s) of {host["name"]} would not fit on {where} '
        f'({len(result["candidates"])} destination(s), '
        f'{result["free_vcpus"]} vCPUs / {result["free_memory_mb"]} MiB '
        f'free after {len(reservations)} other run(s))'
    )


def _domain_reason(host, hosts, out, limits):
    for key, (label, values_of) in DOMAINS.items():
        value = limits.get(key)
        if value in (None, ''):
            continue
        for domain in values_of(host):
            if domain is None:
                continue
            members = [h for h in hosts if domain in values_of(h)]
            allowed = parse_limit(value, len(members))
            down = sorted(h['name'] for h in members if h['uuid'] in out)
            if len(down) + 1 > allowed:
                return (
                    f'{label} {domain} has {len(down)} of {allowed} allowed '
                    f'hosts out of service ({", ".join(down)})'
                )
    return None


def _anti_affinity_reason(host, by_uuid, out, instances):
    policies = set(CONF.budget.anti_affinity_policies)
    name_to_uuid = {h['name']: u for u, h in by_uuid.items()}
    groups = {}
    for inst in instances:
        if inst['server_group_policy'] in policies and inst['server_group']:
            groups.setdefault(inst['server_group'], set()).add(inst['host'])
    for group, holders in sorted(groups.items()):
        if host['name'] not in holders:
            continue
        blocking = sorted(
            h
            for h in holders
            if h != host['name'] and name_to_uuid.get(h) in out
        )
        if blocking:
            return (
                f'server group {group} (anti-affinity) has members on '
                f'{", ".join(blocking)}, out of service; {host["name"]} '
                f'also holds one'
            )
    return None
