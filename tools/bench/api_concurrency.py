#!/usr/bin/env python3
"""Concurrent clients against fleet-api: errors and latencies.

Starts a fleet-all-in-one (simulated cloud, SQLite in a temporary
directory, a free port) unless --url is given, then runs --clients
threads that each make --requests requests, every one on a new TCP
connection (the case that overflowed the old server's listen backlog),
and prints::

    100 clients x 20 requests: 2000 ok, 0 errors (0 resets), 153 req/s
    latency ms: p50 410.2  p90 820.7  p99 1200.3  max 1500.0

Usage::

    .tox/py3/bin/python tools/bench/api_concurrency.py --clients 100
    python tools/bench/api_concurrency.py --url http://127.0.0.1:9880
"""

import argparse
import collections
import http.client
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_all_in_one():
    work = pathlib.Path(tempfile.mkdtemp(prefix='fleet-api-bench-'))
    port = free_port()
    conf = work / 'fleet.conf'
    conf.write_text(
        f'[DEFAULT]\nlog_file = {work / "fleet.log"}\n'
        f'[api]\nport = {port}\n'
        f'[database]\nconnection = sqlite:///{work / "fleet.sqlite"}\n'
    )
    binary = pathlib.Path(sys.executable).parent / 'fleet-all-in-one'
    proc = subprocess.Popen(
        [str(binary), '--config-file', str(conf)],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f'http://127.0.0.1:{port}'
    for _ in range(120):
        try:
            urllib.request.urlopen(url + '/v1/hosts', timeout=2)  # noqa: S310
            return proc, url, work
        except OSError:
            time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    sys.exit('fleet-all-in-one did not start')


def percentile(values, p):
    if not values:
        return float('nan')
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--url', help='a running fleet-api (no auth)')
    parser.add_argument('--clients', type=int, default=100)
    parser.add_argument('--requests', type=int, default=20)
    parser.add_argument('--path', default='/v1/hosts?limit=10')
    args = parser.parse_args()
    proc = work = None
    url = args.url
    if url is None:
        proc, url, work = start_all_in_one()
    target = urllib.parse.urlsplit(url)
    latencies = []
    errors = collections.Counter()
    lock = threading.Lock()
    start_gate = threading.Barrier(args.clients)

    def client():
        start_gate.wait()
        for _ in range(args.requests):
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(
                    target.hostname, target.port, timeout=60
                )
                conn.request('GET', args.path)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    raise RuntimeError(f'HTTP {response.status}')
            except Exception as e:  # every failure is a figure
                with lock:
                    errors[type(e).__name__] += 1
                continue
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if proc is not None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    total_errors = sum(errors.values())
    resets = errors.get('ConnectionResetError', 0)
    print(
        f'{args.clients} clients x {args.requests} requests of '
        f'GET {args.path}: {len(latencies)} ok, {total_errors} errors '
        f'({resets} resets) {dict(errors)}, '
        f'{len(latencies) / elapsed:.0f} req/s'
    )
    print(
        'latency ms: '
        + '  '.join(
            f'p{p} {percentile(latencies, p):.1f}' for p in (50, 90, 99)
        )
        + f'  max {max(latencies, default=float("nan")):.1f}'
    )
    if work is not None:
        if total_errors:
            print(f'server log: {work}/fleet.log')
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    return 1 if total_errors else 0


if __name__ == '__main__':
    sys.exit(main())
