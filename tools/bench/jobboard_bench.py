#!/usr/bin/env python3
"""Runs completed per minute on the simulated cloud, 1 vs N conductors.

For each conductor count, starts fleet-api and that many real
fleet-conductor processes (MariaDB database of their own, RabbitMQ, the
Redis jobboard and tooz coordination), on the simulated cloud (``fake``
compute and inventory drivers) with ``--hosts`` hosts; the leader syncs
the inventory, then ``--runs`` drain runs are posted on distinct hosts at
once, and the time until the last one ends gives runs per minute.

The simulated cloud lives in each conductor's memory (same seed, same
hosts): a run is run by one conductor only, on that conductor's copy, so
the runs, on distinct hosts, do not interfere. A simulated live migration
takes ``--migration-seconds``, as Nova's would keep a conductor waiting.

Usage::

    .tox/py3/bin/python tools/bench/jobboard_bench.py \\
        [--hosts 1000] [--runs 60] [--conductors 1 3]
"""

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid as uuidlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from fleet.tests.functional import base  # noqa: E402

HEADERS = {
    'Content-Type': 'application/json',
    'OpenStack-API-Version': 'fleet 1.4',
}
FINAL = ('succeeded', 'failed', 'cancelled')


def call(url, method='GET', body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
        url, data=data, method=method, headers=HEADERS
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.loads(response.read() or b'null')


def wait_for(predicate, what, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f'{what}: not after {timeout} s')


def one_setup(args, conductors, workdir):
    procs = base.Processes(workdir)
    database = base.create_mysql_database()
    api_port = base.free_port()
    board = base.unique('fleet_bench_jb_')
    sections = {
        'DEFAULT': {
            'host': 'bench-api',
            'transport_url': args.transport_url,
        },
        'database': {'connection': database.url},
        'api': {
            'auth_strategy': 'noauth',
            'host_ip': '127.0.0.1',
            'port': api_port,
        },
        'conductor': {
            'topic': base.unique('fleet-bench-jb-'),
            'inventory_sync_interval': 0,
            'sync_inventory_on_start': True,
        },
        'coordination': {
            'backend_url': f'redis://127.0.0.1:6379?timeout=10&'
            f'namespace={board}',
        },
        'jobboard': {
            'backend': 'redis',
            'board_name': board,
            'poll_interval': 0.5,
            'max_runs': args.max_runs,
        },
        'drivers': {'compute': 'fake', 'inventory': 'fake'},
        'fake_cloud': {
            'hosts': args.hosts,
            'instances_per_host': args.instances,
            'migration_seconds': args.migration_seconds,
        },
        'maintenance': {'poll_interval': 0.2},
        'oslo_messaging_notifications': {'driver': 'noop'},
        'oslo_messaging_rabbit': {'heartbeat_timeout_threshold': 0},
    }
    conf = base.write_config(os.path.join(workdir, 'fleet.conf'), sections)
    base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    for i in range(conductors):
        name = f'bench-conductor-{i}'
        own = dict(sections, DEFAULT=dict(sections['DEFAULT'], host=name))
        path = base.write_config(os.path.join(workdir, f'{name}.conf'), own)
        proc = procs.start(
            name,
            [base.fleet_command('fleet-conductor'), '--config-file', path],
        )
        proc.wait_for_log(' started on topic ', timeout=120)
    procs.start(
        'fleet-api',
        [base.fleet_command('fleet-api'), '--config-file', conf],
        port=api_port,
    )
    return procs, database, f'http://127.0.0.1:{api_port}'


def measure(args, conductors):
    workdir = tempfile.mkdtemp(prefix=f'fleet-jb-bench-{conductors}-')
    procs, database, url = one_setup(args, conductors, workdir)
    try:
        last = f'sim-compute-{args.hosts:03d}'
        wait_for(
            lambda: call(f'{url}/v1/hosts/{last}'),
            f'inventory of {args.hosts} hosts',
            300,
        )
        names = [f'sim-compute-{i:03d}' for i in range(1, args.runs + 1)]
        began = time.monotonic()
        uuids = [
            call(
                f'{url}/v1/executions',
                'POST',
                {'host': name, 'kind': 'drain', 'max_parallel': 2},
            )['uuid']
            for name in names
        ]
        posted = time.monotonic() - began
        pending = set(uuids)
        states = {}
        deadline = time.monotonic() + args.timeout
        while pending and time.monotonic() < deadline:
            for uuid in list(pending):
                execution = call(f'{url}/v1/executions/{uuid}')
                if execution['state'] in FINAL:
                    states[uuid] = (execution['state'], execution['conductor'])
                    pending.discard(uuid)
            time.sleep(0.5)
        elapsed = time.monotonic() - began
        by_state = {}
        by_conductor = {}
        for state, conductor in states.values():
            by_state[state] = by_state.get(state, 0) + 1
            by_conductor[conductor] = by_conductor.get(conductor, 0) + 1
        return {
            'conductors': conductors,
            'runs': len(uuids),
            'ended': len(states),
            'seconds': elapsed,
            'post_seconds': posted,
            'per_minute': 60.0 * len(states) / elapsed,
            'states': by_state,
            'by_conductor': by_conductor,
            'logs': workdir,
        }
    finally:
        procs.stop_all()
        database.drop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=60)
    parser.add_argument('--instances', type=int, default=2)
    parser.add_argument('--migration-seconds', type=float, default=1.0)
    parser.add_argument('--max-runs', type=int, default=16)
    parser.add_argument('--conductors', type=int, nargs='+', default=[1, 3])
    parser.add_argument('--timeout', type=float, default=900)
    parser.add_argument(
        '--transport-url',
        default=os.environ.get(
            'FLEET_BENCH_TRANSPORT_URL', 'rabbit://guest:guest@127.0.0.1:5672/'
        ),
    )
    args = parser.parse_args(argv)
    print(
        f'== simulated cloud: {args.hosts} hosts x {args.instances} '
        f'instances, {args.migration_seconds} s per migration; {args.runs} '
        f'drain runs posted at once (max_parallel 2), [jobboard] max_runs '
        f'{args.max_runs}; run id {uuidlib.uuid4().hex[:6]}',
        flush=True,
    )
    results = []
    for conductors in args.conductors:
        result = measure(args, conductors)
        results.append(result)
        print(
            f'{conductors} conductor(s): {result["ended"]}/{result["runs"]} '
            f'runs ended in {result["seconds"]:.1f} s '
            f'(posting took {result["post_seconds"]:.1f} s) -> '
            f'{result["per_minute"]:.1f} runs/min; states '
            f'{result["states"]}; per conductor {result["by_conductor"]}',
            flush=True,
        )
    if len(results) > 1:
        first = results[0]['per_minute']
        for result in results[1:]:
            print(
                f'{result["conductors"]} vs {results[0]["conductors"]}: '
                f'x{result["per_minute"] / first:.2f}'
            )
    return 0 if all(r['ended'] == r['runs'] for r in results) else 1


if __name__ == '__main__':
    sys.exit(main())
