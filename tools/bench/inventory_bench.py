#!/usr/bin/env python3
"""Inventory at scale: sync a simulated fleet, then measure how fast the
inventory listener applies Nova-format notifications over real RabbitMQ.

Prints figures only: first and second full sync times for ``--hosts``
hosts with ``--instances-per-host`` instances each (fake inventory
driver, SQLite file database), the notification apply rate (messages per
second from first publish to last applied, over the transport URL given,
on a private topic so Nova's own listeners are not disturbed) and the
process's resident memory.

Usage::

    /root/fleet-venv/bin/python tools/bench/inventory_bench.py \
        [--hosts 10000] [--instances-per-host 20] [--messages 5000] \
        [--transport-url rabbit://guest:guest@127.0.0.1:5672/]
"""

import argparse
import resource
import tempfile
import time
import uuid


def rss_mib():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return 0.0


def _delete_queues(transport_url, names):
    """Drop the queues the notifier declared for the bench's private
    topic: nothing consumes them after the run, so each run would leave
    one behind, full of copies of its messages."""
    import kombu

    url = transport_url.replace('rabbit://', 'amqp://', 1)
    with kombu.Connection(url, connect_timeout=10) as conn:
        for name in names:
            conn.default_channel.queue_delete(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=10000)
    parser.add_argument('--instances-per-host', type=int, default=20)
    parser.add_argument('--messages', type=int, default=5000)
    parser.add_argument(
        '--transport-url', default='rabbit://guest:guest@127.0.0.1:5672/'
    )
    args = parser.parse_args()

    from oslo_config import cfg
    import oslo_messaging as messaging
    from oslo_messaging import opts as messaging_opts

    from fleet import conf as fleet_conf
    from fleet.common import rpc
    from fleet.conductor import inventory
    from fleet.conductor import notifications
    from fleet.db import api as db_api
    from fleet.db import migration

    conf = fleet_conf.CONF
    workdir = tempfile.mkdtemp(prefix='fleet-inv-bench-')
    conf([], project='fleet', default_config_files=[])
    conf.set_override(
        'connection', f'sqlite:///{workdir}/fleet.db', group='database'
    )
    conf.set_override('hosts', args.hosts, group='fake_cloud')
    conf.set_override(
        'instances_per_host', args.instances_per_host, group='fake_cloud'
    )
    topic = f'fleet-bench-{uuid.uuid4().hex[:8]}'
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    conf.set_override('transport_url', args.transport_url)
    conf.set_override('notifications_topic', topic, group='inventory')
    conf.set_override('notifications_exchange', 'openstack', group='inventory')
    migration.upgrade('head')
    dbapi = db_api.get_instance()

    start = time.monotonic()
    first = inventory.sync()
    t_first = time.monotonic() - start
    start = time.monotonic()
    inventory.sync()
    t_second = time.monotonic() - start
    n_inst = len(dbapi.list_instances())
    print(
        f'hosts={args.hosts} instances={n_inst} first_sync_s={t_first:.1f} '
        f'(created {first["created"]} hosts, '
        f'{first["instances"]["created"]} instances) '
        f'second_sync_s={t_second:.1f}'
    )

    # Notifications: Nova's instance.update payloads, moving instances
    # between hosts, through the real listener on the real broker.
    rpc.init(conf)
    endpoint = notifications.InventoryEndpoint()
    listener = notifications.start(notifications.get_listener(endpoint))
    time.sleep(1)  # the pool's queue is declared and bound
    notifier = messaging.Notifier(
        rpc.NOTIFICATION_TRANSPORT,
        publisher_id='nova-compute:bench',
        driver='messagingv2',
        topics=[topic],
    )
    instances = dbapi.list_instances()[: args.messages]
    start = time.monotonic()
    for i in range(args.messages):
        inst = instances[i % len(instances)]
        notifier.info(
            {},
            'instance.update',
            {
                'nova_object.name': 'InstanceUpdatePayload',
                'nova_object.data': {
                    'uuid': inst['uuid'],
                    'display_name': inst['name'],
                    'host': f'sim-compute-{(i % args.hosts) + 1:03d}',
                    'state': 'active',
                    'task_state': None,
                    'tenant_id': 'bench',
                },
            },
        )
    published = time.monotonic() - start
    deadline = time.monotonic() + 600
    while (
        endpoint.applied + endpoint.ignored < args.messages
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    elapsed = time.monotonic() - start
    timed_out = endpoint.applied + endpoint.ignored < args.messages
    listener.stop()
    listener.wait()
    _delete_queues(args.transport_url, [f'{topic}.info'])
    done = endpoint.applied + endpoint.ignored
    print(
        f'notifications={args.messages} applied={endpoint.applied} '
        f'ignored={endpoint.ignored} requeued={endpoint.requeued} '
        f'publish_s={published:.1f} '
        f'applied_msg_s={endpoint.applied / elapsed:.0f} '
        f'handled_msg_s={done / elapsed:.0f} (topic {topic}, '
        f'{args.transport_url.split("@")[-1]}; tools/bench/ingest_bench.py '
        'measures the ingest itself)'
    )
    if timed_out:
        print(
            f'DEADLINE EXCEEDED: {done} of {args.messages} notifications '
            'handled in 600 s.'
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'rss_mib={rss_mib():.0f} peak_rss_mib={peak:.0f}')
    cfg.CONF.reset()


if __name__ == '__main__':
    main()
