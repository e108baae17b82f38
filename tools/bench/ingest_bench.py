#!/usr/bin/env python3
"""Notification ingest: how many of Nova's versioned notifications per
second the inventory listener applies, over real RabbitMQ, into a real
database, and whether any was lost.

Publisher processes (``--publishers``) send Nova-format notifications
with oslo.messaging's ``messagingv2`` notifier (publisher confirms: a
send that returned was accepted by the broker) on a private topic, so
Nova's own listeners see none: for each instance, in windows of 200
instances interleaved step by step, ``instance.create.end``,
``instance.update``, ``instance.live_migration_pre.start``,
``instance.live_migration_post_dest.end`` (a new host), the source's
late ``instance.live_migration_post.end`` (ignored: the instance has
moved), ``instance.update`` (stopped) and, for every third instance,
``instance.delete.end``; and a nova-compute ``service.update`` every 50
messages. Payloads carry the fields of Nova's InstancePayload.

The listener is fleet's own
(:func:`fleet.conductor.notifications.get_listener`: batch listener, one
worker) in this process, writing to a throwaway
database on each backend of ``--db``. Two modes:

* ``live`` (default): publishers and listener run at once; the figure is
  what the listener applied while being fed;
* ``backlog``: the whole run is published first, then the listener
  drains it: its capacity, with no publisher competing for the CPUs;
* ``db``: no broker; the same messages handed to the endpoint in
  batches, then one per transaction (batches of one, as before
  batching): the database side alone, and what batching changes there.

Printed per backend: published / applied / ignored (by reason) /
requeued counts, msg/s of APPLIED messages (first to last applied) and
of all handled ones, the slowest 5 s window, the queue depth left, the
instances whose final state in the database differs from the one
published (lost = not applied), and ``DEADLINE EXCEEDED`` if the
listener had not handled everything by ``--deadline`` seconds; with
``uptime`` before and after.

Usage::

    .tox/functional/bin/python tools/bench/ingest_bench.py \
        [--db mysql,postgresql,sqlite] [--instances 30000] \
        [--publishers 2] [--mode live|backlog|db] [--batch-size 500] \
        [--deadline 600]
"""

import argparse
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid

MYSQL_URL = 'mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4'
POSTGRES_URL = 'postgresql+psycopg2://{user}@127.0.0.1:5432/{name}'
#: Instances whose steps are interleaved (a busy cloud's mix).
WINDOW = 200
SERVICE_EVERY = 50


def uptime():
    return subprocess.run(
        ['uptime'], capture_output=True, text=True, check=False
    ).stdout.strip()


# The published plan


def _flavor():
    return {
        'nova_object.name': 'FlavorPayload',
        'nova_object.namespace': 'nova',
        'nova_object.version': '1.4',
        'nova_object.data': {
            'flavorid': 'a22d5517-147c-4147-a0d1-e698df5cd4e3',
            'name': 'm1.small',
            'projects': None,
            'root_gb': 20,
            'vcpus': 1,
            'ephemeral_gb': 0,
            'memory_mb': 2048,
            'disabled': False,
            'rxtx_factor': 1.0,
            'extra_specs': {'hw:watchdog_action': 'disabled'},
            'swap': 0,
            'is_public': True,
            'description': None,
        },
    }


def _payload(inst, host, state, task_state, name_suffix=''):
    """An InstanceUpdatePayload-shaped payload (Nova's field set)."""
    return {
        'nova_object.name': 'InstanceUpdatePayload',
        'nova_object.namespace': 'nova',
        'nova_object.version': '2.0',
        'nova_object.data': {
            'uuid': inst,
            'architecture': 'x86_64',
            'availability_zone': 'nova',
            'block_devices': [
                {
                    'nova_object.name': 'BlockDevicePayload',
                    'nova_object.data': {
                        'boot_index': None,
                        'delete_on_termination': False,
                        'device_name': '/dev/sdb',
                        'tag': None,
                        'volume_id': 'a07f71dc-8151-4e7d-a0cc-cd24a3f11113',
                    },
                }
            ],
            'created_at': '2026-11-30T13:42:11Z',
            'deleted_at': None,
            'display_name': f'vm-{inst[:8]}{name_suffix}',
            'display_description': 'bench',
            'host': host,
            'host_name': f'vm-{inst[:8]}',
            'ip_addresses': [
                {
                    'nova_object.name': 'IpPayload',
                    'nova_object.data': {
                        'address': '192.168.1.3',
                        'device_name': 'tapce531f90-19',
                        'label': 'private',
                        'mac': 'fa:16:3e:4c:2c:30',
                        'meta': {},
                        'port_uuid': 'ce531f90-199f-48c0-816c-13e38010b442',
                        'version': 4,
                    },
                }
            ],
            'kernel_id': '',
            'key_name': 'my-key',
            'launched_at': '2026-11-30T13:42:11Z',
            'image_uuid': '155d900f-4e14-4e4c-a73d-069cbf4541e6',
            'metadata': {},
            'locked': False,
            'node': host,
            'os_type': None,
            'progress': 0,
            'ramdisk_id': '',
            'reservation_id': 'r-npxv0e40',
            'state': state,
            'task_state': task_state,
            'power_state': 'running' if state == 'active' else 'shutdown',
            'tenant_id': '6f70656e737461636b20342065766572',
            'terminated_at': None,
            'auto_disk_config': 'MANUAL',
            'flavor': _flavor(),
            'updated_at': '2026-11-30T13:42:11Z',
            'user_id': 'fake',
            'request_id': 'req-5b6c791d-5709-4f36-8fbe-c3e02869e35d',
            'action_initiator_user': 'fake',
            'action_initiator_project': '6f70656e737461636b20342065766572',
            'state_update': {
                'nova_object.name': 'InstanceStateUpdatePayload',
                'nova_object.data': {
                    'old_state': 'active',
                    'old_task_state': None,
                    'new_task_state': task_state,
                    'state': state,
                },
            },
            'audit_period': {
                'nova_object.name': 'AuditPeriodPayload',
                'nova_object.data': {
                    'audit_period_beginning': '2026-11-01T00:00:00Z',
                    'audit_period_ending': '2026-11-30T13:42:11Z',
                },
            },
            'old_display_name': None,
            'tags': [],
            'updated_at_': None,
        },
    }


def _service(host, disabled):
    return {
        'nova_object.name': 'ServiceStatusPayload',
        'nova_object.namespace': 'nova',
        'nova_object.version': '1.1',
        'nova_object.data': {
            'host': host,
            'binary': 'nova-compute',
            'topic': 'compute',
            'report_count': 1,
            'disabled': disabled,
            'disabled_reason': 'bench' if disabled else None,
            'availability_zone': 'nova',
            'last_seen_up': '2026-11-30T13:42:11Z',
            'forced_down': False,
            'version': 66,
            'uuid': str(uuid.uuid5(uuid.NAMESPACE_DNS, host)),
        },
    }


def plan(instances, hosts, publisher, publishers, seed):
    """Messages (event_type, publisher host, payload) of one publisher,
    in order, its expected outcomes and the final state of its
    instances: {uuid: None (deleted) or (host, status)}."""
    rng = random.Random(seed * 1000 + publisher)  # noqa: S311
    mine = [
        str(uuid.UUID(int=rng.getrandbits(128), version=4))
        for _ in range(instances // publishers)
    ]
    messages, final = [], {}
    applied = ignored = 0
    services = {}
    for start in range(0, len(mine), WINDOW):
        window = mine[start : start + WINDOW]
        homes = {i: f'bench-{rng.randrange(hosts):04d}' for i in window}
        dests = {
            i: f'bench-{(int(homes[i][6:]) + 1) % hosts:04d}' for i in window
        }
        # (event, on the destination?, state, task state)
        steps = [
            ('instance.create.end', False, 'active', None),
            ('instance.update', False, 'active', None),
            (
                'instance.live_migration_pre.start',
                False,
                'active',
                'migrating',
            ),
            ('instance.live_migration_post_dest.end', True, 'active', None),
            # The source's own end comes last, still "migrating": the
            # instance has moved, so it is ignored.
            ('instance.live_migration_post.end', False, 'active', 'migrating'),
            ('instance.update', True, 'stopped', None),
        ]
        for n, (event, on_dest, state, task) in enumerate(steps):
            for inst in window:
                host = dests[inst] if on_dest else homes[inst]
                messages.append(
                    (event, host, _payload(inst, host, state, task, str(n)))
                )
                if event == 'instance.live_migration_post.end':
                    ignored += 1
                else:
                    applied += 1
                if len(messages) % SERVICE_EVERY == 0:
                    # Each publisher its own hosts: their toggles of
                    # "disabled" never cancel out.
                    number = rng.randrange(publisher, hosts, publishers)
                    name = f'bench-{number:04d}'
                    disabled = not services.get(name, True)
                    services[name] = disabled
                    messages.append(
                        ('service.update', name, _service(name, disabled))
                    )
                    applied += 1
        for inst in window:
            final[inst] = (dests[inst], 'SHUTOFF')
            if int(inst[:8], 16) % 3 == 0:
                messages.append(
                    (
                        'instance.delete.end',
                        dests[inst],
                        _payload(inst, dests[inst], 'deleted', None),
                    )
                )
                applied += 1
                final[inst] = None
    return messages, {'applied': applied, 'ignored': ignored}, final


def publish(args, topic, index, counter, go, done):
    """A publisher process: send its plan in order, count what the
    broker confirmed."""
    from oslo_config import cfg
    import oslo_messaging as messaging

    conf = cfg.ConfigOpts()
    conf([], project='fleet-bench', default_config_files=[])
    transport = messaging.get_notification_transport(
        conf, url=args.transport_url
    )
    notifier = messaging.Notifier(
        transport, driver='messagingv2', topics=[topic], retry=-1
    )
    messages, _, _ = plan(
        args.instances, args.hosts, index, args.publishers, args.seed
    )
    preparers = {}
    sent = 0
    go.wait()
    for event, host, payload in messages:
        if host not in preparers:
            preparers[host] = notifier.prepare(
                publisher_id=f'nova-compute:{host}'
            )
        preparers[host].info({}, event, payload)
        sent += 1
        if sent % 500 == 0:
            with counter.get_lock():
                counter.value += 500
    with counter.get_lock():
        counter.value += sent % 500
    done.set()
    transport.cleanup()


# Databases


def create_database(kind, workdir):
    """(url, drop) of a throwaway database on ``kind``."""
    name = f'fleet_ingest_{uuid.uuid4().hex[:8]}'
    if kind == 'sqlite':
        return f'sqlite:///{workdir}/{name}.db', lambda: None
    if kind == 'mysql':
        import pymysql

        admin = pymysql.connect(
            host='127.0.0.1', port=3306, user='root', autocommit=True
        )
        with admin.cursor() as cursor:
            cursor.execute(
                f'CREATE DATABASE {name} CHARACTER SET utf8mb4 '
                'COLLATE utf8mb4_general_ci'
            )

        def drop():
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS {name}')

        return MYSQL_URL.format(name=name), drop
    if kind == 'postgresql':
        import psycopg2

        for user in ('postgres', 'root'):
            try:
                admin = psycopg2.connect(
                    dbname='postgres', user=user, host='127.0.0.1', port=5432
                )
                break
            except psycopg2.OperationalError:
                continue
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE {name}')

        def drop():
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')

        return POSTGRES_URL.format(user=user, name=name), drop
    raise SystemExit(f'unknown database {kind}')


def queue_depth(transport_url, queue):
    import kombu

    url = transport_url.replace('rabbit://', 'amqp://', 1)
    with kombu.Connection(url, connect_timeout=10) as conn:
        return conn.default_channel.queue_declare(
            queue=queue, passive=True
        ).message_count


def delete_queues(transport_url, names):
    """Nothing consumes the bench's queues after the run: drop them."""
    import kombu

    url = transport_url.replace('rabbit://', 'amqp://', 1)
    with kombu.Connection(url, connect_timeout=10) as conn:
        for name in names:
            try:
                conn.default_channel.queue_delete(name)
            except Exception as e:  # already gone
                print(f'  (queue {name}: {e})')


def run(args, kind, workdir):
    from oslo_messaging import opts as messaging_opts

    from fleet import conf as fleet_conf
    from fleet.common import rpc
    from fleet.conductor import notifications
    from fleet.db import api as db_api
    from fleet.db import migration

    url, drop = create_database(kind, workdir)
    conf = fleet_conf.CONF
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    conf.set_override('connection', url, group='database')
    topic = f'fleet-ingest-bench-{uuid.uuid4().hex[:8]}'
    pool = f'{topic}-pool'
    conf.set_override('transport_url', args.transport_url)
    conf.set_override('notifications_topic', topic, group='inventory')
    conf.set_override('notifications_exchange', 'openstack', group='inventory')
    conf.set_override('notifications_pool', pool, group='inventory')
    conf.set_override(
        'notifications_batch_size', args.batch_size, group='inventory'
    )
    conf.set_override(
        'notifications_batch_timeout', args.batch_timeout, group='inventory'
    )
    migration.upgrade('head')
    dbapi = db_api.get_instance()

    expected = {'applied': 0, 'ignored': 0}
    final = {}
    for p in range(args.publishers):
        _, counts, states = plan(
            args.instances, args.hosts, p, args.publishers, args.seed
        )
        expected['applied'] += counts['applied']
        expected['ignored'] += counts['ignored']
        final.update(states)
    total = expected['applied'] + expected['ignored']
    if args.mode == 'db':
        ok = run_db(args, kind, dbapi, expected, final)
        drop()
        return ok

    # Publishers are forked before this process opens any connection
    # to the broker or starts a thread; they wait for "go".
    ctx = multiprocessing.get_context('fork')
    counter = ctx.Value('l', 0)
    go = ctx.Event()
    dones = [ctx.Event() for _ in range(args.publishers)]
    procs = [
        ctx.Process(
            target=publish, args=(args, topic, i, counter, go, dones[i])
        )
        for i in range(args.publishers)
    ]
    for proc in procs:
        proc.start()
    rpc.init(conf)
    endpoint = notifications.InventoryEndpoint()
    # Declare and bind the pool's queue, so nothing published is routed
    # nowhere (and, for "backlog", fill it before anyone consumes).
    probe = notifications.start(notifications.get_listener(endpoint))
    if args.mode == 'backlog':
        probe.stop()
        probe.wait()
    time.sleep(1)
    print(f'[{kind}] {uptime()}')
    t0 = time.monotonic()
    go.set()
    listener = probe
    if args.mode == 'backlog':
        for proc in procs:
            proc.join()
        t_pub = time.monotonic() - t0
        print(
            f'[{kind}] backlog of {counter.value} published in '
            f'{t_pub:.1f} s ({counter.value / t_pub:.0f} msg/s)'
        )
        endpoint.counts.clear()
        listener = notifications.start(notifications.get_listener(endpoint))
    start = time.monotonic()
    cpu_start = _cpu()
    deadline = start + args.deadline
    first = last = None
    samples = []
    published_at = None
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = time.monotonic()
        handled = endpoint.applied + endpoint.ignored
        if first is None and endpoint.applied:
            first = now
        samples.append((now, endpoint.applied))
        if published_at is None and all(d.is_set() for d in dones):
            published_at = now
        if handled >= total and all(d.is_set() for d in dones):
            last = now
            break
    timed_out = last is None
    cpu = _cpu() - cpu_start
    end = last or time.monotonic()
    for proc in procs:
        proc.join(timeout=30)
    listener.stop()
    listener.wait()
    depth = queue_depth(args.transport_url, pool)
    delete_queues(args.transport_url, [pool, f'{topic}.info'])

    lost = wrong = 0
    rows = {i['uuid']: i for i in dbapi.list_instances()}
    for inst, want in final.items():
        row = rows.get(inst)
        if want is None:
            wrong += row is not None
        elif row is None:
            lost += 1
        elif (row['host'], row['status']) != want:
            wrong += 1
    window = 5.0
    slowest = None
    for i, (t, applied) in enumerate(samples):
        j = next(
            (k for k in range(i, len(samples)) if samples[k][0] - t >= window),
            None,
        )
        if j is None or (last and samples[j][0] > last):
            break
        rate = (samples[j][1] - applied) / (samples[j][0] - t)
        slowest = rate if slowest is None else min(slowest, rate)
    counts = {k: v for k, v in endpoint.counts.items() if v}
    span = max(end - (first or start), 1e-6)
    print(
        f'[{kind}] mode={args.mode} publishers={args.publishers} '
        f'batch_size={args.batch_size} batch_timeout={args.batch_timeout}'
    )
    print(
        f'[{kind}] published={counter.value} (planned {total}) '
        f'applied={endpoint.applied} (expected {expected["applied"]}) '
        f'ignored={endpoint.ignored} (expected {expected["ignored"]}) '
        f'requeued={endpoint.requeued} outcomes={counts}'
    )
    print(
        f'[{kind}] APPLIED msg/s = {endpoint.applied / span:.0f} '
        f'(handled {(endpoint.applied + endpoint.ignored) / span:.0f} '
        f'msg/s, over {span:.1f} s; slowest {window:.0f} s window '
        f'{slowest or 0:.0f} applied msg/s) '
        + (
            f'publishers done after {published_at - start:.1f} s'
            if published_at
            else 'publishers NOT done'
        )
    )
    import prometheus_client

    sample = prometheus_client.REGISTRY.get_sample_value
    batches = sample('fleet_inventory_notification_batch_seconds_count')
    in_db = sample('fleet_inventory_notification_batch_seconds_sum')
    print(
        f'[{kind}] batches={batches:.0f} mean_batch_size='
        f'{(endpoint.applied + endpoint.ignored) / max(batches, 1):.0f} '
        f'mean_batch_s={in_db / max(batches, 1):.3f} '
        f'(apply_s={in_db:.1f} of {span:.1f} s)'
    )
    handled = endpoint.applied + endpoint.ignored
    print(
        f'[{kind}] this process\'s CPU: {cpu:.1f} s = '
        f'{1000 * cpu / max(handled, 1):.2f} ms per message handled, '
        f'{handled / max(cpu, 1e-6):.0f} msg per CPU-second'
    )
    print(
        f'[{kind}] queue left={depth} instances: lost={lost} '
        f'wrong_state={wrong} of {len(final)}'
    )
    if timed_out:
        print(
            f'[{kind}] DEADLINE EXCEEDED: {args.deadline} s passed with '
            f'{endpoint.applied + endpoint.ignored} of {total} handled.'
        )
    print(f'[{kind}] {uptime()}')
    drop()
    return not timed_out and not lost and not wrong


def _cpu():
    """CPU seconds (user + system) of this process, every thread (the
    listener's; publishers are other processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _check(dbapi, final):
    """(lost, wrong) instances: absent, or not as last published."""
    lost = wrong = 0
    rows = {i['uuid']: i for i in dbapi.list_instances()}
    for inst, want in final.items():
        row = rows.get(inst)
        if want is None:
            wrong += row is not None
        elif row is None:
            lost += 1
        elif (row['host'], row['status']) != want:
            wrong += 1
    return lost, wrong


def run_db(args, kind, dbapi, expected, final):
    """The database side alone, no broker: the plan's messages through
    the endpoint in batches of ``--batch-size``, then again one message
    per transaction (batches of one, as before batching), on the same
    database emptied in between."""
    import datetime

    import sqlalchemy as sa

    from fleet.conductor import notifications
    from fleet.db.sqlalchemy import base as db_base
    from fleet.db.sqlalchemy import models

    start = datetime.datetime(2026, 11, 30, 21, 0, 0)
    messages = []
    for p in range(args.publishers):
        planned, _, _ = plan(
            args.instances, args.hosts, p, args.publishers, args.seed
        )
        for event, host, payload in planned:
            stamp = start + datetime.timedelta(milliseconds=len(messages))
            messages.append(
                {
                    'ctxt': {},
                    'publisher_id': f'nova-compute:{host}',
                    'event_type': event,
                    'payload': payload,
                    'metadata': {
                        'message_id': str(uuid.uuid4()),
                        'timestamp': str(stamp),
                    },
                }
            )
    print(f'[{kind}] mode=db messages={len(messages)} {uptime()}')
    ok = True
    for size in (args.batch_size, 1):
        with db_base.writer() as session:
            for model in (models.HostInstance, models.HostHistory):
                session.execute(sa.delete(model))
            session.execute(sa.delete(models.Host))
        endpoint = notifications.InventoryEndpoint()
        t0 = time.monotonic()
        cpu_start = _cpu()
        deadline = t0 + args.deadline
        done = 0
        for i in range(0, len(messages), size):
            endpoint.info(messages[i : i + size])
            done = i + size
            if time.monotonic() > deadline:
                break
        elapsed = time.monotonic() - t0
        cpu = _cpu() - cpu_start
        done = min(done, len(messages))
        lost, wrong = (
            _check(dbapi, final)
            if done == len(messages)
            else (
                None,
                None,
            )
        )
        print(
            f'[{kind}] db only, batches of {size}: APPLIED msg/s = '
            f'{endpoint.applied / elapsed:.0f} (handled {done / elapsed:.0f}'
            f' msg/s over {elapsed:.1f} s) applied={endpoint.applied} '
            f'(expected {expected["applied"]}) ignored={endpoint.ignored} '
            f'(expected {expected["ignored"]}) requeued={endpoint.requeued} '
            f'lost={lost} wrong_state={wrong}; CPU {cpu:.1f} s = '
            f'{1000 * cpu / max(done, 1):.2f} ms per message'
        )
        if done < len(messages):
            print(
                f'[{kind}] DEADLINE EXCEEDED: {args.deadline} s passed with '
                f'{done} of {len(messages)} handled (batches of {size}).'
            )
            ok = False
        else:
            ok = ok and not lost and not wrong
    print(f'[{kind}] {uptime()}')
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--db', default='mysql')
    parser.add_argument('--instances', type=int, default=30000)
    parser.add_argument('--hosts', type=int, default=900)
    parser.add_argument('--publishers', type=int, default=2)
    parser.add_argument(
        '--mode', choices=('live', 'backlog', 'db'), default='live'
    )
    parser.add_argument('--batch-size', type=int, default=500)
    parser.add_argument('--batch-timeout', type=float, default=0.5)
    parser.add_argument('--deadline', type=float, default=600)
    parser.add_argument('--seed', type=int, default=18)
    parser.add_argument(
        '--transport-url', default='rabbit://guest:guest@127.0.0.1:5672/'
    )
    args = parser.parse_args()
    kinds = args.db.split(',')
    if len(kinds) > 1:
        # One process per backend: the database engine is per process.
        ok = True
        for kind in kinds:
            argv = [a for a in sys.argv[1:]]
            i = argv.index('--db')
            argv[i + 1] = kind
            result = subprocess.run([sys.executable, __file__, *argv])
            ok = ok and result.returncode == 0
        sys.exit(0 if ok else 1)

    from oslo_log import log

    from fleet import conf as fleet_conf

    log.register_options(fleet_conf.CONF)
    fleet_conf.CONF([], project='fleet', default_config_files=[])
    # Host moves are logged at INFO, one line each: not the bench's cost.
    log.set_defaults(
        default_log_levels=log.get_default_log_levels()
        + ['fleet.conductor.notifications=WARNING', 'amqp=ERROR']
    )
    log.setup(fleet_conf.CONF, 'fleet-ingest-bench')
    workdir = tempfile.mkdtemp(prefix='fleet-ingest-bench-')
    sys.exit(0 if run(args, kinds[0], workdir) else 1)


if __name__ == '__main__':
    os.environ.setdefault('OS_LOG_CAPTURE', '0')
    main()
