#!/usr/bin/env python3
"""Drain overhead: fleet's drain of a minicloud compute against a bare
novaclient loop doing the same live migrations with the same parallelism.

fleet runs as ``fleet-all-in-one`` with the ``nova`` compute driver (its
own SQLite database unless ``--connection``, in-process RPC bus) and, by
default, listens to Nova's versioned notifications on the minicloud's
RabbitMQ, as a deployed conductor does. Each *pair* boots ``--instances``
on the host and drains them through fleet (``kind: drain``,
``max_parallel``), boots as many again and drains them with
:func:`drain_nova_baseline.drain`; the order alternates from pair to pair
(fleet first, then the bare loop first, ...) so neither side always gets
the warmer cloud. Instances are deleted after each drain. Prints each
pair with fleet's run split into start-up (request to first migration
started), migrations and close (last migration done to the run's end),
then the median ratio fleet / bare loop, with ``uptime``.

Run it under the minicloud lock (the cloud is shared)::

    flock /tmp/fleet-minicloud.lock python3 tools/minicloud/minicloud up
    flock /tmp/fleet-minicloud.lock .tox/functional/bin/python \\
        tools/bench/drain_bench.py [--pairs 5] [--instances 8] \\
        [--parallel 2] [--host fc1] [--no-notifications] [--poll 0.1] \\
        [--connection URL] [--timeline]
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drain_nova_baseline as baseline  # noqa: E402

HEADERS = {
    'Content-Type': 'application/json',
    'OpenStack-API-Version': 'fleet 1.1',
}


def _call(url, method='GET', body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
        url, data=data, method=method, headers=HEADERS
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b'null')


#: Notification pool (and RabbitMQ queue) of the bench's fleet.
POOL = 'fleet-drain-bench'


def _drop_queue(cloud):
    """Delete the bench's notification queue, so that it does not fill
    up with Nova's notifications once no one reads it (best effort)."""
    try:
        import kombu

        # kombu names oslo.messaging's rabbit:// scheme amqp://.
        url = cloud.config['transport_url'].replace('rabbit://', 'amqp://', 1)
        with kombu.Connection(url) as conn:
            conn.default_channel.queue_delete(POOL)
    except Exception as e:  # noqa: BLE001 - cleanup only
        print(f'cannot delete queue {POOL}: {e}', file=sys.stderr)


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _start_fleet(cloud, workdir, args):
    port = _free_port()
    creds = cloud.config['fleet']
    conf = os.path.join(workdir, 'fleet.conf')
    listen = ''
    if not args.no_notifications:
        # fleet's conductor hears Nova's versioned notifications on the
        # minicloud's RabbitMQ, in a pool of its own (a queue named after
        # it, deleted when the bench ends: see _drop_queue).
        listen = (
            f'[inventory]\nlisten_notifications = true\n'
            f'notifications_pool = {POOL}\n'
            f'[oslo_messaging_notifications]\n'
            f'transport_url = {cloud.config["transport_url"]}\n'
        )
    connection = args.connection or f'sqlite:///{workdir}/fleet.sqlite'
    with open(conf, 'w') as f:
        f.write(
            f'[DEFAULT]\nhost = bench\n'
            f'[api]\nport = {port}\nhost_ip = 127.0.0.1\n'
            f'[database]\nconnection = {connection}\n'
            f'[drivers]\ncompute = nova\n'
            + (
                f'[maintenance]\npoll_interval = {args.poll_interval}\n'
                if args.poll_interval
                else ''
            )
            + listen
            + f'[nova]\nauth_type = password\n'
            f'auth_url = {cloud.config["auth_url"]}\n'
            f'username = {creds["username"]}\n'
            f'password = {creds["password"]}\n'
            f'project_name = {creds["project_name"]}\n'
            f'user_domain_name = {creds["user_domain_name"]}\n'
            f'project_domain_name = {creds["project_domain_name"]}\n'
            f'region_name = {cloud.config["region"]}\n'
            f'valid_interfaces = public\n'
        )
    command = os.path.join(os.path.dirname(sys.executable), 'fleet-all-in-one')
    if not os.path.exists(command):
        command = shutil.which('fleet-all-in-one')
    log = open(os.path.join(workdir, 'fleet.log'), 'w')  # noqa: SIM115
    proc = subprocess.Popen(
        [command, '--config-file', conf],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _call(url + '/v1/hosts')
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    sys.exit(f'fleet-all-in-one did not start; see {workdir}/fleet.log')


def fleet_drain(url, host, parallel, poll=0.1):
    """One fleet drain of ``host``, timed from the POST to the end state
    seen by polling the API every ``poll`` seconds (the poll adds at most
    that; each look is a GET of the whole run, served by fleet-api on the
    same machine as the cloud)."""
    started = time.monotonic()
    execution = _call(
        url + '/v1/executions',
        'POST',
        {'host': host, 'kind': 'drain', 'max_parallel': parallel},
    )
    while execution['state'] not in ('succeeded', 'failed', 'cancelled'):
        time.sleep(poll)
        execution = _call(url + f'/v1/executions/{execution["uuid"]}')
    return round(time.monotonic() - started, 2), execution


def timeline(execution):
    """Seconds from the run's start to each history event, per step."""
    events = execution.get('events') or []
    if not events:
        return ''
    t0 = _parse(execution['created_at'])
    lines = []
    for e in events:
        lines.append(
            f'    +{_parse(e["created_at"]) - t0:6.2f} s {e["step"]}: '
            f'{e["message"][:90]}'
        )
    return '\n'.join(lines)


def phases(execution):
    """``(start-up, migrations, close)`` seconds of a run from its
    history: the request to the first migration started, to the last
    one done, to the run's end. None if the history lacks a mark, or if
    its times are whole seconds (MariaDB's DATETIME keeps no fraction:
    such a split would say nothing)."""
    events = execution.get('events') or []
    starts = [e for e in events if e['step'] == 'LiveMigrateInstance']
    waits = [e for e in events if e['step'] == 'WaitForMigration']
    if not (events and starts and waits):
        return None
    marks = [
        _parse(value)
        for value in (
            execution['created_at'],
            starts[0]['created_at'],
            waits[-1]['created_at'],
            events[-1]['created_at'],
        )
    ]
    if all(mark % 1 == 0 for mark in marks):
        return None
    t0, first, last, end = marks
    return first - t0, last - first, end - last


def _parse(value):
    from datetime import datetime

    return datetime.fromisoformat(value.rstrip('Z')).timestamp()


def _uptime():
    try:
        return subprocess.run(
            ['uptime'], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return 'uptime unavailable'


def one_fleet(cloud, url, args, booted):
    uuids = baseline.boot_instances(
        cloud, args.host, args.instances, prefix='fleet-bench'
    )
    booted += uuids
    try:
        seconds, execution = fleet_drain(
            url, args.host, args.parallel, args.poll
        )
    finally:
        baseline.delete_all(cloud, uuids)
        del booted[-len(uuids) :]  # gone: not deleted again at the end
    moved = execution['progress']['instances_summary']['moved']
    # fleet drains the whole host: more moved than booted (instances
    # someone left there) would compare unequal work.
    if execution['state'] != 'succeeded' or moved != len(uuids):
        sys.exit(
            f'fleet run {execution["uuid"]} ended {execution["state"]} with '
            f'{moved}/{len(uuids)} moved; a failed drain is no figure'
        )
    return seconds, execution


def one_bare(cloud, args, booted):
    uuids = baseline.boot_instances(
        cloud, args.host, args.instances, prefix='nova-bench'
    )
    booted += uuids
    try:
        result = baseline.drain(cloud, args.host, args.parallel, only=uuids)
    finally:
        baseline.delete_all(cloud, uuids)
        del booted[-len(uuids) :]  # gone: not deleted again at the end
    if result['by_status'] != {'completed': len(uuids)}:
        sys.exit(f'bare loop: {result["by_status"]}; no figure')
    return result['wall_seconds']


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--instances', type=int, default=8)
    parser.add_argument('--parallel', type=int, default=2)
    parser.add_argument('--pairs', type=int, default=5)
    parser.add_argument('--host')
    parser.add_argument(
        '--no-notifications',
        action='store_true',
        help='fleet does not listen to Nova\'s notifications (polling only)',
    )
    parser.add_argument(
        '--poll-interval',
        type=float,
        help='[maintenance] poll_interval of fleet (default: fleet\'s)',
    )
    parser.add_argument(
        '--connection',
        help='fleet\'s database URL (default: a new SQLite file); a '
        'MariaDB database must exist and be empty',
    )
    parser.add_argument(
        '--poll',
        type=float,
        default=0.1,
        help='seconds between two looks of the bench at a fleet run '
        '(default 0.1; the bare loop looks at Nova every 0.5 s)',
    )
    parser.add_argument(
        '--timeline',
        action='store_true',
        help='print the history of each fleet run with its timings',
    )
    args = parser.parse_args()
    cloud = baseline.connect()
    args.host = args.host or cloud.config['computes'][0]
    workdir = tempfile.mkdtemp(prefix='fleet-bench-')
    proc, url = _start_fleet(cloud, workdir, args)
    booted = []
    ratios = []
    splits = []
    print(
        f'{args.pairs} pairs: {args.instances} instances off {args.host}, '
        f'{args.parallel} at a time, fake migrations of '
        f'{cloud.config.get("migration_seconds")} s; notifications '
        f'{"off" if args.no_notifications else "on"}; {_uptime()}'
    )
    try:
        for name in cloud.config['computes']:
            _call(url + '/v1/hosts', 'POST', {'name': name})
        for pair in range(args.pairs):
            fleet_first = pair % 2 == 0
            if fleet_first:
                fleet_s, execution = one_fleet(cloud, url, args, booted)
                bare_s = one_bare(cloud, args, booted)
            else:
                bare_s = one_bare(cloud, args, booted)
                fleet_s, execution = one_fleet(cloud, url, args, booted)
            ratio = fleet_s / bare_s
            ratios.append(ratio)
            print(
                f'pair {pair + 1} ({"fleet" if fleet_first else "bare"} '
                f'first): fleet {fleet_s:.2f} s, bare loop {bare_s:.2f} s, '
                f'ratio {ratio:.2f}',
                flush=True,
            )
            split = phases(execution)
            if split is not None:
                splits.append(split)
                print(
                    '    fleet: start-up %.2f s, migrations %.2f s, '
                    'close %.2f s (from its history)' % split,
                    flush=True,
                )
            if args.timeline:
                print(timeline(execution), flush=True)
        print(
            f'median ratio fleet / bare loop: {statistics.median(ratios):.2f}'
            f' (min {min(ratios):.2f}, max {max(ratios):.2f}, '
            f'{len(ratios)} pairs); {_uptime()}'
        )
        if splits:
            print(
                'median fleet phases: start-up %.2f s, migrations %.2f s, '
                'close %.2f s'
                % tuple(
                    statistics.median(p[i] for p in splits) for i in (0, 1, 2)
                )
            )
    finally:
        baseline.delete_all(cloud, booted)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not args.no_notifications:
            _drop_queue(cloud)
    return 0


if __name__ == '__main__':
    sys.exit(main())
