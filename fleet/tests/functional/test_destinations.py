"""Hosts fleet holds out of service are never destinations, on the
minicloud's real Nova.

* With three computes fc1..fc3: fc3 is retired in fleet (its nova-compute
enabled and up until then; fleet disables it, then it is enabled again
  behind fleet's back), fc1 is drained; every instance must land on fc2.
* An anti-affinity server group with a member on fc1 and one on fc2, fc3
  retired: draining fc1 fails at the capacity check, at once, naming the
  member that has nowhere to go; nothing moves.

fc3 is returned to active and its nova-compute re-enabled in any case.

Needs ``python3 tools/minicloud/minicloud up`` (``fleet.json``) and
``FLEET_FUNCTIONAL=1``; run under ``flock /tmp/fleet-minicloud.lock``.
"""

import contextlib
import json
import os
import time

import pytest

from fleet.common import context
from fleet.tests.functional import base
from fleet.tests.functional.test_maintenance import CONFIG_FILE
from fleet.tests.functional.test_maintenance import Fleet
from fleet.tests.functional.test_maintenance import _service
from fleet.tests.functional.test_maintenance import cloud  # noqa: F401
from fleet.tests.functional.test_maintenance import fleet  # noqa: F401
from fleet.tests.functional.test_maintenance import servers  # noqa: F401

pytestmark = pytest.mark.skipif(
    not os.path.exists(CONFIG_FILE),
    reason=f'no minicloud: {CONFIG_FILE} does not exist',
)

HELD_REASON = 'fleet: host retired'


def _wait_service(nova, host, status, reason=None, timeout=30):
    """Until nova-compute on ``host`` has ``status`` (and ``reason``)."""
    deadline = time.monotonic() + timeout
    while True:
        service = _service(nova, host)
        if service.status == status and (
            reason is None or service.disabled_reason == reason
        ):
            return service
        assert time.monotonic() < deadline, (
            f'nova-compute on {host} still {service.status} '
            f'({service.disabled_reason}) after {timeout} s'
        )
        time.sleep(0.5)


def _three_computes(nova):
    computes = sorted(nova.config['computes'])[:3]
    services = {
        s.host: s for s in nova.nova.services.list(binary='nova-compute')
    }
    if len(computes) < 3 or any(
        services.get(c) is None
        or services[c].status != 'enabled'
        or services[c].state != 'up'
        for c in computes
    ):
        pytest.skip(f'needs 3 enabled and up computes, found {services}')
    return computes


def test_retired_host_receives_no_instance(cloud, fleet, servers):  # noqa: F811
    _bench, nova = cloud
    source, keep, retired = _three_computes(nova)
    uuids = servers(source, 4)
    try:
        host = fleet.call(
            'PATCH',
            f'/v1/hosts/{retired}',
            {'state': 'retired', 'state_reason': 'functional test'},
            status=200,
        )
        assert host['state'] == 'retired'
        # The API casts to the conductor, which disables nova-compute
        # with fleet's reason while fleet holds the host.
        service = _wait_service(nova, retired, 'disabled', HELD_REASON)
        # The case: someone (a tool, a human) enables it again
        # while fleet still holds the host. The drain's capacity check
        # leaves it out and disables it again before any migration.
        nova.nova.services.enable(service.id)
        assert _service(nova, retired).status == 'enabled'
        execution = fleet.run(
            {'host': source, 'kind': 'drain', 'max_parallel': 2}
        )
        execution = fleet.wait(execution['uuid'])
        assert execution['state'] == 'succeeded', json.dumps(
            execution, indent=1
        )
        for uuid in uuids:
            server = nova.nova.servers.get(uuid)
            assert server.status == 'ACTIVE', (uuid, server.status)
            assert getattr(server, 'OS-EXT-SRV-ATTR:host') == keep, uuid
        [check] = [
            e
            for e in execution['events']
            if e['step'] == 'CheckCapacity'
            and 'candidates' in (e['details'] or {})
        ]
        assert check['details']['candidates'] == [keep], check
        assert retired in check['details']['skipped'], check
        messages = [e['message'] for e in execution['events']]
        assert (
            f'nova-compute on {retired} disabled: fleet holds the host, it '
            'must receive no instance.'
        ) in messages, messages
        # Still held: still disabled with fleet's reason.
        assert _service(nova, retired).disabled_reason == HELD_REASON
        # Returned to active: fleet lifts its own reason.
        fleet.call(
            'PATCH', f'/v1/hosts/{retired}', {'state': 'active'}, status=200
        )
        _wait_service(nova, retired, 'enabled')
    finally:
        # Leave the shared cloud as found, whatever failed above.
        with contextlib.suppress(Exception):
            fleet.call('PATCH', f'/v1/hosts/{retired}', {'state': 'active'})
        service = _service(nova, retired)
        if service.status == 'disabled' and (
            service.disabled_reason or ''
        ).startswith('fleet: '):
            nova.nova.services.enable(service.id)


@pytest.fixture
def nova_fleet(cloud, procs, tmp_path):  # noqa: F811
    """fleet-api and fleet-conductor with the ``nova`` inventory driver
    (server groups come from it) and no periodic sync."""
    _bench, nova = cloud
    config = nova.config
    database = base.create_mysql_database()
    api_port = base.free_port()
    topic = base.unique('fleet-func-dest-')
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-dest-'),
                'transport_url': config['transport_url'],
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'noauth',
                'host_ip': '127.0.0.1',
                'port': api_port,
            },
            'conductor': {'topic': topic, 'inventory_sync_interval': 0},
            'drivers': {'inventory': 'nova', 'compute': 'nova'},
            'maintenance': {'poll_interval': 0.5},
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
        cluster = Fleet(procs, conf, api_port)
        cluster.topic = topic
        cluster.start_conductor()
        procs.start(
            'fleet-api',
            [base.fleet_command('fleet-api'), '--config-file', conf],
            port=api_port,
        )
        yield cluster
    finally:
        procs.stop_all()
        database.drop()


def _sync(cluster):
    with base.conductor_rpc(cluster.conf, cluster.topic) as api:
        return api.client.prepare(timeout=120).call(
            context.get_admin_context(), 'sync_inventory'
        )


def _boot(bench, nova, host, group):
    name = base.unique('fleet-dest-aa-')
    server = nova.nova.servers.create(
        name,
        nova.image_id(),
        nova.flavor_id(),
        availability_zone=f'nova:{host}',
        nics='none',
        scheduler_hints={'group': group},
    )
    return server.id


def test_anti_affinity_member_with_nowhere_to_go(cloud, nova_fleet):  # noqa: F811
    bench, nova = cloud
    cluster = nova_fleet
    source, keep, retired = _three_computes(nova)
    group = nova.nova.server_groups.create(
        name=base.unique('fleet-dest-aa-'), policy='anti-affinity'
    )
    uuids = []
    try:
        uuids.append(_boot(bench, nova, source, group.id))
        uuids.append(_boot(bench, nova, keep, group.id))
        bench.wait_servers(nova, uuids, 300)
        # The nova inventory creates the hosts and records each
        # instance's server group.
        counts = _sync(cluster)
        assert 'instances' in counts, counts
        cluster.call(
            'PATCH',
            f'/v1/hosts/{retired}',
            {'state': 'retired', 'state_reason': 'functional test'},
            status=200,
        )
        _wait_service(nova, retired, 'disabled', HELD_REASON)
        # Its member fits nowhere: the capacity headroom of admission
        # (issue 14) keeps the run waiting, with the reason, instead of
        # starting a drain that could not end.
        execution = cluster.run({'host': source, 'kind': 'drain'})
        execution = cluster.call(
            'GET', f'/v1/executions/{execution["uuid"]}', status=200
        )
        assert execution['state'] == 'waiting', execution
        reason = execution['waiting_reason']
        assert reason.startswith('capacity headroom:'), reason
        assert f'of {source} would not fit' in reason, reason
        # Waiting changes nothing: the member is where it was, and so is
        # the host's nova-compute.
        server = nova.nova.servers.get(uuids[0])
        assert getattr(server, 'OS-EXT-SRV-ATTR:host') == source
        assert _service(nova, source).status == 'enabled'
        # And it holds nothing no one can free: a cancel ends it at once.
        cluster.call(
            'POST', f'/v1/executions/{execution["uuid"]}/cancel', status=202
        )
        execution = cluster.wait(execution['uuid'], timeout=60)
        assert execution['state'] == 'cancelled', execution
        host = cluster.call('GET', f'/v1/hosts/{source}', status=200)
        assert host['state'] == 'active' and host['execution'] is None
    finally:
        with contextlib.suppress(Exception):
            cluster.call('PATCH', f'/v1/hosts/{retired}', {'state': 'active'})
        service = _service(nova, retired)
        if service.status == 'disabled' and (
            service.disabled_reason or ''
        ).startswith('fleet: '):
            nova.nova.services.enable(service.id)
        bench.delete_all(nova, uuids)
        nova.nova.server_groups.delete(group.id)
