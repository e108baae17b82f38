#!/usr/bin/env python3
"""Planner at scale: how long a plan's order and waves take for a large
fleet under a budget, and how good the waves are.

Builds ``--hosts`` computes over ``--zones`` availability zones and
``--racks`` racks per zone, ``--instances`` instances spread over them
(a random count per host), and anti-affinity server groups of 3 members
on distinct hosts; then runs :func:`fleet.conductor.plans.plan_waves`
(what ``POST /v1/plans`` with ``dry_run`` runs) and prints figures only:

* ``plan_s``: time to compute the waves;
* ``waves``: how many;
* ``makespan_s``: the sum over waves of the wave's longest host (a host
  takes ``instances x --per-instance-s``), i.e. the plan's duration if
  each wave waits for its slowest host;
* ``lower_bound_s``: max(total work / allowed parallelism, longest host);
  ``ratio`` = makespan / lower bound. The conductor does not wait for
  a whole wave (it starts the next host as soon as a slot frees), so the
  wave makespan is an upper estimate of a real plan's duration.

Then the capacity headroom at admission (``[budget] capacity_headroom``):
the time :func:`fleet.common.budget.check` takes to judge one run in a
zone of ``--zone-hosts`` hosts holding ``--zone-instances`` instances
with ``--admitted`` other runs admitted (``headroom_ms``, the rule
alone, on rows already read; the database read of the zone's instances
comes on top), and whether it admits (``fits``).

Usage::

    .tox/py3/bin/python tools/bench/plan_bench.py \
        [--hosts 10000] [--instances 200000] [--max-at-once 100]
"""

import argparse
import random
import time

from fleet import conf  # noqa: F401  (registers the options)
from fleet.common import budget
from fleet.conductor import plans


class Reader:
    """The admission transaction's on-demand reads, from memory."""

    def __init__(self, instances):
        self._instances = instances

    def instances(self, names):
        names = set(names)
        return [i for i in self._instances if i['host'] in names]

    def reservations(self):
        return []


def bench_headroom(args, rng):
    hosts = [
        {
            'uuid': f'z{i}',
            'name': f'zcmp-{i:05d}',
            'state': 'active',
            'availability_zone': 'az0',
            'rack': None,
            'cell': None,
            'region': None,
            'facts': {'vcpus': 128, 'memory_mb': 524288, 'disk_gb': 4000},
            'nova_service_status': 'enabled',
            'nova_service_state': 'up',
        }
        for i in range(args.zone_hosts)
    ]
    instances = [
        {
            'uuid': f'i{n}',
            'host': hosts[rng.randrange(len(hosts))]['name'],
            'vcpus': rng.choice((1, 2, 4, 8)),
            'memory_mb': rng.choice((2048, 4096, 8192, 16384)),
            'disk_gb': 20,
            'server_group': f'g{n // 3}' if n % 10 == 0 else None,
            'server_group_policy': 'anti-affinity' if n % 10 == 0 else None,
        }
        for n in range(args.zone_instances)
    ]
    admitted = [
        {'uuid': f'r{i}', 'host_uuid': f'z{i}', 'plan_uuid': None}
        for i in range(1, args.admitted + 1)
    ]
    run = {'uuid': 'r0', 'host_uuid': 'z0', 'plan_uuid': None}
    limits = {'capacity_headroom': True, 'anti_affinity': False}
    reader = Reader(instances)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        reason = budget.check(run, hosts, admitted, [], limits, reader)
        times.append(time.perf_counter() - start)
    times.sort()
    print(
        f'zone_hosts={args.zone_hosts} zone_instances={args.zone_instances} '
        f'admitted={args.admitted}'
    )
    print(
        f'headroom_ms={times[len(times) // 2] * 1000:.1f} '
        f'(median of 5) fits={reason is None}'
    )


def build(args, rng):
    hosts = []
    for i in range(args.hosts):
        zone = i % args.zones
        hosts.append(
            {
                'uuid': f'h{i}',
                'name': f'cmp-{i:05d}',
                'state': 'active',
                'availability_zone': f'az{zone}',
                'rack': f'az{zone}-r{(i // args.zones) % args.racks}',
                'cell': None,
                'facts': {},
                'nova_service_status': 'enabled',
            }
        )
    counts = [0] * args.hosts
    for _ in range(args.instances):
        counts[rng.randrange(args.hosts)] += 1
    groups = {}
    for g in range(args.instances // 40):
        for h in rng.sample(range(args.hosts), 3):
            groups.setdefault(hosts[h]['name'], set()).add(f'g{g}')
    return hosts, counts, groups


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hosts', type=int, default=10000)
    parser.add_argument('--instances', type=int, default=200000)
    parser.add_argument('--zones', type=int, default=20)
    parser.add_argument('--racks', type=int, default=25)
    parser.add_argument('--max-at-once', type=int, default=100)
    parser.add_argument('--max-out-per-az', default='10%')
    parser.add_argument('--max-out-per-rack', default='2')
    parser.add_argument('--per-instance-s', type=float, default=30.0)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--zone-hosts', type=int, default=500)
    parser.add_argument('--zone-instances', type=int, default=10000)
    parser.add_argument('--admitted', type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 (a reproducible fleet)
    hosts, counts, groups = build(args, rng)
    limits = {
        'max_at_once': args.max_at_once,
        'max_out_per_az': args.max_out_per_az,
        'max_out_per_rack': args.max_out_per_rack,
        'anti_affinity': True,
    }
    ordered = sorted(
        hosts, key=lambda h: (h['availability_zone'], h['rack'], h['name'])
    )
    start = time.perf_counter()
    waves = plans.plan_waves(ordered, hosts, limits, groups)
    plan_s = time.perf_counter() - start
    took = {
        h['name']: counts[i] * args.per_instance_s for i, h in enumerate(hosts)
    }
    makespan = sum(max(took[n] for n in wave) for wave in waves if wave)
    # The most hosts out at once any budget allows: max_at_once, or
    # fewer hosts than that.
    parallel = min(args.max_at_once, len(hosts))
    bound = max(sum(took.values()) / parallel, max(took.values()))
    assert sorted(n for w in waves for n in w) == sorted(took)
    print(
        f'hosts={args.hosts} instances={args.instances} '
        f'max_at_once={args.max_at_once} '
        f'max_out_per_az={args.max_out_per_az} '
        f'max_out_per_rack={args.max_out_per_rack}'
    )
    print(f'plan_s={plan_s:.3f} waves={len(waves)}')
    print(
        f'makespan_s={makespan:.0f} lower_bound_s={bound:.0f} '
        f'ratio={makespan / bound:.2f}'
    )
    bench_headroom(args, rng)


if __name__ == '__main__':
    main()
