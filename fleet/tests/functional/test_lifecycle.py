"""How runs end, on the minicloud's real Nova: no run ends holding its
host, a host that did not come back is handed to a human.

fleet-conductor and fleet-api run as real processes (RabbitMQ, MariaDB,
the ``nova`` compute driver, the ``script`` executor running a catalogued
action):

* an executor that stops nova-compute and never starts it again: Nova
  still says "up" for ``service_down_time``, but no heartbeat comes after
  the step, so the run fails, nova-compute stays disabled with fleet's
  reason and the host is ``unmanaged`` with the reason;
* a run on a host Nova does not know fails within 10 s and frees it;
* with no conductor running, a pending run is cancelled at once, and an
  admin's release of a host ends its run and hands the host to a human,
  nova-compute disabled by the next conductor.

Needs ``python3 tools/minicloud/minicloud up`` (``fleet.json``) and
``FLEET_FUNCTIONAL=1``; run under ``flock /tmp/fleet-minicloud.lock``
(COMMON.md): it stops and restarts a compute of the shared cloud, and
leaves every compute enabled and up again, even when it fails.
"""

import json
import os
import subprocess
import sys
import time

import pytest
import requests
import yaml

from fleet.tests.functional import base
from fleet.tests.functional import test_maintenance as maint
from fleet.tests.functional.test_maintenance import CONFIG_FILE
from fleet.tests.functional.test_maintenance import ROOT
from fleet.tests.functional.test_maintenance import STATE_DIR
from fleet.tests.functional.test_maintenance import cloud  # noqa: F401

pytestmark = pytest.mark.skipif(
    not os.path.exists(CONFIG_FILE),
    reason=f'no minicloud: {CONFIG_FILE} does not exist',
)

MINICLOUD = os.path.join(ROOT, 'tools', 'minicloud')
#: Seconds VerifyHost waits for a heartbeat (the minicloud's computes
#: report every 5 s and are "down" after 20 s).
VERIFY_TIMEOUT = 20
#: Stops nova-compute-<host> of the minicloud by its pid file (no braces:
#: the script executor templates its arguments). argv: minicloud tools,
#: state dir, "--", host.
STOP_COMPUTE = (
    'import sys; sys.path.insert(0, sys.argv[1]); '
    'from minicloudlib import procs, state; '
    'stopped = procs.Process(state.State(sys.argv[2]), '
    '"nova-compute-" + sys.argv[-1]).stop(); '
    'print("nova-compute stopped" if stopped else "was not running")'
)
#: The catalogued action (runs name actions, never commands).
ACTIONS = {
    'stop-nova-compute': {
        'description': 'Stop the minicloud nova-compute of the host and '
        'never start it again: a patch that broke the host.',
        'executor': 'script',
        'timeout': 120,
        'command': [
            sys.executable,
            '-c',
            STOP_COMPUTE,
            MINICLOUD,
            STATE_DIR,
            '--',
            '{host}',
        ],
    }
}


@pytest.fixture
def fleet(cloud, procs, tmp_path):  # noqa: F811
    _bench, nova = cloud
    config = nova.config
    database = base.create_mysql_database()
    api_port = base.free_port()
    actions_dir = tmp_path / 'actions'
    actions_dir.mkdir()
    with open(actions_dir / 'lifecycle.yaml', 'w') as f:
        yaml.safe_dump(ACTIONS, f)
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-life-'),
                'transport_url': config['transport_url'],
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'noauth',
                'host_ip': '127.0.0.1',
                'port': api_port,
            },
            'conductor': {
                'topic': base.unique('fleet-func-life-'),
                'inventory_sync_interval': 0,
                'sync_inventory_on_start': False,
            },
            'drivers': {
                'compute': 'nova',
                'executor': 'noop,script',
            },
            'executor': {'actions_dir': str(actions_dir)},
            'maintenance': {
                'poll_interval': 0.5,
                'verify_timeout': VERIFY_TIMEOUT,
            },
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
            'POST', '/v1/hosts', {'name': name, 'kind': 'compute'}, status=201
        )
    yield cluster
    procs.stop_all()
    database.drop()


def _call(fleet, method, path, body=None, version='1.5', status=None):
    response = requests.request(
        method,
        fleet.url + path,
        json=body,
        headers={'OpenStack-API-Version': f'fleet {version}'},
        timeout=30,
    )
    if status is not None:
        assert response.status_code == status, response.text
    return response.json() if response.content else None


def _restore(nova, host):
    """Leave the compute as the test found it: running, up, enabled."""
    subprocess.run(
        [
            sys.executable,
            os.path.join(MINICLOUD, 'minicloud'),
            'restart-compute',
            host,
        ],
        check=True,
        timeout=180,
        env=dict(os.environ, FLEET_MINICLOUD_DIR=STATE_DIR),
    )
    nova.nova.services.enable(maint._service(nova, host).id)


def test_executor_leaving_nova_compute_stopped(cloud, fleet):  # noqa: F811
    _bench, nova = cloud
    source, _others = maint._source(nova)
    try:
        execution = fleet.run(
            {
                'host': source,
                'kind': 'drain_patch_reboot',
                'action': 'stop-nova-compute',
            }
        )
        execution = fleet.wait(execution['uuid'])
        # Read in Nova before the cleanup restarts and re-enables it.
        service = maint._service(nova, source)
    finally:
        _restore(nova, source)
    uuid = execution['uuid']
    assert execution['state'] == 'failed', json.dumps(execution, indent=1)
    assert (
        'sent no heartbeat after the executor step' in (execution['result'])
    ), execution['result']
    outputs = [
        e['details'].get('output', '')
        for e in execution['events']
        if e['step'] == 'RunExecutor'
    ]
    assert any('nova-compute stopped' in o for o in outputs), outputs
    assert service.status == 'disabled'
    assert service.disabled_reason == f'fleet: maintenance run {uuid}'
    host = fleet.call('GET', f'/v1/hosts/{source}', status=200)
    assert host['state'] == 'unmanaged', host
    assert 'VerifyHost failed' in host['state_reason'], host
    assert 'a human is needed' in host['state_reason'], host
    assert host['execution'] is None


def test_run_on_a_host_unknown_to_nova_fails_fast(fleet):
    name = base.unique('ghost-')
    fleet.call('POST', '/v1/hosts', {'name': name, 'kind': 'compute'}, 201)
    began = time.monotonic()
    uuid = fleet.run({'host': name})['uuid']
    execution = fleet.wait(uuid, timeout=10)
    seconds = time.monotonic() - began
    assert execution['state'] == 'failed', json.dumps(execution, indent=1)
    assert execution['result'], execution
    print(f'run on {name} failed in {seconds:.1f} s: {execution["result"]}')
    host = fleet.call('GET', f'/v1/hosts/{name}', status=200)
    assert host['execution'] is None
    # Free: PATCH and DELETE no longer answer 409.
    fleet.call('PATCH', f'/v1/hosts/{name}', {'state': 'retired'}, 200)
    _call(fleet, 'DELETE', f'/v1/hosts/{name}', status=204)


def test_no_conductor_cancel_and_release(cloud, fleet):  # noqa: F811
    _bench, nova = cloud
    source, others = maint._source(nova)
    fleet.kill_conductor()
    # Nobody takes these runs: a cancel closes one at once...
    uuid = fleet.run({'host': source})['uuid']
    body = _call(
        fleet, 'POST', f'/v1/executions/{uuid}/cancel', version='1.1',
        status=202,
    )  # fmt: skip
    assert body['state'] == 'cancelled', body
    # ... and an admin's release ends another and hands the host over.
    uuid = fleet.run({'host': others[0]})['uuid']
    try:
        host = _call(
            fleet, 'POST', f'/v1/hosts/{others[0]}/release',
            {'reason': 'no conductor'}, status=200,
        )  # fmt: skip
        assert host['released_execution'] == uuid
        assert host['state'] == 'unmanaged' and host['execution'] is None
        assert fleet.get(uuid)['state'] == 'cancelled'
        history = _call(
            fleet, 'GET', f'/v1/hosts/{others[0]}/history', status=200
        )['history']
        assert history[0]['action'] == 'release', history[0]
        assert history[0]['reason'] == 'no conductor'
        # The next conductor gets the queued cast and disables
        # nova-compute with fleet's reason.
        fleet.start_conductor()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            service = maint._service(nova, others[0])
            if service.status == 'disabled':
                break
            time.sleep(0.5)
        assert service.status == 'disabled'
        assert service.disabled_reason == (
            'fleet: host released by an admin: no conductor'
        )
    finally:
        nova.nova.services.enable(maint._service(nova, others[0]).id)
