#!/usr/bin/env python3
"""Drain a minicloud compute of 20 instances through fleet, beside a bare
loop of Nova live migrations with the same parallelism.

fleet runs as ``fleet-all-in-one`` with the ``nova`` compute driver (its
own SQLite database, in-process bus); the instances are booted on the host,
fleet drains it (``kind: drain``, ``max_parallel``), then the same number is
booted again and drained by :func:`drain_nova_baseline.drain`. Prints both
wall times and fleet / baseline.

Usage::

    python3 tools/minicloud/minicloud up
    .venv/bin/python tools/bench/drain_bench.py [--instances 20]
        [--parallel 4] [--host fc1]
"""

import argparse
import json
import os
import shutil
import signal
import socket
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


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _start_fleet(cloud, workdir):
    port = _free_port()
    creds = cloud.config['fleet']
    conf = os.path.join(workdir, 'fleet.conf')
    with open(conf, 'w') as f:
        f.write(
            f'[DEFAULT]\nhost = bench\n'
            f'[api]\nport = {port}\nhost_ip = 127.0.0.1\n'
            f'[database]\nconnection = sqlite:///{workdir}/fleet.sqlite\n'
            f'[drivers]\ncompute = nova\n'
            f'[maintenance]\npoll_interval = 0.5\n'
            f'[nova]\nauth_type = password\n'
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


def fleet_drain(url, host, parallel):
    started = time.monotonic()
    execution = _call(
        url + '/v1/executions',
        'POST',
        {'host': host, 'kind': 'drain', 'max_parallel': parallel},
    )
    while execution['state'] not in ('succeeded', 'failed', 'cancelled'):
        time.sleep(0.25)
        execution = _call(url + f'/v1/executions/{execution["uuid"]}')
    return round(time.monotonic() - started, 2), execution


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--instances', type=int, default=20)
    parser.add_argument('--parallel', type=int, default=4)
    parser.add_argument('--host')
    args = parser.parse_args()
    cloud = baseline.connect()
    host = args.host or cloud.config['computes'][0]
    workdir = tempfile.mkdtemp(prefix='fleet-bench-')
    proc, url = _start_fleet(cloud, workdir)
    booted = []
    try:
        for name in cloud.config['computes']:
            _call(url + '/v1/hosts', 'POST', {'name': name})
        uuids = baseline.boot_instances(
            cloud, host, args.instances, prefix='fleet-bench'
        )
        booted += uuids
        fleet_seconds, execution = fleet_drain(url, host, args.parallel)
        moved = execution['progress']['instances_summary']['moved']
        print(
            f'fleet:    {execution["state"]}, {moved} instances moved in '
            f'{fleet_seconds} s (max_parallel {args.parallel})'
        )
        uuids = baseline.boot_instances(
            cloud, host, args.instances, prefix='nova-bench'
        )
        booted += uuids
        result = baseline.drain(cloud, host, args.parallel)
        print(
            f'baseline: {result["by_status"]}, {result["instances"]} '
            f'instances in {result["wall_seconds"]} s (parallel '
            f'{args.parallel})'
        )
        ratio = fleet_seconds / result['wall_seconds']
        print(f'ratio fleet / baseline: {ratio:.2f}')
    finally:
        baseline.delete_all(cloud, booted)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == '__main__':
    sys.exit(main())
