#!/usr/bin/env python3
"""kill -9 of fleet-conductor at random moments of maintenance runs.

On the minicloud's real Nova, with a real fleet-conductor and fleet-api
(RabbitMQ, a MariaDB database of their own), each round:

1. starts a run (``drain`` or ``drain_patch_reboot`` with the noop
   executor, at random) on the compute holding the tool's instances;
2. waits a random time (``--max-delay``), then SIGKILLs the conductor's
   process group, wherever the run is (pending, disabling, migrating,
   verifying, closing ...);
3. starts a new conductor (same name: it resumes its own runs) and waits
   for the run to end;
4. checks that the run ended correctly: ``succeeded``, every instance off
   the host after exactly one completed migration (never two), the host
   free and ``active``, its nova-compute enabled. Any other end is
   counted as wrong and explained.

It prints one line per round and a tally, and exits 1 if any round ended
wrong. It leaves the cloud as it found it (instances deleted, computes
enabled), also when interrupted.

Usage (under the minicloud lock of COMMON.md)::

    flock /tmp/fleet-minicloud.lock .tox/py3/bin/python \\
        tools/chaos/kill_conductor.py --rounds 10 --instances 3
"""

import argparse
import collections
import os
import random
import signal
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'tools', 'bench'))

import drain_nova_baseline as nova_tools  # noqa: E402

from fleet.tests.functional import base  # noqa: E402

FINAL = ('succeeded', 'failed', 'cancelled')
HEADERS = {'OpenStack-API-Version': 'fleet 1.5'}
#: Migration states that count as a move that happened.
DONE = ('completed', 'confirmed', 'finished')


class Fleet:
    def __init__(self, workdir, config):
        self.workdir = workdir
        self.procs = base.Processes(workdir)
        self.database = base.create_mysql_database()
        self.api_port = base.free_port()
        self.url = f'http://127.0.0.1:{self.api_port}'
        self.conf = base.write_config(
            os.path.join(workdir, 'fleet.conf'),
            {
                'DEFAULT': {
                    'host': base.unique('chaos-conductor-'),
                    'transport_url': config['transport_url'],
                },
                'database': {'connection': self.database.url},
                'api': {
                    'auth_strategy': 'noauth',
                    'host_ip': '127.0.0.1',
                    'port': self.api_port,
                },
                'conductor': {
                    'topic': base.unique('fleet-chaos-'),
                    'inventory_sync_interval': 0,
                    'sync_inventory_on_start': False,
                },
                'drivers': {'compute': 'nova'},
                'maintenance': {'poll_interval': 0.5, 'verify_timeout': 60},
                'nova': base.nova_options(config),
                'oslo_messaging_notifications': {'driver': 'noop'},
            },
        )
        base.run(
            [
                base.fleet_command('fleet-dbsync'),
                '--config-file',
                self.conf,
                'upgrade',
            ]
        )
        self.conductor = None
        self.starts = 0
        self.start_conductor()
        self.procs.start(
            'fleet-api',
            [base.fleet_command('fleet-api'), '--config-file', self.conf],
            port=self.api_port,
        )

    def start_conductor(self):
        self.starts += 1
        self.conductor = self.procs.start(
            f'fleet-conductor-{self.starts}',
            [
                base.fleet_command('fleet-conductor'),
                '--config-file',
                self.conf,
            ],
        )
        self.conductor.wait_for_log(' started on topic ')

    def kill_conductor(self):
        os.killpg(self.conductor.pid, signal.SIGKILL)
        self.conductor.popen.wait(10)

    def call(self, method, path, body=None, expect=None):
        response = requests.request(
            method, self.url + path, json=body, headers=HEADERS, timeout=30
        )
        if expect is not None and response.status_code != expect:
            raise RuntimeError(
                f'{method} {path}: {response.status_code} {response.text}'
            )
        return response.json() if response.content else None

    def close(self):
        self.procs.stop_all()
        self.database.drop()


def where(nova, uuids):
    return {
        u: getattr(nova.nova.servers.get(u), 'OS-EXT-SRV-ATTR:host')
        for u in uuids
    }


def moves(nova, uuid):
    return sum(
        1
        for m in nova.nova.migrations.list(instance_uuid=uuid)
        if m.status in DONE
    )


def service(nova, host):
    return nova.nova.services.list(host=host, binary='nova-compute')[0]


def restore(nova, fleet, host):
    """Put a host back in the pool after a round that left it out."""
    svc = service(nova, host)
    if svc.status != 'enabled':
        nova.nova.services.enable(svc.id)
    state = fleet.call('GET', f'/v1/hosts/{host}', expect=200)
    if state['execution']:
        fleet.call(
            'POST',
            f'/v1/hosts/{host}/release',
            {'reason': 'chaos tool: restore after a wrong round'},
        )
    if state['state'] != 'active' or state['execution']:
        fleet.call(
            'PATCH',
            f'/v1/hosts/{host}',
            {'state': 'active', 'state_reason': None},
        )


def one_round(number, nova, fleet, uuids, rng, args):
    before = where(nova, uuids)
    counts = collections.Counter(before.values())
    source = counts.most_common(1)[0][0]
    leaving = [u for u, h in before.items() if h == source]
    moved_before = {u: moves(nova, u) for u in uuids}
    kind = rng.choice(('drain', 'drain_patch_reboot'))
    delay = rng.uniform(0, args.max_delay)
    began = time.monotonic()
    run = fleet.call(
        'POST',
        '/v1/executions',
        {'host': source, 'kind': kind, 'max_parallel': 2},
        expect=202,
    )
    uuid = run['uuid']
    time.sleep(delay)
    at_kill = fleet.call('GET', f'/v1/executions/{uuid}', expect=200)
    phase = at_kill['state']
    if at_kill['state'] not in FINAL:
        phase += f'/{at_kill["current_step"] or "-"}'
    killed = at_kill['state'] not in FINAL
    fleet.kill_conductor()
    fleet.start_conductor()
    deadline = time.monotonic() + args.run_timeout
    while True:
        execution = fleet.call('GET', f'/v1/executions/{uuid}', expect=200)
        if execution['state'] in FINAL:
            break
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    seconds = time.monotonic() - began
    after = where(nova, uuids)
    twice = [u for u in uuids if moves(nova, u) - moved_before[u] > 1]
    problems = []
    if execution['state'] != 'succeeded':
        problems.append(f'run {execution["state"]}: {execution.get("result")}')
    for u in leaving:
        if after[u] == source:
            problems.append(f'{u} still on {source}')
        elif moves(nova, u) - moved_before[u] != 1:
            problems.append(f'{u} moved {moves(nova, u) - moved_before[u]}x')
    if twice:
        problems.append(f'migrated twice: {twice}')
    host = fleet.call('GET', f'/v1/hosts/{source}', expect=200)
    if host['execution'] is not None:
        problems.append(f'host still held by {host["execution"]}')
    if execution['state'] == 'succeeded':
        if host['state'] != 'active':
            problems.append(f'host {host["state"]}')
        if service(nova, source).status != 'enabled':
            problems.append('nova-compute left disabled')
    if problems:
        restore(nova, fleet, source)
    print(
        f'round {number:2d}: {kind:18s} on {source} ({len(leaving)} '
        f'instances), kill after {delay:4.1f} s at {phase:38s} -> '
        f'{execution["state"]:9s} in {seconds:5.1f} s'
        + (f'  WRONG: {"; ".join(problems)}' if problems else '  ok'),
        flush=True,
    )
    return {
        'ok': not problems,
        'killed_mid_run': killed,
        'phase': phase.split('/')[-1] if killed else 'after the end',
        'state': execution['state'],
        'twice': len(twice),
        'seconds': seconds,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=10)
    parser.add_argument('--instances', type=int, default=3)
    parser.add_argument(
        '--max-delay',
        type=float,
        default=12.0,
        help='kill at a random time in [0, this] seconds after the POST',
    )
    parser.add_argument('--run-timeout', type=float, default=300.0)
    parser.add_argument('--seed', type=int, default=None)
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(10**6)  # noqa: S311
    rng = random.Random(seed)  # noqa: S311 - chaos, not cryptography
    nova = nova_tools.connect()
    computes = nova.config['computes']
    workdir = tempfile.mkdtemp(prefix='fleet-chaos-')
    print(f'== seed {seed}; logs in {workdir}', flush=True)
    fleet = Fleet(workdir, nova.config)
    uuids = []
    results = []
    try:
        for name in computes:
            fleet.call(
                'POST', '/v1/hosts', {'name': name, 'kind': 'compute'}, 201
            )
        uuids = nova_tools.boot_instances(
            nova, computes[0], args.instances, prefix='fleet-chaos'
        )
        for number in range(1, args.rounds + 1):
            results.append(one_round(number, nova, fleet, uuids, rng, args))
    finally:
        nova_tools.delete_all(nova, uuids)
        for name in computes:
            svc = service(nova, name)
            if svc.status != 'enabled':
                nova.nova.services.enable(svc.id)
        fleet.close()
    wrong = [r for r in results if not r['ok']]
    phases = collections.Counter(r['phase'] for r in results)
    print('== tally')
    print(f'rounds: {len(results)}, seed {seed}')
    print(
        f'killed mid-run: {sum(r["killed_mid_run"] for r in results)} '
        f'(phases: {dict(sorted(phases.items()))})'
    )
    print(
        'ended: '
        + ', '.join(
            f'{s} {n}'
            for s, n in sorted(
                collections.Counter(r['state'] for r in results).items()
            )
        )
    )
    print(f'ended correctly: {len(results) - len(wrong)} / {len(results)}')
    print(f'instances migrated twice: {sum(r["twice"] for r in results)}')
    if results:
        print(
            f'run time after the kill: max '
            f'{max(r["seconds"] for r in results):.1f} s'
        )
    return 1 if wrong or len(results) < args.rounds else 0


if __name__ == '__main__':
    sys.exit(main())
