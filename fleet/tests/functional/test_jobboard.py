"""Three real fleet-conductors on TaskFlow's Redis jobboard and the
minicloud's real Nova.

Six drain runs, one after the other, each on the compute that holds the
test's instances (so across the computes). During the second run the
conductor running it is SIGKILLed mid-migration; during the fourth the
conductor running it is SIGSTOPped for longer than the claim expiry, and
SIGCONTed once another conductor has finished the run. Then:

* every run ended ``succeeded``, with exactly one closing history line;
* every instance that left a host was live-migrated exactly once for it;
* the stale conductor logged that it lost its claim on the run and added
  nothing to the run after it woke;
* the inventory sync ran once per interval in the whole cloud, not once
  per conductor.

Needs the minicloud (``fleet.json``), ``FLEET_FUNCTIONAL=1``, Redis
(``FLEET_FUNCTIONAL_REDIS_URL``) and the ``redis`` package; run it under
the minicloud lock (COMMON.md).
"""

import collections
import os
import signal
import time
import uuid as uuidlib

import pytest
import requests

from fleet.tests.functional import base
from fleet.tests.functional import test_maintenance as maint
from fleet.tests.functional.test_maintenance import cloud  # noqa: F401
from fleet.tests.functional.test_maintenance import servers  # noqa: F401

redis = pytest.importorskip('redis')

REDIS_URL = os.environ.get(
    'FLEET_FUNCTIONAL_REDIS_URL', 'redis://127.0.0.1:6379'
)
CLAIM_EXPIRY = 8
SYNC_INTERVAL = 4
CONDUCTORS = 3
RUNS = 6
KILL_RUN = 2
STOP_RUN = 4
DONE = ('completed', 'confirmed', 'finished')


class Cluster(maint.Fleet):
    """fleet-api and N conductors (own names, one config each)."""

    def __init__(self, procs, conf, api_port, tmp_path, sections):
        super().__init__(procs, conf, api_port)
        self.tmp_path = tmp_path
        self.sections = sections
        self.conductors = {}
        self.stopped = set()

    def start_named(self, name):
        sections = dict(self.sections)
        sections['DEFAULT'] = dict(sections['DEFAULT'], host=name)
        conf = base.write_config(self.tmp_path / f'{name}.conf', sections)
        self.starts += 1
        proc = self.procs.start(
            f'{name}-{self.starts}',
            [base.fleet_command('fleet-conductor'), '--config-file', conf],
        )
        proc.wait_for_log(' started on topic ')
        self.conductors[name] = proc
        return proc

    def signal(self, name, signum):
        os.killpg(self.conductors[name].pid, signum)
        if signum == signal.SIGSTOP:
            self.stopped.add(name)
        elif signum == signal.SIGCONT:
            self.stopped.discard(name)
        elif signum == signal.SIGKILL:
            self.conductors[name].popen.wait(10)

    def resume_all(self):
        for name in list(self.stopped):
            self.signal(name, signal.SIGCONT)


def _redis_client():
    return redis.Redis.from_url(REDIS_URL)


@pytest.fixture
def cluster(cloud, procs, tmp_path):  # noqa: F811
    _bench, nova = cloud
    config = nova.config
    try:
        _redis_client().ping()
    except Exception as error:
        base.service_missing('Redis', error)
    board = base.unique('fleet_func_jb_')
    tooz_ns = base.unique('fleet_func_tooz_')
    database = base.create_mysql_database()
    api_port = base.free_port()
    host, port = REDIS_URL.split('//')[1].split(':')
    sections = {
        'DEFAULT': {
            'host': base.unique('func-jb-api-'),
            'transport_url': config['transport_url'],
        },
        'database': {'connection': database.url},
        'api': {
            'auth_strategy': 'noauth',
            'host_ip': '127.0.0.1',
            'port': api_port,
        },
        'conductor': {
            'topic': base.unique('fleet-func-jb-'),
            'inventory_sync_interval': SYNC_INTERVAL,
            'sync_inventory_on_start': False,
        },
        'coordination': {
            'backend_url': f'{REDIS_URL}?timeout=5&namespace={tooz_ns}',
        },
        'jobboard': {
            'backend': 'redis',
            'backend_hosts': host,
            'backend_port': int(port),
            'board_name': board,
            'claim_expiry': CLAIM_EXPIRY,
            'claim_refresh_interval': 1,
            'poll_interval': 0.5,
            'leader_check_interval': 1,
        },
        'drivers': {'compute': 'nova'},
        'executor': {'actions_dir': maint.ACTIONS_DIR},
        'maintenance': {'poll_interval': 0.5},
        'nova': base.nova_options(config),
        'oslo_messaging_notifications': {'driver': 'noop'},
    }
    conf = base.write_config(tmp_path / 'fleet.conf', sections)
    base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    cluster = Cluster(procs, conf, api_port, tmp_path, sections)
    try:
        for i in range(CONDUCTORS):
            cluster.start_named(f'jb-conductor-{i}-{uuidlib.uuid4().hex[:6]}')
        procs.start(
            'fleet-api',
            [base.fleet_command('fleet-api'), '--config-file', conf],
            port=api_port,
        )
        for name in config['computes']:
            # The leader's inventory sync may have recorded it already.
            response = requests.post(
                f'{cluster.url}/v1/hosts',
                json={'name': name, 'kind': 'compute'},
                headers=maint.HEADERS,
                timeout=30,
            )
            assert response.status_code in (201, 409), response.text
        yield cluster
    finally:
        cluster.resume_all()
        procs.stop_all()
        database.drop()
        client = _redis_client()
        for pattern in (f'{board}*', f'*{tooz_ns}*'):
            for key in client.scan_iter(pattern):
                client.delete(key)


def _where(nova, uuids):
    return {
        u: getattr(nova.nova.servers.get(u), 'OS-EXT-SRV-ATTR:host')
        for u in uuids
    }


def _moves(nova, uuid):
    return sum(
        1
        for m in nova.nova.migrations.list(instance_uuid=uuid)
        if m.status in DONE
    )


def _wait_mid_migration(cluster, uuid, timeout=120):
    """The run's conductor once the run is migrating instances."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = cluster.get(uuid)
        if execution['state'] in maint.FINAL:
            pytest.fail(f'run {uuid} ended before it could be disturbed')
        if (
            execution['state'] == 'running'
            and execution['current_step'] == 'MigrateInstances'
            and execution['conductor'] in cluster.conductors
        ):
            return execution['conductor']
        time.sleep(0.2)
    pytest.fail(f'run {uuid} never reached MigrateInstances')


def _closing_lines(execution):
    return [
        e
        for e in execution['events']
        if e['message'].startswith(
            ('Run succeeded', 'Run failed', 'Run cancelled')
        )
    ]


def test_three_conductors_kill_and_stall(cloud, cluster, servers):  # noqa: F811
    _bench, nova = cloud
    source, _others = maint._source(nova)
    computes = nova.config['computes']
    uuids = servers(source, 3)
    sync_lines_before = sum(
        p.log().count('Inventory sync in') for p in cluster.conductors.values()
    )
    began = time.monotonic()
    outcomes = []
    stale = None
    for number in range(1, RUNS + 1):
        before = _where(nova, uuids)
        counts = collections.Counter(before.values())
        source = counts.most_common(1)[0][0]
        leaving = [u for u, h in before.items() if h == source]
        moved_before = {u: _moves(nova, u) for u in uuids}
        run = cluster.run({'host': source, 'kind': 'drain', 'max_parallel': 1})
        uuid = run['uuid']
        if number == KILL_RUN:
            owner = _wait_mid_migration(cluster, uuid)
            cluster.signal(owner, signal.SIGKILL)
        elif number == STOP_RUN:
            owner = _wait_mid_migration(cluster, uuid)
            cluster.signal(owner, signal.SIGSTOP)
            stale = (owner, uuid)
        execution = cluster.wait(uuid)
        if number == STOP_RUN:
            # Another conductor finished it while the owner was stopped,
            # stopped for longer than the claim expiry.
            assert execution['conductor'] != owner, execution['conductor']
            frozen_events = len(execution['events'])
            cluster.signal(owner, signal.SIGCONT)
            proc = cluster.conductors[owner]
            proc.wait_for_log(f'lost its claim on run {uuid}', timeout=30)
            time.sleep(CLAIM_EXPIRY / 2)
            after = cluster.get(uuid)
            # The stale conductor added nothing to the run after waking.
            assert len(after['events']) == frozen_events, after['events']
            assert after['state'] == 'succeeded'
            assert proc.alive()
        if number == KILL_RUN:
            # Back to three conductors (a new name: the dead one's claims
            # lapsed and were taken).
            cluster.start_named(f'jb-conductor-r-{uuidlib.uuid4().hex[:6]}')
        after = _where(nova, uuids)
        for u in leaving:
            assert after[u] != source, (number, u, after[u])
            assert _moves(nova, u) - moved_before[u] == 1, (number, u)
        for u in set(uuids) - set(leaving):
            assert _moves(nova, u) == moved_before[u], (number, u)
        assert execution['state'] == 'succeeded', execution
        assert len(_closing_lines(execution)) == 1, execution['events']
        service = maint._service(nova, source)
        assert service.status == 'enabled', (number, service.disabled_reason)
        outcomes.append((number, source, execution['conductor']))
        print(
            f'run {number}: {source} by {execution["conductor"]}: '
            f'{execution["state"]}, {len(leaving)} instance(s) moved once',
            flush=True,
        )
    elapsed = time.monotonic() - began
    assert len(outcomes) == RUNS
    assert {s for _n, s, _c in outcomes} <= set(computes)
    # The stale conductor never acted on the run again: its log says it
    # lost the claim and stopped, and no step of it ran after that.
    owner, uuid = stale
    log = cluster.conductors[owner].log()
    lost_at = log.index(f'lost its claim on run {uuid}')
    acted = [
        line
        for line in log[lost_at:].splitlines()
        if f'Run {uuid}: ' in line and 'which lost its claim' not in line
    ]
    assert acted == [], acted
    # Once-per-cloud: the leader syncs every SYNC_INTERVAL s; three
    # conductors syncing each would log three times as many.
    syncs = (
        sum(
            p.log().count('Inventory sync in')
            for p in cluster.procs.procs
            if p.name.startswith('jb-conductor')
        )
        - sync_lines_before
    )
    expected = elapsed / SYNC_INTERVAL
    print(
        f'{RUNS} runs in {elapsed:.0f} s; inventory syncs by the '
        f'conductors: {syncs} (one per {SYNC_INTERVAL} s interval: '
        f'{expected:.0f})',
        flush=True,
    )
    assert syncs <= expected * 1.5 + 2, (syncs, expected)
