"""The capacity model: used and free vCPU, RAM and disk per host,
availability zone and aggregate; where the instances of hosts taken down
could go; and which hosts are never destinations.

One model for the API (``GET /v1/capacity``, its what-if) and for the
maintenance flow's pre-check (``CheckCapacity``): both call
:func:`compute` / :func:`check_drain` on the same kind of rows.

A host's totals are its ``facts`` (``vcpus``, ``memory_mb``,
``disk_gb``: what the inventory driver read from Placement, net of
reserved, times the allocation ratio); its use is the sum of the flavors
of the instances on it, which the notifications keep current between
syncs. The flow may pass live numbers from Placement (``live``) which
replace the facts for the resources they cover. Only compute hosts count.

A host is a *destination* only when fleet does not hold it
(:data:`HELD_STATES`), it is ``active``, its nova-compute is enabled and
up, its capacity is known (a compute without a resource provider is
skipped, not fatal), it is in the availability zone of the instances
(and, with scope ``aggregate``, in every aggregate of their host), and it
is not itself being drained by another run.

Instances do not add up: they are *placed*, largest first, each on the
destination with the most free memory that fits all of its vCPUs, RAM and
disk, never on a host that already holds a member of its
``anti-affinity`` server group. What other runs reserved and have not
moved yet is placed before, so two drains never count the same room.

Usage::

    view = capacity.compute(hosts, instances, without=['cmp-1', 'cmp-2'])
    view['what_if']['fits']

    result = capacity.check_drain(hosts, instances, 'cmp-1', demand,
                                  reservations=dbapi.list_reservations())
    result['fits'], result['unplaced']

    capacity.held_hosts(dbapi)   # {'cmp-7', ...}: never destinations
"""

from oslo_log import log

from fleet.common import states

LOG = log.getLogger(__name__)

RESOURCES = ('vcpus', 'memory_mb', 'disk_gb')

#: Host states in which fleet holds a host out of service: never a
#: migration destination, never free capacity.
HELD_STATES = (
    states.HOST_DRAINING,
    states.HOST_MAINTENANCE,
    states.HOST_UNMANAGED,
    states.HOST_FAILED,
    states.HOST_RETIRED,
)

#: The destinations of an instance: hosts of its availability zone, or
#: also only those in every aggregate of its current host.
SCOPE_AVAILABILITY_ZONE = 'availability_zone'
SCOPE_AGGREGATE = 'aggregate'
SCOPES = (SCOPE_AVAILABILITY_ZONE, SCOPE_AGGREGATE)

ANTI_AFFINITY = 'anti-affinity'

#: The disabled_reason fleet writes on the nova-compute of a host it holds
#: (outside a run, whose own reason names the run).
HELD_REASON_PREFIX = 'fleet: host '


def held_reason(state: str) -> str:
    """``disabled_reason`` of a host fleet holds in ``state``."""
    return f'{HELD_REASON_PREFIX}{state}'


def is_held_reason(reason: str | None) -> bool:
    """Whether ``reason`` is one :func:`held_reason` wrote."""
    return bool(reason) and reason.startswith(HELD_REASON_PREFIX)


def held(host: dict) -> bool:
    """Whether fleet holds ``host`` out of service."""
    return host.get('state') in HELD_STATES


def held_hosts(dbapi) -> set[str]:
    """Names of the compute hosts fleet holds out of service.

    One indexed query: cheap enough to call before each migration, so a
    host retired or handed to a human during a run is not chosen.

    :param dbapi: a :class:`fleet.db.api.Connection`.
    """
    return {
        h['name']
        for h in dbapi.list_hosts(
            filters={'kind': 'compute', 'state': list(HELD_STATES)}
        )
    }


def schedulable(host: dict) -> bool:
    """Active in fleet and enabled and up in Nova (as last seen)."""
    return (
        host.get('state') == states.HOST_ACTIVE
        and host.get('nova_service_status') != 'disabled'
        and host.get('nova_service_state') != 'down'
    )


def _zero():
    return {
        'total': dict.fromkeys(RESOURCES, 0),
        'used': dict.fromkeys(RESOURCES, 0),
        'free': dict.fromkeys(RESOURCES, 0),
        'hosts': 0,
        'instances': 0,
    }


def _add(acc, row):
    for part in ('total', 'used', 'free'):
        for r in RESOURCES:
            acc[part][r] += row[part][r]
    acc['hosts'] += 1
    acc['instances'] += row['instances']


def _sum(items) -> dict:
    items = list(items)
    return {r: sum(int(i.get(r) or 0) for i in items) for r in RESOURCES}


def host_row(host: dict, instances: list, live: dict | None = None) -> dict:
    """Capacity of one host from its facts and its instances.

    :param live: ``{resource: total, resource + '_used': used}`` read from
        Placement just now; it replaces facts and instance sums for the
        resources it has.
    """
    facts = host.get('facts') or {}
    total = {r: int(facts.get(r) or 0) for r in RESOURCES}
    used = _sum(instances)
    for r in RESOURCES:
        if live and r in live:
            total[r] = int(live[r] or 0)
            used[r] = int(live.get(r + '_used') or 0)
    # A resource neither the facts nor Placement give (e.g. disk of a
    # host never synced) does not constrain placement: unknown, not zero.
    known = [r for r in RESOURCES if total[r] or (live and r in live)]
    return {
        'name': host['name'],
        'uuid': host.get('uuid'),
        'state': host.get('state'),
        'availability_zone': host.get('availability_zone'),
        'aggregates': list(facts.get('aggregates') or []),
        'schedulable': schedulable(host),
        'held': held(host),
        'capacity_known': bool(known),
        'known': known,
        'instances': len(instances),
        'total': total,
        'used': used,
        'free': {r: total[r] - used[r] for r in RESOURCES},
    }


def demand_of(instances) -> list[dict]:
    """What each instance needs, as :func:`place` takes it."""
    return [
        {
            'uuid': i['uuid'],
            'vcpus': int(i.get('vcpus') or 0),
            'memory_mb': int(i.get('memory_mb') or 0),
            'disk_gb': int(i.get('disk_gb') or 0),
            'server_group': i.get('server_group'),
            'server_group_policy': i.get('server_group_policy'),
        }
        for i in instances
    ]


def _anti_affinity_group(inst):
    if inst.get('server_group_policy') == ANTI_AFFINITY:
        return inst.get('server_group')
    return None


def group_hosts(instances, exclude=()) -> dict:
    """{anti-affinity group: hosts holding a member}, from instance dicts
    (``exclude``: uuids not to count, the ones being moved)."""
    found = {}
    for inst in instances:
        group = _anti_affinity_group(inst)
        if group and inst.get('host') and inst['uuid'] not in exclude:
            found.setdefault(group, set()).add(inst['host'])
    return found


def place(demand, rows, groups=None):
    """Place instances on hosts, largest first.

    Each goes to the host with the most free memory (then vCPUs, then
    name) where all its resources fit and no member of its anti-affinity
    group is; ``rows``' ``free`` and ``groups`` are updated in place.

    :param demand: dicts of :func:`demand_of`.
    :param rows: destination rows (:func:`host_row`).
    :param groups: {group: set of hosts holding a member}.
    :returns: ``({uuid: host}, [uuid not placed])``.
    """
    groups = groups if groups is not None else {}
    placement, unplaced = {}, []
    order = sorted(
        demand,
        key=lambda d: (d['vcpus'], d['memory_mb'], d['disk_gb'], d['uuid']),
        reverse=True,
    )
    for inst in order:
        group = _anti_affinity_group(inst)
        taken = groups.get(group, set()) if group else set()
        choices = [
            row
            for row in rows
            if row['name'] not in taken
            and all(
                row['free'][r] >= inst[r] for r in row.get('known', RESOURCES)
            )
        ]
        if not choices:
            unplaced.append(inst['uuid'])
            continue
        best = min(
            choices,
            key=lambda row: (
                -row['free']['memory_mb'],
                -row['free']['vcpus'],
                row['name'],
            ),
        )
        for r in RESOURCES:
            best['free'][r] -= inst[r]
        placement[inst['uuid']] = best['name']
        if group:
            groups.setdefault(group, set()).add(best['name'])
    return placement, unplaced


def outstanding(reservation: dict, instances_by_uuid: dict) -> list[dict]:
    """What a run reserved and has not moved yet: its instances still on
    its host (or not known to the inventory at all).

    Counting from the instance records keeps the sum right as the run
    goes: a moved instance leaves the reservation and enters its new
    host's use at the same moment.
    """
    left = []
    for uuid, need in (reservation.get('instances') or {}).items():
        current = instances_by_uuid.get(uuid)
        if current is not None and current.get('host') not in (
            None,
            reservation['host_name'],
        ):
            continue
        left.append(dict(need, uuid=uuid))
    return left


def _in_scope(host, source, scope):
    if (host.get('availability_zone') or None) != (
        source.get('availability_zone') or None
    ):
        return False
    if scope == SCOPE_AGGREGATE:
        mine = set((source.get('facts') or {}).get('aggregates') or ())
        theirs = set((host.get('facts') or {}).get('aggregates') or ())
        return mine <= theirs
    return True


def destinations(
    hosts,
    instances,
    source,
    reservations=(),
    target=None,
    scope=None,
    live=None,
    unavailable=None,
):
    """Rows of the hosts the instances of ``source`` may go to, and why
    each other host of its scope may not.

    :param hosts: host dicts (fleet's records, with their nova status).
    :param instances: instance dicts (``host`` and resources).
    :param source: the host dict being emptied.
    :param reservations: other runs' reservations: their hosts are being
        emptied too.
    :param target: the one host the operator named, if any: it counts
        whatever its nova-compute status (Nova decides), but never when
        fleet holds it.
    :param live: {host: live capacity} (see :func:`host_row`).
    :param unavailable: {host: why it is no destination} found by the
        caller (e.g. no Placement resource provider).
    :returns: ``(rows, {host: reason skipped})``.
    """
    scope = scope or SCOPE_AVAILABILITY_ZONE
    draining = {r['host_name']: r['execution_uuid'] for r in reservations}
    by_host = {}
    for inst in instances:
        by_host.setdefault(inst.get('host'), []).append(inst)
    rows, skipped = [], {}
    for host in hosts:
        name = host['name']
        if host.get('kind', 'compute') != 'compute' or name == source['name']:
            continue
        if target and name != target:
            continue
        if not target and not _in_scope(host, source, scope):
            continue
        row = host_row(host, by_host.get(name, []), (live or {}).get(name))
        if row['held']:
            skipped[name] = f'fleet holds it ({host["state"]})'
        elif name in draining:
            skipped[name] = f'being drained by run {draining[name]}'
        elif unavailable and name in unavailable:
            skipped[name] = unavailable[name]
        elif not target and not row['schedulable']:
            skipped[name] = (
                f'not schedulable (fleet {host.get("state")}, nova-compute '
                f'{host.get("nova_service_status")}/'
                f'{host.get("nova_service_state")})'
            )
        elif not row['capacity_known']:
            skipped[name] = 'capacity unknown (no resource provider?)'
            LOG.info(
                'Capacity: %s skipped as a destination: no capacity known '
                '(no Placement resource provider, or not synced yet).',
                name,
            )
        else:
            rows.append(row)
    if target and target not in {r['name'] for r in rows} | set(skipped):
        skipped[target] = 'unknown to fleet or not in scope'
    return rows, skipped


def check_drain(
    hosts,
    instances,
    source_name,
    demand,
    reservations=(),
    target=None,
    scope=None,
    live=None,
    unavailable=None,
):
    """Whether the instances ``demand`` of host ``source_name`` fit on
    the destinations of their scope, after what other runs reserved.

    :param reservations: reservations of *other* runs (dicts with
        ``execution_uuid``, ``host_name``, ``availability_zone``,
        ``instances`` {uuid: needs}).
    :returns: ``{'fits', 'availability_zone', 'aggregates', 'scope',
        'needed', 'free', 'reserved_by_others', 'candidates', 'skipped',
        'placement', 'unplaced'}`` plus the older summary keys
        ``needed_vcpus``, ``needed_memory_mb``, ``free_vcpus``,
        ``free_memory_mb`` (free after the others' reservations).
    """
    scope = scope or SCOPE_AVAILABILITY_ZONE
    source = next(
        (h for h in hosts if h['name'] == source_name),
        {'name': source_name},
    )
    rows, skipped = destinations(
        hosts,
        instances,
        source,
        reservations,
        target,
        scope,
        live,
        unavailable,
    )
    free = _sum(r['free'] for r in rows)
    moving = {d['uuid'] for d in demand}
    groups = group_hosts(instances, exclude=moving)
    by_uuid = {i['uuid']: i for i in instances}
    others = []
    zone = source.get('availability_zone') or None
    for reservation in reservations:
        if (reservation.get('availability_zone') or None) == zone:
            others.extend(outstanding(reservation, by_uuid))
    # The others reserved first: their instances take their room first.
    place(others, rows, groups)
    placement, unplaced = place(demand, rows, groups)
    needed = _sum(demand)
    reserved = _sum(others)
    free_after_others = {r: max(free[r] - reserved[r], 0) for r in RESOURCES}
    return {
        'fits': not unplaced,
        'availability_zone': zone,
        'aggregates': list(
            (source.get('facts') or {}).get('aggregates') or []
        ),
        'scope': scope,
        'needed': needed,
        'free': free,
        'reserved_by_others': reserved,
        'candidates': sorted(r['name'] for r in rows),
        'skipped': skipped,
        'placement': placement,
        'unplaced': sorted(unplaced),
        'needed_vcpus': needed['vcpus'],
        'needed_memory_mb': needed['memory_mb'],
        'free_vcpus': free_after_others['vcpus'],
        'free_memory_mb': free_after_others['memory_mb'],
    }


def compute(hosts, instances, without=(), reservations=()):
    """The capacity view.

    :param hosts: host dicts (non-compute hosts are skipped).
    :param instances: instance dicts with ``host`` and the resources.
    :param without: names of hosts to take down in a what-if.
    :param reservations: what running drains reserved (their instances
        not moved yet are placed first in the what-if).
    :returns: ``{'hosts': [...], 'availability_zones': {az: sums},
        'aggregates': {name: sums}, 'total': sums, 'held': [names]}``
        plus, with ``without``, ``what_if``: ``{'without', 'displaced'
        (used on the hosts taken down), 'free_elsewhere' (free on the
        destinations), 'free_after', 'availability_zones' ({az: {'fits',
        'unplaced'}}), 'unplaced' (instances that fit nowhere), 'fits'}``.
    """
    by_host = {}
    for inst in instances:
        by_host.setdefault(inst.get('host'), []).append(inst)
    computes = [h for h in hosts if h.get('kind', 'compute') == 'compute']
    rows = [host_row(h, by_host.get(h['name'], [])) for h in computes]
    zones, aggregates, total = {}, {}, _zero()
    for row in rows:
        _add(total, row)
        _add(zones.setdefault(row['availability_zone'] or '-', _zero()), row)
        for agg in row['aggregates']:
            _add(aggregates.setdefault(agg, _zero()), row)
    view = {
        'hosts': rows,
        'availability_zones': zones,
        'aggregates': aggregates,
        'total': total,
        'held': sorted(r['name'] for r in rows if r['held']),
    }
    if without:
        view['what_if'] = _what_if(
            computes, instances, by_host, set(without), reservations
        )
    return view


def _what_if(computes, instances, by_host, down, reservations):
    """Where the instances of the hosts ``down`` would go, per zone."""
    displaced = dict.fromkeys(RESOURCES, 0)
    elsewhere = dict.fromkeys(RESOURCES, 0)
    zones, unplaced = {}, []
    others = [r for r in reservations if r['host_name'] not in down]
    by_uuid = {i['uuid']: i for i in instances if i.get('uuid')}
    for zone in sorted({h.get('availability_zone') or '' for h in computes}):
        members = [
            h for h in computes if (h.get('availability_zone') or '') == zone
        ]
        leaving = [h for h in members if h['name'] in down]
        # The hosts taken down are "sources" like the drains in progress.
        staying = [h for h in members if h['name'] not in down]
        rows, _skipped = destinations(
            staying,
            instances,
            {'name': None, 'availability_zone': zone or None},
            others,
        )
        for row in rows:
            for r in RESOURCES:
                elsewhere[r] += max(row['free'][r], 0)
        demand = demand_of(
            i
            for h in leaving
            for i in by_host.get(h['name'], [])
            if 'uuid' in i
        )
        for r, value in _sum(
            i for h in leaving for i in by_host.get(h['name'], [])
        ).items():
            displaced[r] += value
        if not leaving:
            continue
        groups = group_hosts(
            [i for i in instances if i.get('host') not in down]
        )
        waiting = [
            need
            for res in others
            if (res.get('availability_zone') or '') == zone
            for need in outstanding(res, by_uuid)
        ]
        place(waiting, rows, groups)
        _placement, left = place(demand, rows, groups)
        zones[zone or '-'] = {'fits': not left, 'unplaced': len(left)}
        unplaced.extend(left)
    after = {r: elsewhere[r] - displaced[r] for r in RESOURCES}
    return {
        'without': sorted(down),
        'displaced': displaced,
        'free_elsewhere': elsewhere,
        'free_after': after,
        'availability_zones': zones,
        'unplaced': sorted(unplaced),
        'fits': not unplaced and all(v >= 0 for v in after.values()),
    }
