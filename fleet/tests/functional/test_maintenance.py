"""The maintenance flow end to end on the minicloud's real Nova.

fleet-conductor (RabbitMQ, MariaDB, the ``nova`` compute driver) and
fleet-api (noauth) run as real processes; the tests ask for runs through
the REST API only and check the outcome in Nova:

* a drain / patch / reboot of a compute with 6 instances succeeds: the
  service is disabled with fleet's reason during the run, every instance
  ends ACTIVE elsewhere after one completed live migration, the service is
  enabled again, and the run's history is complete;
* a conductor killed with SIGKILL mid-migration and restarted finishes the
  run without migrating any instance twice;
* a migration that cannot succeed (a disabled target) is retried, then
  the run aborts: it fails explicitly, no instance moves or is lost, and
  the host is re-enabled.

Needs ``python3 tools/minicloud/minicloud up`` (``fleet.json``) and
``FLEET_FUNCTIONAL=1``.
"""

import json
import os
import signal
import sys
import time

import pytest
import requests

from fleet.tests.functional import base

STATE_DIR = os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
    os.path.expanduser('~'), '.fleet-minicloud'
)
CONFIG_FILE = os.path.join(STATE_DIR, 'fleet.json')
ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
)

pytestmark = pytest.mark.skipif(
    not os.path.exists(CONFIG_FILE),
    reason=f'no minicloud: {CONFIG_FILE} does not exist',
)

HEADERS = {'OpenStack-API-Version': 'fleet 1.4'}
#: The executor actions fleet ships (noop, reboot, dnf-update, ...).
ACTIONS_DIR = os.path.normpath(
    os.path.join(
        os.path.dirname(os.path.abspath(__file__)),
        '..',
        '..',
        '..',
        'etc',
        'fleet',
        'actions',
    )
)
RUN_TIMEOUT = 300
FINAL = ('succeeded', 'failed', 'cancelled')


@pytest.fixture(scope='module')
def cloud():
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'bench'))
    import drain_nova_baseline

    return drain_nova_baseline, drain_nova_baseline.connect(CONFIG_FILE)


class Fleet:
    """fleet-api and fleet-conductor on one config; the conductor can be
    killed and restarted."""

    def __init__(self, procs, conf, api_port):
        self.procs = procs
        self.conf = conf
        self.url = f'http://127.0.0.1:{api_port}'
        self.conductor = None
        self.starts = 0

    def start_conductor(self):
        self.starts += 1
        self.conductor = self.procs.start(
            f'fleet-conductor-{self.starts}',
            [
                base.fleet_command('fleet-conductor'),
                '--config-file',
                self.conf,
            ],
        )
        self.conductor.wait_for_log('fleet-conductor')
        self.conductor.wait_for_log(' started on topic ')

    def kill_conductor(self):
        os.killpg(self.conductor.pid, signal.SIGKILL)
        self.conductor.popen.wait(10)

    def call(self, method, path, body=None, status=None):
        response = requests.request(
            method, self.url + path, json=body, headers=HEADERS, timeout=30
        )
        if status is not None:
            assert response.status_code == status, response.text
        return response.json() if response.content else None

    def run(self, body):
        return self.call('POST', '/v1/executions', body, status=202)

    def get(self, uuid):
        return self.call('GET', f'/v1/executions/{uuid}', status=200)

    def wait(self, uuid, timeout=RUN_TIMEOUT, each=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution = self.get(uuid)
            if each is not None:
                each(execution)
            if execution['state'] in FINAL:
                return execution
            time.sleep(0.5)
        pytest.fail(f'run {uuid} not over after {timeout} s: {execution}')


@pytest.fixture
def fleet(cloud, procs, tmp_path):
    _bench, nova = cloud
    config = nova.config
    database = base.create_mysql_database()
    api_port = base.free_port()
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-maint-'),
                'transport_url': config['transport_url'],
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'noauth',
                'host_ip': '127.0.0.1',
                'port': api_port,
            },
            'conductor': {
                'topic': base.unique('fleet-func-maint-'),
                'inventory_sync_interval': 0,
                # The test registers (or syncs) the hosts itself.
                'sync_inventory_on_start': False,
            },
            'drivers': {'compute': 'nova'},
            'executor': {'actions_dir': ACTIONS_DIR},
            'maintenance': {'poll_interval': 0.5},
            'nova': base.nova_options(config),
            'oslo_messaging_notifications': {'driver': 'noop'},
        },
    )
    base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    cluster = Fleet(procs, conf, api_port)
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


@pytest.fixture
def servers(cloud):
    """Boot instances on a compute; delete them at the end."""
    bench, nova = cloud
    booted = []

    def boot(host, count):
        uuids = bench.boot_instances(nova, host, count, prefix='fleet-maint')
        booted.extend(uuids)
        return uuids

    yield boot
    bench.delete_all(nova, booted)


def _source(nova):
    """An enabled, up compute (the first), and the others."""
    services = nova.nova.services.list(binary='nova-compute')
    usable = sorted(
        s.host
        for s in services
        if s.status == 'enabled'
        and s.state == 'up'
        and s.host in nova.config['computes']
    )
    if len(usable) < 2:
        pytest.skip(f'needs 2 enabled computes, found {usable}')
    return usable[0], usable[1:]


def _service(nova, host):
    return nova.nova.services.list(host=host, binary='nova-compute')[0]


def _migrations(nova, uuid):
    return nova.nova.migrations.list(
        instance_uuid=uuid, migration_type='live-migration'
    )


def _check_landed(nova, uuids, source):
    for uuid in uuids:
        server = nova.nova.servers.get(uuid)
        host = getattr(server, 'OS-EXT-SRV-ATTR:host')
        assert server.status == 'ACTIVE', (uuid, server.status)
        assert host != source, (uuid, host)
        done = [m for m in _migrations(nova, uuid) if m.status == 'completed']
        # Exactly one: an instance is never migrated twice.
        assert len(done) == 1, (uuid, [(m.id, m.status) for m in done])
        assert done[0].source_compute == source
        assert done[0].dest_compute == host


def _watch_service(nova, host, seen):
    def each(execution):
        if execution['state'] == 'running':
            service = _service(nova, host)
            seen.append((service.status, service.disabled_reason))

    return each


def test_drain_patch_reboot(cloud, fleet, servers):
    _bench, nova = cloud
    source, _others = _source(nova)
    uuids = servers(source, 6)
    execution = fleet.run(
        {
            'host': source,
            'kind': 'drain_patch_reboot',
            'action': 'noop',
            'max_parallel': 2,
        }
    )
    uuid = execution['uuid']
    assert execution['state'] == 'pending'
    # One run per host.
    fleet.call('POST', '/v1/executions', {'host': source}, status=409)
    seen = []
    execution = fleet.wait(uuid, each=_watch_service(nova, source, seen))
    assert execution['state'] == 'succeeded', json.dumps(execution, indent=1)
    reason = f'fleet: maintenance run {uuid}'
    assert ('disabled', reason) in seen, seen
    _check_landed(nova, uuids, source)
    service = _service(nova, source)
    assert service.status == 'enabled', service.disabled_reason
    instances = execution['progress']['instances']
    # Others may have left instances on the shared cloud's computes: the
    # run moves them too.
    assert set(uuids) <= set(instances)
    for record in instances.values():
        assert record['state'] == 'migrated', record
        assert record['migration_id'] and record['destination'] != source
        assert record['attempts'] == 1 and record['seconds'] > 0
    steps = [e['step'] for e in execution['events']]
    for step in (
        'MarkExecutionRunning',
        'CheckHostManaged',
        'CheckCapacity',
        'DisableComputeService',
        'LiveMigrateInstance',
        'WaitForMigration',
        'VerifyHostDrained',
        'RunExecutor',
        'VerifyHost',
        'EnableComputeService',
        'MarkExecutionSucceeded',
    ):
        assert step in steps, (step, steps)
    host = fleet.call('GET', f'/v1/hosts/{source}', status=200)
    assert host['state'] == 'active' and host['execution'] is None


def test_conductor_killed_mid_migration(cloud, fleet, servers):
    _bench, nova = cloud
    source, _others = _source(nova)
    uuids = servers(source, 6)
    uuid = fleet.run({'host': source, 'kind': 'drain', 'max_parallel': 2})[
        'uuid'
    ]
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        execution = fleet.get(uuid)
        states = [
            i.get('state')
            for i in execution['progress'].get('instances', {}).values()
        ]
        # Kill while one migration is done and others are in flight.
        if 'migrated' in states and 'migrating' in states:
            break
        assert execution['state'] not in FINAL, execution
        assert time.monotonic() < deadline, execution
        time.sleep(0.2)
    fleet.kill_conductor()
    # Killed: the run is still on record as running and the host is
    # disabled by it, with its reason.
    assert fleet.get(uuid)['state'] == 'running'
    service = _service(nova, source)
    assert service.status == 'disabled'
    assert uuid in service.disabled_reason
    fleet.start_conductor()
    execution = fleet.wait(uuid)
    assert execution['state'] == 'succeeded', json.dumps(execution, indent=1)
    assert any('resumed' in e['message'] for e in execution['events'])
    _check_landed(nova, uuids, source)
    assert _service(nova, source).status == 'enabled'


def test_migration_failure_aborts(cloud, fleet, servers):
    _bench, nova = cloud
    source, others = _source(nova)
    target = others[0]
    uuids = servers(source, 2)
    before = {u: len(_migrations(nova, u)) for u in uuids}
    # A disabled target: Nova's scheduler refuses it (NoValidHost) and
    # every live migration ends in error.
    nova.nova.services.disable_log_reason(
        _service(nova, target).id, 'fleet functional test: no valid host'
    )
    try:
        execution = fleet.run(
            {
                'host': source,
                'kind': 'drain',
                'target_host': target,
                'max_parallel': 1,
                'on_instance_failure': {'retries': 1, 'then': 'abort'},
            }
        )
        execution = fleet.wait(execution['uuid'])
    finally:
        nova.nova.services.enable(_service(nova, target).id)
    assert execution['state'] == 'failed', json.dumps(execution, indent=1)
    assert 'WaitForMigration' in execution['result']
    for uuid in uuids:
        server = nova.nova.servers.get(uuid)
        assert server.status == 'ACTIVE'
        assert getattr(server, 'OS-EXT-SRV-ATTR:host') == source
        assert not [
            m for m in _migrations(nova, uuid) if m.status == 'completed'
        ]
    # The first instance of the lane was tried twice (retries: 1), then
    # the run aborted before any other was tried.
    tried = sorted(len(_migrations(nova, u)) - before[u] for u in uuids)
    assert sum(tried) in (0, 2), tried
    records = execution['progress']['instances'].values()
    failed = [r for r in records if r['state'] == 'failed']
    assert len(failed) == 1 and failed[0]['attempts'] == 2, records
    assert not [r for r in records if r['state'] == 'migrated'], records
    assert _service(nova, source).status == 'enabled'
    host = fleet.call('GET', f'/v1/hosts/{source}', status=200)
    assert host['state'] == 'active' and host['execution'] is None
    messages = ' '.join(e['message'] for e in execution['events'])
    assert 'No instance left' in messages
