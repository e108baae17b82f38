#!/usr/bin/env python3
"""Inventory sync at Rackspace scale: first (full) sync, steady-state
incremental syncs with a trickle of changes, and the process's memory.

The simulated cloud (``fake`` inventory driver, whose server list pages,
honours changes-since and lists deleted servers the way Nova's does) has
``--hosts`` hosts with ``--instances-per-host`` instances each. Between
two incremental syncs the bench changes ``--changes`` instances the way
a busy cloud does: a fifth created, a fifth deleted, a fifth moved to
another host, the rest with a task started or ended; each change stamps
the instance's ``updated_at``, as Nova's instance.save() does.

Prints, for the database given (``--db mysql``: a scratch database on
the MariaDB at ``--mysql-url``, dropped afterwards; ``--db sqlite``: a
file in a temporary directory):

* ``first_sync_s``: the first sync (full: 10,000 hosts created with
  their history, every instance);
* ``incremental_s``: each steady-state incremental sync and their median;
* ``full_resync_s``: a full sync of an already synced cloud (the periodic
  drift repair);
* next to each, the part of it the simulated Nova spent answering the
  server listing (a real Nova spends it in its own processes), and
  ``cpu_s``: CPU seconds this process used (user + system:
  the conductor's code and the simulated cloud's, not the database
  server's), which tells how much of a figure is waiting for a loaded
  machine;
* memory, all read from /proc/self/status of this fresh process:
  ``cloud_mib`` what building the simulated cloud added to VmRSS (it
  lives in this process; a real Nova does not), ``peak_mib`` VmHWM (peak
  resident, everything included) and ``conductor_peak_mib`` = peak less
  the simulated cloud: the conductor's own peak.

Usage::

    .tox/py3/bin/python tools/bench/sync_bench.py --db mysql \\
        [--hosts 10000] [--instances-per-host 20] [--changes 1000] \\
        [--incrementals 3]
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa


def status_mib(field):
    """A memory figure of this process from /proc/self/status, MiB."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024
    return 0.0


def uptime():
    with open('/proc/loadavg') as f:
        return 'load average: ' + ', '.join(f.read().split()[:3])


def trickle(cloud, rng, n, hosts):
    """``n`` changes, as a busy cloud makes them between two syncs."""
    from fleet.drivers import fake_cloud

    kinds = {'created': 0, 'deleted': 0, 'moved': 0, 'task': 0}
    uuids = rng.sample(list(cloud.instances), n)
    for i, uuid_ in enumerate(uuids):
        kind = i % 5
        if kind == 0:
            cloud.create_instance(rng.choice(hosts))
            kinds['created'] += 1
        elif kind == 1:
            cloud.delete_instance(uuid_)
            kinds['deleted'] += 1
        elif kind == 2:
            with cloud.lock:
                inst = cloud.instances[uuid_]
                # What a finished live migration leaves (without the
                # simulated scheduler's pass over every host).
                inst['host'] = rng.choice(hosts)
                fake_cloud.SimulatedCloud.touch(inst)
            kinds['moved'] += 1
        else:
            with cloud.lock:
                inst = cloud.instances[uuid_]
                inst['task_state'] = (
                    None if inst['task_state'] else 'image_snapshot'
                )
                fake_cloud.SimulatedCloud.touch(inst)
            kinds['task'] += 1
    return kinds


def main():
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=10000)
    parser.add_argument('--instances-per-host', type=int, default=20)
    parser.add_argument('--changes', type=int, default=1000)
    parser.add_argument('--incrementals', type=int, default=3)
    parser.add_argument('--db', choices=('mysql', 'sqlite'), default='mysql')
    parser.add_argument(
        '--mysql-url', default='mysql+pymysql://root@127.0.0.1:3306'
    )
    args = parser.parse_args()
    before_cloud = status_mib('VmRSS')

    from fleet import conf as fleet_conf
    from fleet.conductor import inventory
    from fleet.db import migration
    from fleet.drivers import fake_cloud

    conf = fleet_conf.CONF
    conf([], project='fleet', default_config_files=[])
    scratch = None
    if args.db == 'mysql':
        scratch = f'fleet_sync_bench_{uuid.uuid4().hex[:8]}'
        server = sa.create_engine(args.mysql_url)
        with server.connect() as c:
            c.execute(
                sa.text(f'CREATE DATABASE {scratch} CHARACTER SET utf8mb4')
            )
        url = f'{args.mysql_url}/{scratch}?charset=utf8mb4'
    else:
        url = f'sqlite:///{tempfile.mkdtemp(prefix="fleet-sync-bench-")}/f.db'
    conf.set_override('connection', url, group='database')
    conf.set_override('inventory', ['fake'], group='drivers')
    conf.set_override('compute', 'fake', group='drivers')
    conf.set_override('hosts', args.hosts, group='fake_cloud')
    conf.set_override(
        'instances_per_host', args.instances_per_host, group='fake_cloud'
    )
    try:
        migration.upgrade('head')
        base_rss = status_mib('VmRSS')
        cloud = fake_cloud.get_cloud()
        cloud_mib = status_mib('VmRSS') - base_rss
        # A cloud whose servers last changed a day ago, not all within
        # the clock skew margin of the first sync.
        day_ago = datetime.datetime.utcnow() - datetime.timedelta(days=1)
        day_ago = day_ago.replace(microsecond=0)
        with cloud.lock:
            for inst in cloud.instances.values():
                inst['created_at'] = inst['updated_at'] = day_ago
        hosts = sorted(cloud.hosts)
        # The simulated Nova's own time answering GET /servers/detail,
        # which a real Nova spends in its own processes.
        nova_s = [0.0]
        listing = cloud.list_servers

        def timed_list_servers(**kwargs):
            start = time.monotonic()
            try:
                return listing(**kwargs)
            finally:
                nova_s[0] += time.monotonic() - start

        cloud.list_servers = timed_list_servers
        rng = random.Random(1)  # noqa: S311  (a simulation)
        print(
            f'cloud: hosts={len(cloud.hosts)} '
            f'instances={len(cloud.instances)} db={args.db} '
            f'cloud_mib={cloud_mib:.0f} '
            f'(python+fleet before the cloud: {base_rss:.0f} MiB, '
            f'interpreter alone {before_cloud:.0f} MiB)'
        )

        start, cpu = time.monotonic(), time.process_time()
        nova_s[0] = 0.0
        first = inventory.sync()
        t_first = time.monotonic() - start
        print(
            f'first_sync_s={t_first:.1f} '
            f'(simulated nova listing {nova_s[0]:.1f}) '
            f'cpu_s={time.process_time() - cpu:.1f} full={first["full"]} '
            f'hosts_created={first["created"]} '
            f'instances={first["instances"]} phases={first["phases"]} '
            f'peak_mib_so_far={status_mib("VmHWM"):.0f} [{uptime()}]'
        )

        figures, cpus = [], []
        for _ in range(args.incrementals):
            # A second at least: Nova's timestamps are kept to the second.
            time.sleep(1.0)
            kinds = trickle(cloud, rng, args.changes, hosts)
            start, cpu = time.monotonic(), time.process_time()
            nova_s[0] = 0.0
            counts = inventory.sync()
            figures.append(time.monotonic() - start)
            cpus.append(time.process_time() - cpu)
            print(
                f'incremental_s={figures[-1]:.2f} '
                f'(simulated nova listing {nova_s[0]:.2f}) '
                f'cpu_s={cpus[-1]:.2f} '
                f'full={counts["full"]} '
                f'changes={kinds} instances={counts["instances"]} '
                f'phases={counts["phases"]} [{uptime()}]'
            )
        if figures:
            print(
                f'incremental_median_s={statistics.median(figures):.2f} '
                f'cpu_s={statistics.median(cpus):.2f} '
                f'over {len(figures)} syncs of {args.changes} changes each'
            )

        start, cpu = time.monotonic(), time.process_time()
        nova_s[0] = 0.0
        again = inventory.sync(full=True)
        t_full = time.monotonic() - start
        print(
            f'full_resync_s={t_full:.1f} '
            f'(simulated nova listing {nova_s[0]:.1f}) '
            f'cpu_s={time.process_time() - cpu:.1f} full={again["full"]} '
            f'instances={again["instances"]} phases={again["phases"]} '
            f'[{uptime()}]'
        )
        peak = status_mib('VmHWM')
        print(
            f'memory (/proc/self/status of this fresh process): '
            f'peak_mib={peak:.0f} (VmHWM, simulated cloud included) '
            f'cloud_mib={cloud_mib:.0f} '
            f'conductor_peak_mib={peak - cloud_mib:.0f} '
            f'rss_now_mib={status_mib("VmRSS"):.0f}'
        )
        print('uptime:', os.popen('uptime').read().strip())  # noqa: S605,S607
    finally:
        if scratch:
            with server.connect() as c:
                c.execute(sa.text(f'DROP DATABASE {scratch}'))


if __name__ == '__main__':
    main()
