#!/usr/bin/env python3
"""GET /v1/hosts?limit=1000 on MariaDB with 10,000 and 100,000 hosts.

For each size: (re)creates the database (``<db>_<size>``; ``--reuse``
keeps one that already holds that many hosts), migrates it, inserts the
hosts (labels, facts, places; a third never updated, so updated_at is
NULL), serves the API in-process with its real server (cheroot, noauth)
and times requests over HTTP keep-alive from ``--concurrency`` client
threads, each on its own connection. Prints p50/p95/p99 latency for each
scenario: the first page, pages at random markers (sort by id), a filter
on availability_zone, sort by name, and paging through by updated_at
(NULLs and ties).

Next to latency it prints CPU per request, which other loads of a
shared machine inflate far less than latency:

- ``app CPU``: CPU time of the server thread inside the WSGI
  application for that request (routing, hooks, query, serialization;
  not cheroot's socket writes, not the client);
- ``mariadbd CPU``: the database server's CPU time over the scenario
  divided by its requests (from /proc; other clients of the same
  MariaDB count too).

``uptime`` is printed with each size. The goal is p99 < 100 ms at
100,000 hosts. Figures only, no assert.

Usage::

    .tox/py3/bin/python tools/bench/api_list_bench.py \
        [--sizes 10000,100000] [--requests 100] [--concurrency 1] \
        [--reuse] [--db mysql+pymysql://root@127.0.0.1/fleet_list_bench]
"""

import argparse
import datetime
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def recreate_database(url):
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    server = sa.create_engine(parsed.set(database=''))
    with server.begin() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS {parsed.database}'))
        conn.execute(sa.text(f'CREATE DATABASE {parsed.database}'))
    server.dispose()


def insert_hosts(n):
    import sqlalchemy as sa

    from fleet.db.sqlalchemy import api as sa_api
    from fleet.db.sqlalchemy import models

    table = models.Host.__table__
    t0 = datetime.datetime(2026, 11, 1)
    rng = random.Random(42)  # noqa: S311 - reproducible data
    batch = []
    with sa_api._writer() as session:
        for i in range(n):
            created = t0 + datetime.timedelta(seconds=i // 7)
            batch.append(
                {
                    'uuid': str(uuid.UUID(int=rng.getrandbits(128))),
                    'name': f'compute-{i:06d}',
                    'kind': 'compute' if i % 10 else 'storage',
                    'state': 'active' if i % 50 else 'maintenance',
                    'region': 'RegionOne',
                    'availability_zone': f'az{i % 4}',
                    'cell': f'cell{i % 2}',
                    'rack': f'rack-{i // 40:04d}',
                    'hardware_id': f'hw-{i:08d}',
                    'serial': f'SN{i:010d}',
                    'labels': {'tier': 'gold' if i % 3 else 'silver'},
                    'variables': {'ntp': '10.0.0.1'},
                    'facts': {
                        'vcpus': 64,
                        'memory_mb': 262144,
                        'disk_gb': 2048,
                        'kernel': '6.8.0-45',
                    },
                    'metrics': {},
                    'source': 'fake',
                    'created_at': created,
                    # A third never updated: updated_at NULL.
                    'updated_at': None
                    if i % 3 == 0
                    else created + datetime.timedelta(minutes=i % 11),
                }
            )
            if len(batch) == 5000:
                session.execute(sa.insert(table), batch)
                batch = []
        if batch:
            session.execute(sa.insert(table), batch)


class AppCPU:
    """WSGI middleware: the CPU time of the serving thread inside the
    application, per request (the response body is built by then)."""

    def __init__(self, app):
        self.app = app
        self.samples = []

    def __call__(self, environ, start_response):
        c0 = time.thread_time()
        try:
            return self.app(environ, start_response)
        finally:
            self.samples.append((time.thread_time() - c0) * 1000)


def mariadbd_cpu():
    """CPU seconds used so far by the local mariadbd, or None."""
    try:
        pid = subprocess.run(
            ['pgrep', '-o', '-x', 'mariadbd'],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[0]
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except (OSError, IndexError, ValueError, subprocess.CalledProcessError):
        return None


def uptime():
    return subprocess.run(
        ['uptime'], capture_output=True, text=True
    ).stdout.strip()


def get(conn, path, headers):
    conn.request('GET', path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f'{path}: HTTP {response.status} {body[:300]}')
    return body


def next_path(body):
    nxt = json.loads(body).get('next')
    if not nxt:
        return None
    return urllib.parse.urlsplit(nxt)._replace(scheme='', netloc='').geturl()


def run_scenario(port, headers, make, requests, concurrency, paging):
    """Time ``requests`` requests from ``concurrency`` threads.

    :param make: a function of a random.Random giving a path.
    :param paging: follow each answer's ``next`` link from ``make``'s
        path (back to it after the last page).
    :returns: latencies in ms, rows seen.
    """
    samples = []
    seen = []
    lock = threading.Lock()
    errors = []

    def client(k):
        rng = random.Random(k)  # noqa: S311 - reproducible markers
        conn = http.client.HTTPConnection('127.0.0.1', port)
        mine, rows = [], 0
        path = None
        try:
            for _ in range(requests // concurrency):
                if path is None:
                    path = make(rng)
                t0 = time.perf_counter()
                body = get(conn, path, headers)
                mine.append((time.perf_counter() - t0) * 1000)
                if paging:
                    path = next_path(body)
                    rows += body.count(b'"uuid"')
                else:
                    path = None
        except BaseException as e:
            errors.append(e)
        finally:
            conn.close()
        with lock:
            samples.extend(mine)
            seen.append(rows)

    threads = [
        threading.Thread(target=client, args=(k,)) for k in range(concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return samples, sum(seen)


def run_size(n, args):
    from oslo_config import cfg
    import sqlalchemy as sa

    from fleet.api import app as api_app
    from fleet.api import service
    from fleet.db import migration

    url = sa.engine.make_url(args.db)
    url = url.set(database=f'{url.database}_{n}').render_as_string(
        hide_password=False
    )
    cfg.CONF.set_override('connection', url, group='database')
    have = None
    if args.reuse:
        try:
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                have = conn.execute(sa.text('SELECT COUNT(*) FROM hosts'))
                have = have.scalar()
            engine.dispose()
        except sa.exc.DBAPIError:
            have = None
    if have == n:
        print(f'\n{n} hosts already in {url.split("@")[-1]} (--reuse)')
        migration.upgrade('head')
    else:
        recreate_database(url)
        migration.upgrade('head')
        t0 = time.perf_counter()
        insert_hosts(n)
        print(f'\n{n} hosts inserted in {time.perf_counter() - t0:.1f} s')
    print(f'  uptime: {uptime()}')
    cfg.CONF.set_override('port', 0, group='api')
    meter = {}
    real_setup = api_app.setup_app

    def setup_app():
        meter['app'] = AppCPU(real_setup())
        return meter['app']

    api_app.setup_app = setup_app
    api = service.APIService()
    try:
        api.start()
    finally:
        api_app.setup_app = real_setup
    port = api.server_port
    headers = {'OpenStack-API-Version': 'fleet latest'}
    limit = args.limit
    try:
        conn = http.client.HTTPConnection('127.0.0.1', port)
        # Markers spread over the whole table.
        markers = []
        path = f'/v1/hosts?limit={limit}'
        while path and len(markers) < 50:
            body = get(conn, path, headers)
            page = json.loads(body)['hosts']
            if page:
                markers.append(page[-1]['uuid'])
            path = next_path(body)
        for _ in range(5):  # warm up
            get(conn, f'/v1/hosts?limit={limit}', headers)
        conn.close()
        scenarios = {
            'first page': (lambda rng: f'/v1/hosts?limit={limit}', False),
            'random marker (sort id)': (
                lambda rng: (
                    f'/v1/hosts?limit={limit}&marker={rng.choice(markers)}'
                ),
                False,
            ),
            'filter availability_zone': (
                lambda rng: f'/v1/hosts?limit={limit}&availability_zone=az2',
                False,
            ),
            'sort name, random marker': (
                lambda rng: (
                    f'/v1/hosts?limit={limit}&sort_key=name'
                    f'&marker={rng.choice(markers)}'
                ),
                False,
            ),
            'paging sort updated_at desc': (
                lambda rng: (
                    f'/v1/hosts?limit={limit}&sort_key=updated_at'
                    f'&sort_dir=desc'
                ),
                True,
            ),
        }
        for name, (make, paging) in scenarios.items():
            meter['app'].samples = []
            db0 = mariadbd_cpu()
            samples, rows = run_scenario(
                port, headers, make, args.requests, args.concurrency, paging
            )
            db1 = mariadbd_cpu()
            db = (
                (db1 - db0) * 1000 / len(samples)
                if None not in (db0, db1)
                else None
            )
            if paging:
                name = f'{name} ({rows} rows)'
            report(name, samples, meter['app'].samples, db)
        print(f'  uptime: {uptime()}')
    finally:
        api.stop()


def report(name, samples, cpu, db):
    db = f'{db:5.1f}' if db is not None else '    ?'
    print(
        f'  {name:40s} n={len(samples):4d}  '
        f'p50 {percentile(samples, 50):6.1f}  '
        f'p95 {percentile(samples, 95):6.1f}  '
        f'p99 {percentile(samples, 99):6.1f} ms | '
        f'app CPU p50 {percentile(cpu, 50):5.1f} '
        f'p99 {percentile(cpu, 99):5.1f} ms | '
        f'mariadbd CPU {db} ms/req'
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='10000,100000')
    parser.add_argument('--requests', type=int, default=100)
    parser.add_argument('--limit', type=int, default=1000)
    parser.add_argument(
        '--concurrency',
        type=int,
        default=1,
        help='client threads, each with its own keep-alive connection',
    )
    parser.add_argument(
        '--reuse',
        action='store_true',
        help='keep a database that already holds the hosts',
    )
    parser.add_argument(
        '--db',
        default='mysql+pymysql://root@127.0.0.1/fleet_list_bench',
        help='URL; the database name gets _<size> appended',
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(',')]
    if len(sizes) > 1:
        # One process per size: the database URL is fixed once a
        # process has used it, and each size starts with a fresh heap.
        print(f'uptime: {uptime()}', flush=True)
        for n in sizes:
            argv = [a for a in sys.argv[1:]]
            if '--sizes' in argv:
                del argv[argv.index('--sizes') : argv.index('--sizes') + 2]
            argv = [a for a in argv if not a.startswith('--sizes=')]
            subprocess.run(
                [sys.executable, __file__, '--sizes', str(n), *argv],
                check=True,
            )
        return

    from oslo_config import cfg
    import oslo_messaging  # noqa: F401 - registers transport_url
    from oslo_messaging import opts as messaging_opts

    for group, opts in messaging_opts.list_opts():
        cfg.CONF.register_opts(opts, group=group)
    from fleet import conf as fleet_conf  # noqa: F401 - registers options

    cfg.CONF([], project='fleet', default_config_files=[])
    cfg.CONF.set_override('auth_strategy', 'noauth', group='api')
    cfg.CONF.set_override('transport_url', 'fake://')
    cfg.CONF.set_override('max_limit', max(1000, args.limit), group='api')
    import logging

    logging.getLogger('fleet').setLevel(logging.WARNING)
    print(
        f'GET /v1/hosts?limit={args.limit} on {args.db.split("@")[-1]}_<n>, '
        f'{args.requests} requests per scenario from {args.concurrency} '
        f'client thread(s), keep-alive, cheroot ({os.cpu_count()} CPUs)'
    )
    run_size(sizes[0], args)


if __name__ == '__main__':
    main()
