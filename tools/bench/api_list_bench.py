#!/usr/bin/env python3
"""GET /v1/hosts?limit=1000 on MariaDB with 10,000 and 100,000 hosts.

For each size: (re)creates the database, migrates it, inserts the hosts
(labels, facts, places; a third never updated, so updated_at is NULL),
serves the API in-process with its real server (cheroot, noauth) and
times requests over HTTP keep-alive. Prints p50/p99 latency for each
scenario: the first page, pages at random markers (sort by id), paging
through by updated_at (NULLs and ties), and a filter on
availability_zone, with the process's CPU time per request alongside
(on a shared machine, latency p99 mostly measures waiting for a core).
The goal is p99 < 100 ms at 100,000 hosts. Figures only, no assert.

Usage::

    .tox/py3/bin/python tools/bench/api_list_bench.py \
        [--sizes 10000,100000] [--requests 100] \
        [--db mysql+pymysql://root@127.0.0.1/fleet_apicontract_bench]
"""

import argparse
import datetime
import http.client
import json
import random
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
    rng = random.Random(42)
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


#: CPU time of this process (server threads and client) per request: a
#: figure that other loads of a shared machine do not inflate.
CPU = {}


def timed(conn, path, samples, headers):
    t0 = time.perf_counter()
    c0 = time.process_time()
    conn.request('GET', path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    samples.append((time.perf_counter() - t0) * 1000)
    CPU.setdefault(id(samples), []).append((time.process_time() - c0) * 1000)
    if response.status != 200:
        raise SystemExit(f'{path}: HTTP {response.status} {body[:300]}')
    return json.loads(body)


def run_size(n, args):
    from oslo_config import cfg

    from fleet.api import service
    from fleet.db import migration

    recreate_database(args.db)
    migration.upgrade('head')
    t0 = time.perf_counter()
    insert_hosts(n)
    print(f'\n{n} hosts inserted in {time.perf_counter() - t0:.1f} s')
    cfg.CONF.set_override('port', 0, group='api')
    api = service.APIService()
    api.start()
    conn = http.client.HTTPConnection('127.0.0.1', api.server_port)
    headers = {'OpenStack-API-Version': 'fleet latest'}
    limit = args.limit
    rng = random.Random(7)
    try:
        ids = [
            h['uuid']
            for h in timed(conn, f'/v1/hosts?limit={limit}', [], headers)[
                'hosts'
            ]
        ]
        # Markers spread over the whole table.
        markers = []
        marker = None
        while len(markers) < 50:
            path = '/v1/hosts?limit=1000' + (
                f'&marker={marker}' if marker else ''
            )
            page = timed(conn, path, [], headers)['hosts']
            if not page:
                break
            marker = page[-1]['uuid']
            markers.append(marker)
        scenarios = {
            'first page': lambda: f'/v1/hosts?limit={limit}',
            'random marker (sort id)': lambda: (
                f'/v1/hosts?limit={limit}&marker={rng.choice(markers)}'
            ),
            'filter availability_zone': lambda: (
                f'/v1/hosts?limit={limit}&availability_zone=az2'
            ),
        }
        for _ in range(5):  # warm up
            timed(conn, scenarios['first page'](), [], headers)
        for name, make in scenarios.items():
            samples = []
            for _ in range(args.requests):
                timed(conn, make(), samples, headers)
            report(name, samples)
        # Paging by updated_at, desc, following the next links.
        samples = []
        seen = 0
        path = f'/v1/hosts?limit={limit}&sort_key=updated_at&sort_dir=desc'
        while path and len(samples) < args.requests:
            body = timed(conn, path, samples, headers)
            seen += len(body['hosts'])
            nxt = body.get('next')
            path = (
                urllib.parse.urlsplit(nxt)
                ._replace(scheme='', netloc='')
                .geturl()
                if nxt
                else None
            )
        report(f'sort updated_at desc ({seen} rows paged)', samples)
    finally:
        conn.close()
        api.stop()
    del ids


def report(name, samples):
    cpu = CPU.get(id(samples), [0])
    print(
        f'  {name:40s} n={len(samples):4d}  '
        f'p50 {percentile(samples, 50):6.1f} ms  '
        f'p99 {percentile(samples, 99):6.1f} ms  '
        f'(CPU p50 {percentile(cpu, 50):5.1f} p99 {percentile(cpu, 99):5.1f})'
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='10000,100000')
    parser.add_argument('--requests', type=int, default=100)
    parser.add_argument('--limit', type=int, default=1000)
    parser.add_argument(
        '--db',
        default='mysql+pymysql://root@127.0.0.1/fleet_apicontract_bench',
    )
    args = parser.parse_args()

    from oslo_config import cfg
    import oslo_messaging  # noqa: F401 - registers transport_url
    from oslo_messaging import opts as messaging_opts

    for group, opts in messaging_opts.list_opts():
        cfg.CONF.register_opts(opts, group=group)
    from fleet import conf as fleet_conf  # noqa: F401 - registers options

    cfg.CONF([], project='fleet', default_config_files=[])
    cfg.CONF.set_override('connection', args.db, group='database')
    cfg.CONF.set_override('auth_strategy', 'noauth', group='api')
    cfg.CONF.set_override('transport_url', 'fake://')
    cfg.CONF.set_override('max_limit', max(1000, args.limit), group='api')
    import logging

    logging.getLogger('fleet').setLevel(logging.WARNING)
    print(
        f'GET /v1/hosts?limit={args.limit} on {args.db.split("@")[-1]}, '
        f'{args.requests} requests per scenario, keep-alive, cheroot'
    )
    for n in [int(s) for s in args.sizes.split(',')]:
        run_size(n, args)


if __name__ == '__main__':
    main()
