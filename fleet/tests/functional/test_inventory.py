"""The inventory on the minicloud's real Nova: one full sync, then only
Nova's versioned notifications.

fleet-conductor (RabbitMQ, MariaDB, ``[drivers] inventory = nova``, no
periodic sync, ``[inventory] listen_notifications = true``) and fleet-api
(noauth) run as real processes. The test asks the conductor for ONE full
sync over RPC and checks that every nova-compute of ``fleet.json`` is
listed, with its service state and its instances. Then, with no sync in
between (the conductor's log shows exactly one), it changes Nova and
polls ``GET /v1/hosts/{name}`` until fleet shows each change:

* an instance booted on a compute appears on it;
* live-migrated (the scheduler picks the target), it moves to the new
  compute and leaves the old one;
* a nova-compute disabled with a reason shows ``nova_service_status``
  disabled and the reason (``service.update``), then enabled again;
* deleted, the instance leaves the compute.

Each event's latency is printed (``pytest -s``, or ``-rP``): seconds from
the request to Nova until fleet shows it, and until Nova's own API does.

The listener uses a notification pool of its own (not
``fleet-inventory``): conductors of other test runs on the same broker
would otherwise share, and split, its messages. Its queue is deleted at
the end.

Needs ``python3 tools/minicloud/minicloud up`` (``fleet.json``) and
``FLEET_FUNCTIONAL=1``.
"""

import time

import pytest
import requests

from fleet.common import context
from fleet.tests.functional import base
from fleet.tests.functional import test_maintenance as maint

pytestmark = pytest.mark.skipif(
    not maint.os.path.exists(maint.CONFIG_FILE),
    reason=f'no minicloud: {maint.CONFIG_FILE} does not exist',
)

HEADERS = {'OpenStack-API-Version': 'fleet latest'}
#: Seconds fleet may take to show one change (a loaded 2-core machine).
DEADLINE = 60
#: Seconds Nova may take to carry out one request.
NOVA_TIMEOUT = 180
POLL = 0.25
#: Seconds left for late notifications before checking they did no harm.
QUIET = 3
REASON = 'fleet functional test: inventory notifications'
#: Any sync, full or incremental ("Inventory sync (full) in ...").
SYNC_LOG = 'Inventory sync ('
cloud = maint.cloud


class InventoryFleet(maint.Fleet):
    def call(self, method, path, body=None, status=None):
        response = requests.request(
            method, self.url + path, json=body, headers=HEADERS, timeout=30
        )
        if status is not None:
            assert response.status_code == status, response.text
        return response.json() if response.content else None

    def host(self, name):
        return self.call('GET', f'/v1/hosts/{name}', status=200)

    def instances(self, name):
        return {i['uuid']: i for i in self.host(name)['instances']}

    def syncs(self):
        return self.conductor.log().count(SYNC_LOG)


@pytest.fixture
def fleet(cloud, procs, tmp_path):
    _bench, nova = cloud
    config = nova.config
    database = base.create_mysql_database()
    api_port = base.free_port()
    topic = base.unique('fleet-func-inv-')
    pool = base.unique('fleet-func-inventory-')
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-inv-'),
                'transport_url': config['transport_url'],
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'noauth',
                'host_ip': '127.0.0.1',
                'port': api_port,
            },
            'conductor': {
                'topic': topic,
                # No periodic sync: only the one the test asks for.
                'inventory_sync_interval': 0,
                # The test registers (or syncs) the hosts itself.
                'sync_inventory_on_start': False,
            },
            'drivers': {'inventory': 'nova', 'compute': 'nova'},
            'inventory': {
                'listen_notifications': 'true',
                'notifications_pool': pool,
            },
            'nova': base.nova_options(config),
            'oslo_messaging_notifications': {'driver': 'noop'},
        },
    )
    try:
        base.run(
            [
                base.fleet_command('fleet-dbsync'),
                '--config-file',
                conf,
                'upgrade',
            ]
        )
        cluster = InventoryFleet(procs, conf, api_port)
        cluster.topic = topic
        cluster.start_conductor()
        cluster.conductor.wait_for_log('Inventory listening to Nova')
        procs.start(
            'fleet-api',
            [base.fleet_command('fleet-api'), '--config-file', conf],
            port=api_port,
        )
        yield cluster
    finally:
        procs.stop_all()
        base.delete_queue(config['transport_url'], pool)
        database.drop()


def _nova_hosts(nova):
    """{compute: {uuid: status}} of every server Nova places on one of
    the minicloud's computes."""
    found = {name: {} for name in nova.config['computes']}
    for server in nova.nova.servers.list(
        search_opts={'all_tenants': True}, limit=-1
    ):
        host = getattr(server, 'OS-EXT-SRV-ATTR:host', None)
        if host in found:
            found[host][server.id] = server.status
    return found


def _services(nova):
    return {
        s.host: s
        for s in nova.nova.services.list(binary='nova-compute')
        if s.host in nova.config['computes']
    }


def _watch(what, started, in_fleet, in_nova, timeout=DEADLINE, show=True):
    """Poll fleet (and Nova) until ``in_fleet()`` is true; print how
    long it took (``show``). Fleet is polled before Nova in each round,
    so the two figures agree to within a round (``POLL`` plus two API
    calls).

    :param started: time.monotonic() of the request to Nova.
    :param in_nova: whether Nova's API shows the change yet, or None.
    :returns: (seconds until fleet showed it, seconds until Nova did or
        None), both from ``started``.
    """
    deadline = time.monotonic() + timeout
    nova_seen = None
    while True:
        now = time.monotonic()
        if in_fleet():
            fleet_seen = time.monotonic() - started
            if in_nova is not None and nova_seen is None and in_nova():
                nova_seen = time.monotonic() - started
            if show:
                print(
                    f'inventory: {what}: fleet after {fleet_seen:.2f} s'
                    + (
                        f' (Nova\'s API after {nova_seen:.2f} s)'
                        if nova_seen is not None
                        else ''
                    )
                )
            return fleet_seen, nova_seen
        if in_nova is not None and nova_seen is None and in_nova():
            nova_seen = time.monotonic() - started
        if now > deadline and (nova_seen is not None or in_nova is None):
            # Nova's API shows it; fleet has had ``timeout`` s.
            pytest.fail(
                f'{what}: fleet does not show it {timeout} s after the '
                f'request (Nova\'s API did after {nova_seen} s)'
            )
        if now > started + NOVA_TIMEOUT:
            pytest.fail(f'{what}: Nova not done after {NOVA_TIMEOUT} s')
        time.sleep(POLL)


def _check_initial_sync(fleet, nova):
    before = _nova_hosts(nova)
    ctx = context.get_admin_context()
    with base.conductor_rpc(fleet.conf, fleet.topic) as api:
        counts = api.client.prepare(timeout=120).call(ctx, 'sync_inventory')
    # Nova's service.update may have created some hosts already.
    assert 'created' in counts and 'instances' in counts, counts
    services = _services(nova)
    hosts = {
        h['name']: h
        for h in fleet.call('GET', '/v1/hosts', status=200)['hosts']
    }
    seen = {name: fleet.instances(name) for name in nova.config['computes']}
    after = _nova_hosts(nova)
    for name in nova.config['computes']:
        host = hosts.get(name)
        assert host is not None, (name, sorted(hosts))
        assert host['kind'] == 'compute', host
        assert host['source'] == 'nova', host
        service = services[name]
        assert host['nova_service_status'] == service.status, (host, service)
        assert host['nova_service_state'] == service.state, (host, service)
        assert host['nova_disabled_reason'] == service.disabled_reason
        assert host['nova_service_id'] == str(service.id), host
        # Others may boot or delete on the shared cloud meanwhile: what
        # Nova had there before and after the sync is in fleet, and
        # fleet has nothing Nova did not have there at one of the two.
        stable = set(before[name]) & set(after[name])
        assert stable <= set(seen[name]), (name, stable - set(seen[name]))
        extra = set(seen[name]) - set(before[name]) - set(after[name])
        assert not extra, (name, extra)
        for uuid in stable:
            instance = seen[name][uuid]
            assert instance['host'] == name, instance
            assert instance['flavor'], instance
    print(
        'inventory: initial sync: '
        + ', '.join(f'{n}: {len(seen[n])} instances' for n in sorted(seen))
        + f'; {counts}'
    )


def test_notifications_keep_inventory_current(cloud, fleet):
    bench, nova = cloud
    _check_initial_sync(fleet, nova)
    assert fleet.syncs() == 1

    services = _services(nova)
    usable = sorted(
        name
        for name, s in services.items()
        if s.status == 'enabled' and s.state == 'up'
    )
    if len(usable) < 2:
        pytest.skip(f'needs 2 enabled computes, found {usable}')
    source = usable[0]
    latencies = {}
    server_id = None
    disabled = None
    try:
        # Boot onto ``source``.
        started = time.monotonic()
        server = nova.nova.servers.create(
            base.unique('fleet-inv-'),
            nova.image_id(),
            nova.flavor_id(),
            availability_zone=f'nova:{source}',
            nics='none',
        )
        server_id = server.id

        def active_on(host):
            def check():
                server = nova.nova.servers.get(server_id)
                assert server.status != 'ERROR', server.fault
                return (
                    server.status == 'ACTIVE'
                    and getattr(server, 'OS-EXT-SRV-ATTR:host') == host
                    and not getattr(server, 'OS-EXT-STS:task_state')
                )

            return check

        def fleet_active_on(host):
            def check():
                instance = fleet.instances(host).get(server_id)
                return instance is not None and instance['status'] == 'ACTIVE'

            return check

        latencies['boot'] = _watch(
            f'boot on {source}',
            started,
            fleet_active_on(source),
            active_on(source),
        )
        instance = fleet.instances(source)[server_id]
        assert instance['flavor'] == nova.config['flavor'], instance
        assert instance['vcpus'] >= 1, instance
        # Nova is done with it before the migration is asked for.
        _watch(
            'settled', time.monotonic(), active_on(source), None, show=False
        )

        # Live-migrate it; the scheduler picks the target.
        started = time.monotonic()
        nova.nova.servers.live_migrate(server_id, None, 'auto')

        def migrated():
            for name in usable:
                if name != source and server_id in fleet.instances(name):
                    return server_id not in fleet.instances(source)
            return False

        def nova_migrated():
            server = nova.nova.servers.get(server_id)
            assert server.status != 'ERROR', server.fault
            return getattr(server, 'OS-EXT-SRV-ATTR:host') != source

        latencies['live-migration'] = _watch(
            f'live migration from {source}', started, migrated, nova_migrated
        )
        target = getattr(
            nova.nova.servers.get(server_id), 'OS-EXT-SRV-ATTR:host'
        )
        assert server_id in fleet.instances(target), target
        assert server_id not in fleet.instances(source)
        _watch(
            'settled', time.monotonic(), active_on(target), None, show=False
        )
        # The source's stale live_migration_post.end (still "migrating")
        # comes after the destination's events: it must not stick.
        time.sleep(QUIET)
        instance = fleet.instances(target)[server_id]
        assert instance['status'] == 'ACTIVE', instance
        assert instance['task_state'] is None, instance

        # Disable a compute's service with a reason, then enable it.
        other = next(n for n in usable if n != target)
        service_id = services[other].id
        started = time.monotonic()
        nova.nova.services.disable_log_reason(service_id, REASON)
        disabled = service_id

        def fleet_service(status, reason):
            def check():
                host = fleet.host(other)
                return (
                    host['nova_service_status'] == status
                    and host['nova_disabled_reason'] == reason
                )

            return check

        latencies['service disabled'] = _watch(
            f'{other} disabled',
            started,
            fleet_service('disabled', REASON),
            None,
        )
        started = time.monotonic()
        nova.nova.services.enable(service_id)
        disabled = None
        latencies['service enabled'] = _watch(
            f'{other} enabled', started, fleet_service('enabled', None), None
        )
        history = fleet.call('GET', f'/v1/hosts/{other}/history', status=200)
        notified = [
            h for h in history['history'] if h['source'] == 'notification'
        ]
        assert len(notified) >= 2, history

        # Delete it.
        started = time.monotonic()
        nova.nova.servers.delete(server_id)

        def nova_gone():
            return server_id not in {
                s.id
                for s in nova.nova.servers.list(
                    search_opts={'all_tenants': True}, limit=-1
                )
            }

        latencies['delete'] = _watch(
            f'delete on {target}',
            started,
            lambda: server_id not in fleet.instances(target),
            nova_gone,
        )
        _watch('gone', time.monotonic(), nova_gone, None, show=False)
        server_id = None
        # Nothing brings it back (a late notification of the instance).
        time.sleep(QUIET)
        for name in nova.config['computes']:
            assert server.id not in fleet.instances(name), name
    finally:
        if disabled is not None:
            nova.nova.services.enable(disabled)
        if server_id is not None:
            bench.delete_all(nova, [server_id])
    # No full sync in between: all of it came through notifications.
    assert fleet.syncs() == 1, fleet.syncs()
    print(
        'inventory: latencies (s, from the request; fleet / Nova API): '
        + '; '.join(
            f'{event}: {f:.2f}' + (f' / {n:.2f}' if n is not None else '')
            for event, (f, n) in latencies.items()
        )
    )
