"""Capacity arithmetic: used and free vCPU, RAM and disk per host,
availability zone and aggregate, and what remains if hosts go down.

A host's totals are its ``facts`` (``vcpus``, ``memory_mb``,
``disk_gb``: what the inventory driver read from Placement, net of
reserved, times the allocation ratio); its use is the sum of the flavors
of the instances on it, which the notifications keep current between
syncs. Only compute hosts count. A host is *schedulable* when it is
``active`` and its nova-compute service is not disabled: only those offer
their free capacity to instances moved off others.

Usage::

    view = capacity.compute(hosts, instances, without=['cmp-1', 'cmp-2'])
    view['what_if']['fits']
"""

from fleet.common import states

RESOURCES = ('vcpus', 'memory_mb', 'disk_gb')


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


def schedulable(host):
    return (
        host['state'] == states.HOST_ACTIVE
        and host.get('nova_service_status') != 'disabled'
    )


def host_row(host, instances):
    """Capacity of one host from its facts and its instances."""
    facts = host.get('facts') or {}
    total = {r: int(facts.get(r) or 0) for r in RESOURCES}
    used = {r: sum(int(i.get(r) or 0) for i in instances) for r in RESOURCES}
    return {
        'name': host['name'],
        'uuid': host['uuid'],
        'availability_zone': host.get('availability_zone'),
        'aggregates': list(facts.get('aggregates') or []),
        'schedulable': schedulable(host),
        'instances': len(instances),
        'total': total,
        'used': used,
        'free': {r: total[r] - used[r] for r in RESOURCES},
    }


def compute(hosts, instances, without=()):
    """The capacity view.

    :param hosts: host dicts (non-compute hosts are skipped).
    :param instances: instance dicts with ``host`` and the resources.
    :param without: names of hosts to take down in a what-if.
    :returns: ``{'hosts': [...], 'availability_zones': {az: sums},
        'aggregates': {name: sums}, 'total': sums}`` plus, with
        ``without``, ``what_if``: ``{'without', 'displaced' (used on the
        hosts taken down), 'free_elsewhere' (free on the schedulable
        others), 'free_after', 'fits'}``.
    """
    by_host = {}
    for inst in instances:
        by_host.setdefault(inst.get('host'), []).append(inst)
    rows = [
        host_row(h, by_host.get(h['name'], []))
        for h in hosts
        if h.get('kind', 'compute') == 'compute'
    ]
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
    }
    if without:
        down = set(without)
        displaced = dict.fromkeys(RESOURCES, 0)
        elsewhere = dict.fromkeys(RESOURCES, 0)
        for row in rows:
            for r in RESOURCES:
                if row['name'] in down:
                    displaced[r] += row['used'][r]
                elif row['schedulable']:
                    elsewhere[r] += max(row['free'][r], 0)
        after = {r: elsewhere[r] - displaced[r] for r in RESOURCES}
        view['what_if'] = {
            'without': sorted(down),
            'displaced': displaced,
            'free_elsewhere': elsewhere,
            'free_after': after,
            'fits': all(v >= 0 for v in after.values()),
        }
    return view
