"""A plan over the minicloud's computes, one host at a time, on the real
Nova: fleet-api and fleet-conductor (RabbitMQ, MariaDB, the ``nova``
compute driver) as real processes, driven through the REST API only.

The plan drains every compute in turn with ``max_at_once`` 1; while it
runs, never more than one compute is disabled in Nova and never more
than one of its runs is admitted; at the end every compute is enabled,
every instance ACTIVE, every host active with no run.

Needs ``python3 tools/minicloud/minicloud up`` and ``FLEET_FUNCTIONAL=1``;
run under ``flock /tmp/fleet-minicloud.lock``.
"""

import json
import time

import pytest

from fleet.tests.functional import base
from fleet.tests.functional import test_maintenance as maint

pytestmark = maint.pytestmark
cloud = maint.cloud
servers = maint.servers
PLAN_TIMEOUT = 600
V17 = {'OpenStack-API-Version': 'fleet 1.8'}


@pytest.fixture
def fleet(cloud, procs, tmp_path):
    yield from _fleet(cloud, procs, tmp_path, {})


@pytest.fixture
def fleet_az_budget(cloud, procs, tmp_path):
    """As ``fleet``, with ``[budget] max_out_per_az = 1`` and every
    compute in availability zone ``nova``."""
    yield from _fleet(cloud, procs, tmp_path, {'max_out_per_az': '1'})


def _fleet(cloud, procs, tmp_path, budget):
    _bench, nova = cloud
    config = nova.config
    database = base.create_mysql_database()
    api_port = base.free_port()
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-plan-'),
                'transport_url': config['transport_url'],
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'noauth',
                'host_ip': '127.0.0.1',
                'port': api_port,
            },
            'conductor': {
                'topic': base.unique('fleet-func-plan-'),
                'inventory_sync_interval': 0,
                'sync_inventory_on_start': False,
            },
            'budget': dict(budget, recheck_interval=1),
            'drivers': {'compute': 'nova'},
            'executor': {'actions_dir': maint.ACTIONS_DIR},
            'maintenance': {'poll_interval': 0.5},
            'nova': base.nova_options(config),
            'oslo_messaging_notifications': {'driver': 'noop'},
        },
    )
    base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    cluster = maint.Fleet(procs, conf, api_port)
    cluster.start_conductor()
    procs.start(
        'fleet-api',
        [base.fleet_command('fleet-api'), '--config-file', conf],
        port=api_port,
    )
    for name in config['computes']:
        cluster.call(
            'POST',
            '/v1/hosts',
            {
                'name': name,
                'kind': 'compute',
                'availability_zone': 'nova',
            },
            status=201,
        )
    yield cluster
    procs.stop_all()
    database.drop()


def _call(fleet, method, path, body=None, status=None):
    import requests

    response = requests.request(
        method, fleet.url + path, json=body, headers=V17, timeout=30
    )
    if status is not None:
        assert response.status_code == status, response.text
    return response.json() if response.content else None


def test_plan_over_every_compute_one_at_a_time(cloud, fleet, servers):
    _bench, nova = cloud
    computes = sorted(nova.config['computes'])
    services = {
        s.host: s
        for s in nova.nova.services.list(binary='nova-compute')
        if s.host in computes
    }
    usable = [
        h
        for h in computes
        if services[h].status == 'enabled' and services[h].state == 'up'
    ]
    if len(usable) < 3:
        pytest.skip(f'needs 3 enabled computes, found {usable}')
    uuids = []
    for host in usable:
        uuids += servers(host, 1)
    dry = _call(
        fleet,
        'POST',
        '/v1/plans',
        {'selector': {'hosts': usable}, 'dry_run': True},
        status=200,
    )
    assert dry['waves'] == [[h] for h in usable]
    plan = _call(
        fleet,
        'POST',
        '/v1/plans',
        {
            'name': 'func-plan',
            'selector': {'hosts': usable},
            'action': {'kind': 'drain', 'max_parallel': 1},
            'budget': {'max_at_once': 1},
        },
        status=201,
    )
    uuid = plan['uuid']
    deadline = time.monotonic() + PLAN_TIMEOUT
    most_disabled = 0
    while True:
        plan = _call(fleet, 'GET', f'/v1/plans/{uuid}', status=200)
        disabled = [
            s.host
            for s in nova.nova.services.list(binary='nova-compute')
            if s.host in usable and s.status == 'disabled'
        ]
        most_disabled = max(most_disabled, len(disabled))
        assert len(disabled) <= 1, (disabled, plan)
        started = [h for h in plan['hosts'] if h['state'] == 'started']
        assert len(started) <= 1, plan
        if plan['state'] in ('succeeded', 'failed', 'cancelled'):
            break
        assert time.monotonic() < deadline, json.dumps(plan, indent=1)
        time.sleep(0.5)
    assert plan['state'] == 'succeeded', json.dumps(plan, indent=1)
    assert [h['state'] for h in plan['hosts']] == ['succeeded'] * 3
    runs = [fleet.get(h['execution_uuid']) for h in plan['hosts']]
    for run in runs:
        assert run['state'] == 'succeeded', run
        assert run['plan_uuid'] == uuid
    # One host at a time: each run started after the previous ended.
    for before, after in zip(runs, runs[1:], strict=False):
        assert after['started_at'] >= before['finished_at'], (before, after)
    for host in usable:
        service = nova.nova.services.list(host=host, binary='nova-compute')[0]
        assert service.status == 'enabled', service.disabled_reason
        shown = fleet.call('GET', f'/v1/hosts/{host}', status=200)
        assert shown['state'] == 'active' and shown['execution'] is None
    for server_id in uuids:
        assert nova.nova.servers.get(server_id).status == 'ACTIVE'


def _alert(fleet, status):
    import requests

    response = requests.post(
        fleet.url + '/v1/alerts',
        json={
            'name': 'FuncPlanBlock',
            'severity': 'critical',
            'status': status,
            'fingerprint': 'func-plan-block',
            'occurrence_id': f'func-plan-block-{status}',
        },
        headers=V17,
        timeout=30,
    )
    assert response.status_code < 300, response.text


def _wait_plan(fleet, uuid, until, timeout=PLAN_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        plan = _call(fleet, 'GET', f'/v1/plans/{uuid}', status=200)
        if until(plan):
            return plan
        assert plan['state'] not in ('failed', 'cancelled'), plan
        assert time.monotonic() < deadline, json.dumps(plan, indent=1)
        time.sleep(0.3)


def test_alert_pauses_and_conductor_kill_resumes_without_double_drain(
    cloud, fleet, servers
):
    _bench, nova = cloud
    usable = sorted(
        s.host
        for s in nova.nova.services.list(binary='nova-compute')
        if s.host in nova.config['computes']
        and s.status == 'enabled'
        and s.state == 'up'
    )
    if len(usable) < 3:
        pytest.skip(f'needs 3 enabled computes, found {usable}')
    uuids = []
    for host in usable:
        uuids += servers(host, 2)
    # A blocking alert fires before the plan starts: it starts nothing.
    _alert(fleet, 'firing')
    plan = _call(
        fleet,
        'POST',
        '/v1/plans',
        {
            'selector': {'hosts': usable},
            'action': {'kind': 'drain', 'max_parallel': 1},
            'budget': {'max_at_once': 1},
            'blocking_alerts': {'names': ['FuncPlanBlock']},
        },
        status=201,
    )
    uuid = plan['uuid']
    plan = _wait_plan(fleet, uuid, lambda p: p['state'] == 'blocked')
    assert 'FuncPlanBlock' in plan['state_reason'], plan
    time.sleep(3)  # a few re-checks: still nothing started
    plan = _call(fleet, 'GET', f'/v1/plans/{uuid}', status=200)
    assert plan['state'] == 'blocked'
    assert all(h['state'] == 'queued' for h in plan['hosts']), plan
    # Its resolve lets the plan go on by itself.
    _alert(fleet, 'resolved')
    plan = _wait_plan(
        fleet,
        uuid,
        lambda p: any(h['state'] == 'started' for h in p['hosts']),
    )
    assert plan['state'] == 'running'
    # Kill -9 the conductor while the first host's run is running.
    first = next(h for h in plan['hosts'] if h['state'] == 'started')
    deadline = time.monotonic() + PLAN_TIMEOUT
    while fleet.get(first['execution_uuid'])['state'] != 'running':
        assert time.monotonic() < deadline
        time.sleep(0.2)
    fleet.kill_conductor()
    fleet.start_conductor()
    plan = _wait_plan(fleet, uuid, lambda p: p['state'] == 'succeeded')
    assert [h['state'] for h in plan['hosts']] == ['succeeded'] * 3
    for row in plan['hosts']:
        runs = _call(
            fleet,
            'GET',
            f'/v1/executions?host_uuid={row["host_uuid"]}',
            status=200,
        )['executions']
        # Never drained twice: one run per host, the plan's.
        assert [r['uuid'] for r in runs] == [row['execution_uuid']], runs
    for host in usable:
        service = nova.nova.services.list(host=host, binary='nova-compute')[0]
        assert service.status == 'enabled', service.disabled_reason
    for server_id in uuids:
        assert nova.nova.servers.get(server_id).status == 'ACTIVE'


def test_api_run_waits_for_the_budget_a_plan_uses(
    cloud, fleet_az_budget, servers
):
    fleet = fleet_az_budget
    _bench, nova = cloud
    usable = sorted(
        s.host
        for s in nova.nova.services.list(binary='nova-compute')
        if s.host in nova.config['computes']
        and s.status == 'enabled'
        and s.state == 'up'
    )
    if len(usable) < 3:
        pytest.skip(f'needs 3 enabled computes, found {usable}')
    uuids = []
    for host in usable:
        uuids += servers(host, 2)
    plan = _call(
        fleet,
        'POST',
        '/v1/plans',
        {
            'selector': {'hosts': usable[:2]},
            'action': {'kind': 'drain', 'max_parallel': 1},
            'budget': {'max_at_once': 1},
        },
        status=201,
    )
    uuid = plan['uuid']
    plan = _wait_plan(
        fleet,
        uuid,
        lambda p: any(h['state'] == 'started' for h in p['hosts']),
    )
    first = next(h for h in plan['hosts'] if h['state'] == 'started')
    # The zone's one slot is the plan's: an API run on the third
    # compute waits, with the reason, instead of failing.
    run = fleet.run({'host': usable[2], 'kind': 'drain', 'max_parallel': 1})
    if fleet.get(first['execution_uuid'])['state'] not in maint.FINAL:
        assert run['state'] == 'waiting', run
        assert run['waiting_reason'] == (
            f'availability zone nova has 1 of 1 allowed hosts out of '
            f'service ({first["host_name"]})'
        ), run
    run = fleet.wait(run['uuid'])
    assert run['state'] == 'succeeded', json.dumps(run, indent=1)
    plan = _wait_plan(fleet, uuid, lambda p: p['state'] == 'succeeded')
    runs = [fleet.get(h['execution_uuid']) for h in plan['hosts']] + [run]
    # Never two of the three runs out at once.
    spans = sorted((r['started_at'], r['finished_at']) for r in runs)
    for (_s1, end), (start, _e2) in zip(spans, spans[1:], strict=False):
        assert start >= end, spans
    for host in usable:
        service = nova.nova.services.list(host=host, binary='nova-compute')[0]
        assert service.status == 'enabled', service.disabled_reason
    for server_id in uuids:
        assert nova.nova.servers.get(server_id).status == 'ACTIVE'


@pytest.fixture
def nova_fleet_budget(cloud, procs, tmp_path):
    """fleet with the ``nova`` inventory driver (hosts, capacity facts
    and server groups come from Nova) and ``[budget] max_out_per_az =
    1`` for every run that does not override it."""
    _bench, nova = cloud
    config = nova.config
    database = base.create_mysql_database()
    api_port = base.free_port()
    topic = base.unique('fleet-func-plan-aa-')
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-plan-aa-'),
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
                'inventory_sync_interval': 0,
                'sync_inventory_on_start': False,
            },
            'budget': {'max_out_per_az': '1', 'recheck_interval': 1},
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
        cluster = maint.Fleet(procs, conf, api_port)
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


def _host_of(nova, server_id):
    return getattr(nova.nova.servers.get(server_id), 'OS-EXT-SRV-ATTR:host')


def test_anti_affinity_group_never_out_at_once_and_api_run_waits(
    cloud, nova_fleet_budget, servers
):
    """An anti-affinity server group spread over two computes: a plan
    over both, allowed two at once and the whole zone by its own budget,
    still never has both out (the second waits, saying which group); an
    API run started meanwhile on the third compute waits for the zone's
    budget ([budget] max_out_per_az = 1); everything ends back in
    service, every instance ACTIVE, the members still apart."""
    from fleet.tests.functional import test_destinations as dest

    bench, nova = cloud
    fleet = nova_fleet_budget
    usable = sorted(
        s.host
        for s in nova.nova.services.list(binary='nova-compute')
        if s.host in nova.config['computes']
        and s.status == 'enabled'
        and s.state == 'up'
    )
    if len(usable) < 3:
        pytest.skip(f'needs 3 enabled computes, found {usable}')
    one, two, third = usable[:3]
    group = nova.nova.server_groups.create(
        name=base.unique('fleet-plan-aa-'), policy='anti-affinity'
    )
    members = []
    try:
        members.append(dest._boot(bench, nova, one, group.id))
        members.append(dest._boot(bench, nova, two, group.id))
        bench.wait_servers(nova, members, 300)
        plain = servers(third, 1)
        # The nova inventory creates the hosts (with their capacity) and
        # records each instance's server group.
        counts = dest._sync(fleet)
        assert 'instances' in counts, counts
        plan = _call(
            fleet,
            'POST',
            '/v1/plans',
            {
                'selector': {'hosts': [one, two]},
                # Nova's scheduler keeps a cached list of each host's
                # instances, refreshed when a compute reports (every
                # scheduler_instance_sync_interval, 120 s): right after
                # the first member left its host, that host still counts
                # as holding it and ServerGroupAntiAffinityFilter refuses
                # every destination for the second member. Retrying
                # (about every 16 s) outlasts it, as an operator would.
                'action': {
                    'kind': 'drain',
                    'max_parallel': 1,
                    'on_instance_failure': {'retries': 10},
                },
                # Two at once and no zone limit for the plan: only the
                # server group keeps them apart.
                'budget': {'max_at_once': 2, 'max_out_per_az': '100%'},
            },
            status=201,
        )
        uuid = plan['uuid']
        plan = _wait_plan(
            fleet,
            uuid,
            lambda p: all(h['state'] != 'queued' for h in p['hosts']),
        )
        rows = {h['host_name']: h for h in plan['hosts']}
        # Paused: the second member's host waits until the test resumes
        # the plan, after Nova's scheduler has refreshed its view (see
        # above); a paused plan's waiting run is not admitted.
        _call(fleet, 'POST', f'/v1/plans/{uuid}/pause', status=200)
        first = fleet.get(rows[one]['execution_uuid'])
        second = fleet.get(rows[two]['execution_uuid'])
        api_run = fleet.run(
            {
                'host': third,
                'kind': 'drain',
                'max_parallel': 1,
                'on_instance_failure': {'retries': 10},
            }
        )
        checked = []
        if first['state'] not in maint.FINAL:
            checked.append('second waited for the group')
            assert second['state'] == 'waiting', second
            assert second['waiting_reason'] == (
                f'server group {group.id} (anti-affinity) has members on '
                f'{one}, out of service; {two} also holds one'
            ), second
            if fleet.get(first['uuid'])['state'] not in maint.FINAL:
                checked.append('the API run waited for the zone')
                assert api_run['state'] == 'waiting', api_run
                assert api_run['waiting_reason'].startswith(
                    'availability zone nova has 1 of 1 allowed hosts out '
                    'of service'
                ), api_run
        deadline = time.monotonic() + PLAN_TIMEOUT
        resume_at = None
        while True:
            disabled = {
                s.host
                for s in nova.nova.services.list(binary='nova-compute')
                if s.host in usable and s.status == 'disabled'
            }
            assert not {one, two} <= disabled, disabled
            plan = _call(fleet, 'GET', f'/v1/plans/{uuid}', status=200)
            run = fleet.get(api_run['uuid'])
            if run['state'] in maint.FINAL and resume_at is None:
                assert run['state'] == 'succeeded', json.dumps(run, indent=1)
                # Nova's scheduler refreshes a host's instance list every
                # scheduler_instance_sync_interval (120 s).
                resume_at = time.monotonic() + 130
            if resume_at and plan['state'] == 'paused':
                waiting = fleet.get(rows[two]['execution_uuid'])
                assert waiting['state'] == 'waiting', waiting
                if time.monotonic() >= resume_at:
                    assert waiting['waiting_reason'] == (
                        f'plan {uuid} is paused; its hosts start when it runs'
                    ), waiting
                    _call(
                        fleet, 'POST', f'/v1/plans/{uuid}/resume', status=200
                    )
            if plan['state'] in ('succeeded', 'failed', 'cancelled'):
                break
            assert time.monotonic() < deadline, json.dumps(plan, indent=1)
            time.sleep(0.5)
        assert plan['state'] == 'succeeded', json.dumps(plan, indent=1)
        runs = [fleet.get(h['execution_uuid']) for h in plan['hosts']]
        # The members' hosts were never out together: one run after the
        # other. The second waited for the group, saying so.
        spans = sorted((r['started_at'], r['finished_at']) for r in runs)
        assert spans[1][0] >= spans[0][1], spans
        second = fleet.get(rows[two]['execution_uuid'])
        assert any(
            e['message'].startswith(f'Waiting: server group {group.id}')
            for e in second['events']
        ), second['events']
        api_events = fleet.get(api_run['uuid'])['events']
        print('checked while running:', checked)
        print(
            'API run waited:',
            [e['message'] for e in api_events if 'Waiting' in e['message']],
        )
        for server_id in members + plain:
            assert nova.nova.servers.get(server_id).status == 'ACTIVE'
        assert _host_of(nova, members[0]) != _host_of(nova, members[1])
        for host in usable:
            service = nova.nova.services.list(
                host=host, binary='nova-compute'
            )[0]
            assert service.status == 'enabled', service.disabled_reason
            shown = fleet.call('GET', f'/v1/hosts/{host}', status=200)
            assert shown['state'] == 'active' and shown['execution'] is None
    finally:
        bench.delete_all(nova, members)
        nova.nova.server_groups.delete(group.id)
