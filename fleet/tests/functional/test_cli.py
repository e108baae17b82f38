"""The real ``openstack fleet ...`` command against running fleets.

* An all-in-one (noauth, simulated cloud) reached with
  ``--os-auth-type none --os-endpoint URL``.
* fleet-api behind the minicloud's real Keystone: found in the service
  catalog as service type "fleet" (registered here, idempotently, at the
  stable port ``$FLEET_FUNCTIONAL_CLI_PORT``, default 19880), and with
  ``--os-endpoint`` overriding the catalog under password auth. Skipped
  without ``$FLEET_MINICLOUD_DIR/fleet.json``.

The ``openstack`` command is the one installed next to this interpreter;
its JSON output is parsed, its stderr checked for one-line errors.
"""

import datetime
import json
import os
import subprocess
import sys
import time
import uuid

import pytest

from fleet.tests.functional import base

STATE_DIR = os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
    os.path.expanduser('~'), '.fleet-minicloud'
)
CLOUD_FILE = os.path.join(STATE_DIR, 'fleet.json')
CLOUDS_YAML = os.path.join(STATE_DIR, 'clouds.yaml')
KEYSTONE_PORT = int(os.environ.get('FLEET_FUNCTIONAL_CLI_PORT', '19880'))


def openstack_command():
    path = os.path.join(os.path.dirname(sys.executable), 'openstack')
    if not os.path.exists(path):
        pytest.fail(
            f'{path} is missing: install the cli extra '
            '(pip install -e .[cli]) or test-requirements.txt'
        )
    return path


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env['OS_CLIENT_CONFIG_FILE'] = '/nonexistent/clouds.yaml'
    env.update(extra)
    return env


class OpenStack:
    """Runs ``openstack <global args> ...`` and checks its exit code."""

    def __init__(self, global_args, env):
        self.global_args = list(global_args)
        self.env = env

    def __call__(self, *args, rc=0, timeout=180):
        argv = [openstack_command(), *self.global_args, *map(str, args)]
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == rc, (
            f'{" ".join(argv)} exited {result.returncode}, not {rc}\n'
            f'--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}'
        )
        return result

    def json(self, *args, **kwargs):
        return json.loads(self(*args, '-f', 'json', **kwargs).stdout)


def one_line_error(stderr):
    assert 'Traceback' not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


# All-in-one, noauth


@pytest.fixture(scope='module')
def aio(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('aio')
    port = base.free_port()
    conf = base.write_config(
        tmp / 'fleet.conf',
        {
            'database': {'connection': f'sqlite:///{tmp / "fleet.sqlite"}'},
            'api': {'port': port},
            'fake_cloud': {
                'hosts': 4,
                'instances_per_host': 3,
                'migration_seconds': 0.2,
            },
        },
    )
    procs = base.Processes(tmp)
    try:
        procs.start(
            'fleet-all-in-one',
            [base.fleet_command('fleet-all-in-one'), '--config-file', conf],
            port=port,
        )
        yield OpenStack(
            [
                '--os-auth-type',
                'none',
                '--os-endpoint',
                f'http://127.0.0.1:{port}',
            ],
            _env(),
        )
    finally:
        procs.stop_all()


def test_aio_host_list(aio):
    hosts = aio.json('fleet', 'host', 'list')
    names = [h['Name'] for h in hosts]
    assert 'sim-compute-001' in names, hosts
    assert set(hosts[0]) == {
        'UUID',
        'Name',
        'Kind',
        'State',
        'Region',
        'Availability Zone',
        'Rack',
    }
    out = aio('fleet', 'host', 'list', '-f', 'value', '-c', 'Name',
              '--limit', '2', '--sort', 'name:desc').stdout  # fmt: skip
    assert out.split() == sorted(names, reverse=True)[:2]
    long = aio.json('fleet', 'host', 'list', '--long', '--kind', 'compute')
    assert all(h['Source'] == 'fake' for h in long), long


def test_aio_host_lifecycle(aio):
    name = base.unique('cli-host-')
    host = aio.json(
        'fleet', 'host', 'create', name, '--kind', 'switch',
        '--rack', 'r9', '--label', 'team=net', '--variable', 'ports=48',
    )  # fmt: skip
    assert (host['kind'], host['rack']) == ('switch', 'r9')
    assert host['labels'] == {'team': 'net'}
    assert host['variables'] == {'ports': 48}
    aio('fleet', 'host', 'set', name, '--label', 'tier=core',
        '--owner', 'netops')  # fmt: skip
    aio('fleet', 'host', 'unset', name, '--label', 'team')
    host = aio.json('fleet', 'host', 'show', host['uuid'])
    assert host['labels'] == {'tier': 'core'}
    assert host['owner'] == 'netops'
    aio('fleet', 'host', 'unmanage', name, '--reason', 'RMA 17')
    assert aio.json('fleet', 'host', 'show', name)['state'] == 'unmanaged'
    aio('fleet', 'host', 'manage', name)
    assert aio.json('fleet', 'host', 'show', name)['state'] == 'active'
    aio('fleet', 'host', 'delete', name)
    err = aio('fleet', 'host', 'show', name, rc=1).stderr
    assert f'Host {name} could not be found. (HTTP 404)' in one_line_error(err)


def test_aio_errors_are_one_line(aio):
    line = one_line_error(
        aio('fleet', 'host', 'delete', 'sim-compute-004', rc=1).stderr
    )
    assert 'reported by the fake inventory driver' in line
    assert line.endswith(')') and '(HTTP 400)' in line
    line = one_line_error(
        aio(
            '--os-fleet-api-version', '1.99', 'fleet', 'host', 'list', rc=1
        ).stderr  # fmt: skip
    )
    assert 'Version 1.99 was requested' in line
    line = one_line_error(
        aio(
            '--os-fleet-api-version', '1.0', 'fleet', 'execution', 'list', rc=1
        ).stderr  # fmt: skip
    )
    assert 'needs fleet API version 1.1' in line


def test_aio_maintenance_wait_succeeds(aio):
    result = aio('fleet', 'maintenance', 'start', 'sim-compute-002',
                 '--wait', '--poll-interval', '0.3', '-f', 'json')  # fmt: skip
    run = json.loads(result.stdout)
    assert run['state'] == 'succeeded', run
    total = run['progress']['instances_summary']['total']
    assert total == 3
    assert f'{total}/{total} instances moved' in result.stderr
    assert 'running' in result.stderr
    assert result.stderr.splitlines()[-1].endswith(
        f'succeeded, {total}/{total} instances moved'
    ), result.stderr
    shown = aio.json('fleet', 'execution', 'show', run['uuid'])
    assert shown['progress']['instances_summary']['moved'] == total
    assert all(i['state'] == 'migrated' for i in shown['instances'].values())
    runs = aio.json('fleet', 'execution', 'list', '--host', 'sim-compute-002')
    assert run['uuid'] in [r['UUID'] for r in runs]
    table = aio('fleet', 'execution', 'show', run['uuid']).stdout
    assert f'{total}/{total} instances moved' in table


def test_aio_maintenance_wait_fails_with_reason(aio):
    aio('fleet', 'host', 'unmanage', 'sim-compute-003', '--reason', 'hands')
    result = aio('fleet', 'maintenance', 'start', 'sim-compute-003',
                 '--wait', '--poll-interval', '0.3', rc=1)  # fmt: skip
    assert 'Traceback' not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert 'sim-compute-003' in last and 'unmanaged' in last, result.stderr


def _wait_for_run(aio, run_uuid, timeout=60):
    """``execution show`` until the run is over; its last view."""
    deadline = time.monotonic() + timeout
    while True:
        run = aio.json('fleet', 'execution', 'show', run_uuid)
        if run['state'] in ('succeeded', 'failed', 'cancelled', 'rejected'):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.5)


def test_aio_runbook_remediates_repeated_alert(aio, tmp_path):
    """A runbook (from a file) drains a host on the 2nd occurrence of an
    alert; the alert is then acknowledged and silenced."""
    host = 'sim-compute-001'
    alert_name = base.unique('CliDisk')
    runbook_name = base.unique('cli-rb-')
    path = tmp_path / 'runbook.yaml'
    path.write_text(
        f'name: {runbook_name}\n'
        f'match:\n  alert_name: {alert_name}\n'
        'threshold:\n  count: 2\n'
        'remediation:\n  action: maintenance\n  kind: drain\n'
        'approval: automatic\n'
    )
    runbook = aio.json('fleet', 'runbook', 'create', '--file', path)
    assert runbook['name'] == runbook_name
    assert runbook['threshold']['count'] == 2, runbook
    listed = aio.json('fleet', 'runbook', 'list', '--name', runbook_name)
    assert [r['UUID'] for r in listed] == [runbook['uuid']]
    assert listed[0]['Remediation'] == {
        'action': 'maintenance',
        'kind': 'drain',
    }
    catalog = json.loads(
        aio('fleet', 'runbook', 'export', '--format', 'json').stdout
    )
    assert runbook_name in [r['name'] for r in catalog['runbooks']]

    first = aio.json('fleet', 'alert', 'create', alert_name, '--host', host)
    assert (first['count'], first['state']) == (1, 'firing'), first
    assert [d['action'] for d in first['decisions']] == ['none'], first
    dry = aio.json('fleet', 'runbook', 'dry-run', runbook_name)
    assert [(d['Alert UUID'], d['Action'], d['Occurrences']) for d in dry] == [
        (first['uuid'], 'none', 1)
    ], dry
    assert 'threshold 2' in dry[0]['Reason'], dry

    second = aio.json('fleet', 'alert', 'create', alert_name, '--host', host)
    assert (second['uuid'], second['count']) == (first['uuid'], 2), second
    [decision] = second['decisions']
    assert (decision['runbook'], decision['action'], decision['kind']) == (
        runbook_name,
        'execution',
        'drain',
    ), decision
    alerts = aio.json('fleet', 'alert', 'list', '--name', alert_name)
    assert [(a['UUID'], a['Count'], a['Host']) for a in alerts] == [
        (first['uuid'], 2, host)
    ], alerts
    runs = aio.json('fleet', 'execution', 'list', '--host', host)
    assert [r['UUID'] for r in runs] == [decision['execution_uuid']], runs
    run = _wait_for_run(aio, decision['execution_uuid'])
    assert run['state'] == 'succeeded', run
    assert run['kind'] == 'drain'
    assert run['requested_by']['runbook'] == runbook_name, run
    assert run['requested_by']['alert_uuid'] == first['uuid'], run

    acked = aio.json('fleet', 'alert', 'ack', first['uuid'])
    assert acked['state'] == 'acknowledged', acked
    silenced = aio.json('fleet', 'alert', 'silence', first['uuid'],
                        '--reason', 'r', '--duration', '1h')  # fmt: skip
    assert (silenced['state'], silenced['silence_reason']) == (
        'silenced',
        'r',
    ), silenced
    until = datetime.datetime.fromisoformat(silenced['silenced_until'])
    updated = datetime.datetime.fromisoformat(silenced['updated_at'])
    assert 3500 < (until - updated).total_seconds() < 3700, silenced


def test_aio_places_capacity_history(aio):
    name = base.unique('cli-rack-')
    place = aio.json('fleet', 'place', 'create', name, '--kind', 'rack',
                     '--variable', 'ntp=10.0.0.1')  # fmt: skip
    assert (place['name'], place['kind']) == (name, 'rack'), place
    assert place['variables'] == {'ntp': '10.0.0.1'}, place
    places = aio.json('fleet', 'place', 'list', '--kind', 'rack')
    assert place['uuid'] in [p['UUID'] for p in places], places

    capacity = aio.json('fleet', 'capacity', 'show')
    names = {h['name'] for h in capacity['hosts']}
    assert {f'sim-compute-00{i}' for i in range(1, 5)} <= names, capacity
    assert capacity['total']['hosts'] == len(capacity['hosts']), capacity
    assert capacity['total']['total']['vcpus'] > 0, capacity

    history = aio.json('fleet', 'host', 'history', 'sim-compute-001')
    assert history, history
    assert ('create', 'sync') in [
        (e['Action'], e['Source']) for e in history
    ], history

    missing = str(uuid.uuid4())
    line = one_line_error(aio('fleet', 'alert', 'show', missing, rc=1).stderr)
    assert f'Alert {missing} could not be found. (HTTP 404)' in line


# Behind the minicloud's Keystone

needs_minicloud = pytest.mark.skipif(
    not os.path.exists(CLOUD_FILE),
    reason=f'no minicloud: {CLOUD_FILE} does not exist (run "python3 '
    'tools/minicloud/minicloud up", or "tox -e functional")',
)


def _register_endpoint(cloud, url):
    """Make ``url`` the public "fleet" endpoint of the catalog (creating
    the service and endpoint, or updating the URL, as needed)."""
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    sess = session.Session(
        auth=v3.Password(auth_url=cloud['auth_url'], **cloud['admin'])
    )

    def identity(method, path, **kwargs):
        return sess.request(
            path,
            method,
            endpoint_filter={'service_type': 'identity'},
            **kwargs,
        ).json()

    services = identity('GET', '/services?type=fleet')['services']
    if services:
        service = services[0]
    else:
        service = identity(
            'POST',
            '/services',
            json={'service': {'type': 'fleet', 'name': 'fleet'}},
        )['service']
    endpoints = identity(
        'GET', f'/endpoints?service_id={service["id"]}&interface=public'
    )['endpoints']
    mine = [e for e in endpoints if e.get('region_id') == cloud['region']]
    if not mine:
        identity(
            'POST',
            '/endpoints',
            json={
                'endpoint': {
                    'service_id': service['id'],
                    'interface': 'public',
                    'region_id': cloud['region'],
                    'url': url,
                }
            },
        )
    elif mine[0]['url'] != url:
        identity(
            'PATCH',
            f'/endpoints/{mine[0]["id"]}',
            json={'endpoint': {'url': url}},
        )


@pytest.fixture(scope='module')
def keystone_api(tmp_path_factory):
    with open(CLOUD_FILE) as f:
        cloud = json.load(f)
    if base.port_open(KEYSTONE_PORT):
        pytest.fail(
            f'port {KEYSTONE_PORT} is taken; set FLEET_FUNCTIONAL_CLI_PORT '
            'to a free one (the catalog endpoint follows it)'
        )
    tmp = tmp_path_factory.mktemp('keystone')
    conf = base.write_config(
        tmp / 'fleet.conf',
        {
            'DEFAULT': {'transport_url': 'fake://'},
            'database': {'connection': f'sqlite:///{tmp / "fleet.sqlite"}'},
            'api': {
                'auth_strategy': 'keystone',
                'host_ip': '127.0.0.1',
                'port': KEYSTONE_PORT,
            },
            'oslo_messaging_notifications': {'driver': 'noop'},
            'keystone_authtoken': {
                'www_authenticate_uri': cloud['auth_url'],
                'auth_url': cloud['auth_url'],
                'auth_type': 'password',
                'region_name': cloud['region'],
                'service_token_roles_required': True,
                **cloud['fleet'],
            },
        },
    )
    base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    url = f'http://127.0.0.1:{KEYSTONE_PORT}'
    _register_endpoint(cloud, url)
    procs = base.Processes(tmp)
    try:
        procs.start(
            'fleet-api',
            [base.fleet_command('fleet-api'), '--config-file', conf],
            port=KEYSTONE_PORT,
        )
        yield url
    finally:
        procs.stop_all()


@needs_minicloud
def test_keystone_catalog(keystone_api):
    admin = OpenStack(
        ['--os-cloud', 'minicloud-admin'],
        _env(OS_CLIENT_CONFIG_FILE=CLOUDS_YAML),
    )
    name = base.unique('cli-ks-')
    host = admin.json('fleet', 'host', 'create', name, '--rack', 'r1')
    assert host['name'] == name
    hosts = admin.json('fleet', 'host', 'list')
    assert name in [h['Name'] for h in hosts]
    line = one_line_error(admin('fleet', 'host', 'show', 'nope', rc=1).stderr)
    assert 'Host nope could not be found. (HTTP 404)' in line


@needs_minicloud
def test_keystone_endpoint_override(keystone_api):
    admin = OpenStack(
        ['--os-cloud', 'minicloud-admin', '--os-endpoint', keystone_api],
        _env(OS_CLIENT_CONFIG_FILE=CLOUDS_YAML),
    )
    hosts = admin.json('fleet', 'host', 'list')
    assert isinstance(hosts, list)


@needs_minicloud
def test_keystone_bad_password_is_one_line(keystone_api):
    result = OpenStack(
        ['--os-cloud', 'minicloud-admin', '--os-password', 'wrong'],
        _env(OS_CLIENT_CONFIG_FILE=CLOUDS_YAML),
    )('fleet', 'host', 'list', rc=1)
    assert 'HTTP 401' in one_line_error(result.stderr)
