#!/usr/bin/env python3
"""Audits at scale: 10,000 hosts' stored facts against a 50-rule profile.

Builds a SQLite file database with ``--hosts`` hosts and their stored
facts (a third run an old kernel, a few miss a service or a package, some
were never gathered), then prints, for one profile of ``--rules`` rules
of every check type:

* ``evaluate``: the rules on every host's facts, in memory (no database);
* ``first audit``: :func:`fleet.audits.auditor.audit` of every host when
  no finding exists yet (every finding inserted, every failure an alert
  through the intake);
* ``steady audit``: the same again, nothing changed (the usual periodic
  audit: hosts whose facts did not change are not checked again);
* ``1% changed``: after 1% of the hosts were patched (their findings
  change, their alerts resolve);
* ``full re-check``: after the profile changed, so every rule is checked
  again on every host's stored facts and compared with its finding: the
  figure the goal is about.

The goal is auditing 10,000 hosts' stored facts against 50 rules in
under 5 s.

Usage::

    .tox/py3/bin/python tools/bench/audit_bench.py [--hosts 10000]
        [--rules 50] [--db /tmp/audit-bench.sqlite | --db-url URL]
        [--no-alerts] [--profile N]
"""

import argparse
import os
import random
import tempfile
import time

OLD, NEW = '5.14.0-427.el9.x86_64', '5.14.0-503.el9.x86_64'


def make_profile(count):
    """A profile of ``count`` rules cycling through the check types."""
    makers = [
        lambda i: {
            'type': 'kernel_version',
            'op': '>=',
            'version': '5.14.0-503.el9',
        },
        lambda i: {
            'type': 'package_version',
            'package': f'pkg-{i % 20}',
            'op': '>=',
            'version': f'1.{i % 20}.0-1.el9',
        },
        lambda i: {
            'type': 'service',
            'service': f'svc-{i % 10}',
            'running': True,
            'enabled': True,
        },
        lambda i: {
            'type': 'config',
            'file': '/etc/nova/nova.conf',
            'section': 'DEFAULT',
            'key': f'opt_{i % 8}',
            'equals': 'true',
        },
        lambda i: {
            'type': 'file_hash',
            'path': f'/etc/file-{i % 5}',
            'sha256': f'{i % 5:064x}',
        },
        lambda i: {
            'type': 'fact',
            'fact': 'os.version',
            'op': '>=',
            'value': '9.2',
        },
        lambda i: {
            'type': 'fact',
            'fact': 'custom.bios',
            'op': 'regex',
            'value': '^2\\.',
        },
    ]
    return {
        'name': 'bench',
        'enabled': True,
        'applies_to': {'kind': ['compute']},
        'rules': [
            {
                'name': f'rule-{i:03d}',
                'severity': ('info', 'warning', 'critical')[i % 3],
                'check': makers[i % len(makers)](i),
            }
            for i in range(count)
        ],
    }


def make_facts(rnd, n):
    facts = {
        'os': {'name': 'Rocky Linux', 'version': rnd.choice(['9.2', '9.4'])},
        'kernel': OLD if n % 3 == 0 else NEW,
        'packages': {f'pkg-{i}': f'1.{i}.{n % 2}-1.el9' for i in range(20)},
        'services': {
            f'svc-{i}': {'state': 'running', 'enabled': True}
            for i in range(10)
        },
        'config': {
            '/etc/nova/nova.conf': {
                'DEFAULT': {f'opt_{i}': 'true' for i in range(8)}
            }
        },
        'files': {f'/etc/file-{i}': {'sha256': f'{i:064x}'} for i in range(5)},
        'custom': {'bios': '2.19.1'},
    }
    if n % 50 == 0:
        del facts['packages']['pkg-7']
    if n % 70 == 0:
        facts['services']['svc-3']['state'] = 'failed'
    return facts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=10000)
    parser.add_argument('--rules', type=int, default=50)
    parser.add_argument('--db', default=None)
    parser.add_argument(
        '--db-url',
        default=None,
        help='a MariaDB/MySQL or PostgreSQL URL instead of a SQLite file, '
        'e.g. mysql+pymysql://root@127.0.0.1/fleet_audit_bench (the '
        'database is dropped and created again)',
    )
    parser.add_argument(
        '--no-alerts',
        action='store_true',
        help='raise no audit alerts: the first audit then skips the '
        'intake of thousands of new alerts (the full re-check changes no '
        'result, so its figure is the same)',
    )
    parser.add_argument(
        '--profile',
        metavar='N',
        type=int,
        default=0,
        help='profile the full re-check with cProfile and print its N '
        'costliest functions (cumulative and own time)',
    )
    args = parser.parse_args()

    from oslo_config import cfg
    from oslo_utils import timeutils
    from oslo_utils import uuidutils
    import sqlalchemy as sa

    from fleet import conf  # noqa: F401 - registers the options
    from fleet.audits import auditor
    from fleet.audits import profiles
    from fleet.db import api as db_api
    from fleet.db import migration
    from fleet.db.sqlalchemy import api as sa_api
    from fleet.db.sqlalchemy import models

    conf_ = cfg.CONF
    conf_([], project='fleet')
    if args.db_url:
        url = sa.engine.make_url(args.db_url)
        # PostgreSQL drops and creates databases outside a transaction.
        server = sa.create_engine(
            url.set(
                database='postgres'
                if url.get_backend_name() == 'postgresql'
                else ''
            ),
            isolation_level='AUTOCOMMIT',
        )
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS {url.database}'))
            conn.execute(sa.text(f'CREATE DATABASE {url.database}'))
        server.dispose()
        conf_.set_override('connection', args.db_url, group='database')
    else:
        path = args.db or os.path.join(
            tempfile.mkdtemp(), 'audit-bench.sqlite'
        )
        if os.path.exists(path):
            os.unlink(path)
        conf_.set_override('connection', f'sqlite:///{path}', group='database')
    if args.no_alerts:
        conf_.set_override('raise_alerts', False, group='auditing')
    migration.upgrade('head')
    dbapi = db_api.get_instance()
    rnd = random.Random(13)  # noqa: S311 - repeatable test data

    began = time.monotonic()
    dbapi.create_hosts(
        [
            {
                'name': f'cmp-{n:05d}',
                'kind': 'compute',
                'availability_zone': f'az{n % 3}',
            }
            for n in range(args.hosts)
        ]
    )
    hosts = dbapi.list_hosts()
    now = timeutils.utcnow()
    rows = [
        {
            'host_uuid': h['uuid'],
            'host_name': h['name'],
            'facts': make_facts(rnd, n),
            'drivers': ['bench'],
            'errors': {},
            'gathered_at': now,
        }
        for n, h in enumerate(hosts)
        if n % 200 != 1  # some hosts were never gathered: "error"
    ]
    with sa_api._writer() as session:
        for i in range(0, len(rows), 1000):
            session.execute(sa.insert(models.HostFacts), rows[i : i + 1000])
    profile_row = dbapi.create_audit_profile(
        dict(
            profiles.from_api(make_profile(args.rules)),
            uuid=uuidutils.generate_uuid(),
        )
    )
    print(
        f'setup: {len(hosts)} hosts, {len(rows)} with facts, '
        f'{args.rules} rules ({time.monotonic() - began:.1f} s)'
    )

    stored = dbapi.list_host_facts([h['uuid'] for h in hosts])
    profile = profiles.compile_profile(profile_row)
    began, cpu = time.monotonic(), time.process_time()
    results = auditor.evaluate(profile, hosts, stored)
    elapsed = time.monotonic() - began
    cpu = time.process_time() - cpu
    counts = {}
    for r in results:
        counts[r['result']] = counts.get(r['result'], 0) + 1
    print(
        f'evaluate: {len(results)} rule checks in {elapsed:.2f} s '
        f'({cpu:.2f} s CPU) '
        f'({len(results) / elapsed:,.0f}/s) {counts}'
    )

    def timed(label, profile=False):
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        began, cpu = time.monotonic(), time.process_time()
        summary = auditor.audit(dbapi, act=False)
        elapsed = time.monotonic() - began
        cpu = time.process_time() - cpu
        if profiler is not None:
            import pstats

            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats('cumulative').print_stats(args.profile)
            stats.sort_stats('tottime').print_stats(args.profile)
        unchanged = sum(summary.get('unchanged', {}).values())
        print(
            f'{label}: {elapsed:.2f} s ({cpu:.2f} s CPU) for '
            f'{summary["hosts"]} hosts x '
            f'{args.rules} rules ({summary["hosts"] - unchanged} checked), '
            f'{len(summary["changes"])} changes of result'
        )
        return elapsed, cpu

    timed(
        'first audit (all findings new'
        + (')' if args.no_alerts else ', alerts raised)')
    )
    steady, _cpu = timed('steady audit (nothing changed)')
    patched = hosts[: max(1, args.hosts // 100)]
    with sa_api._writer() as session:
        for h in patched:
            row = session.execute(
                sa.select(models.HostFacts).filter_by(host_uuid=h['uuid'])
            ).scalar_one_or_none()
            if row is not None:
                facts = dict(row.facts)
                facts['kernel'] = NEW
                row.facts = facts
                row.gathered_at = timeutils.utcnow()
    timed(f'1% changed ({len(patched)} hosts patched)')
    changed = make_profile(args.rules)['rules']
    changed[0]['check']['version'] = '5.14.0-500.el9'
    dbapi.update_audit_profile(profile_row['uuid'], {'rules': changed})
    full, full_cpu = timed(
        'full re-check (profile changed, every host checked)',
        profile=bool(args.profile),
    )
    alerts = dbapi.list_alerts(filters={'source': 'audit'})
    firing = sum(1 for a in alerts if a['state'] == 'firing')
    print(f'audit alerts: {len(alerts)} ({firing} firing)')
    print(
        f'RESULT audit of {args.hosts} hosts x {args.rules} rules: full '
        f're-check {full:.2f} s ({full_cpu:.2f} s CPU), steady '
        f'{steady:.2f} s (goal < 5 s)'
    )


if __name__ == '__main__':
    main()
