"""Notification ingest on real services: the batch's bulk upsert on
MariaDB and PostgreSQL, and no notification lost when RabbitMQ restarts
during a burst.

A private RabbitMQ node (its own node name, ports, data and log
directories in the test's temporary directory, no plugins) carries the
notifications, so the machine's shared broker, which the minicloud's Nova
and other tests use, is never restarted. A real fleet-conductor
(``[inventory] listen_notifications``, MariaDB) consumes them while the
test publishes a burst of Nova-format notifications with oslo.messaging's
notifier (publisher confirms, retrying forever: a send that returned was
accepted by the broker), stops the broker mid-burst with
``rabbitmqctl stop``, starts it again on the same data, and finishes the
burst. Every instance must then be in the database exactly as its last
notification says, and every deleted one gone.

Queues must be durable (``[oslo_messaging_rabbit] amqp_durable_queues``,
or quorum queues) on both sides for messages to outlive a broker
restart; this test sets it on both.
"""

import datetime
import os
import shutil
import subprocess
import threading
import time
import uuid

from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import engines
from oslo_db.sqlalchemy import orm
import pytest

from fleet.db import api as db_api
from fleet.db.sqlalchemy import base as db_base
from fleet.db.sqlalchemy import ingest
from fleet.tests.functional import base

SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'
CTL = '/usr/lib/rabbitmq/bin/rabbitmqctl'
#: Seconds a node may take to boot on a loaded machine.
BOOT_TIMEOUT = 180
#: Seconds fleet may take to apply the burst once it is published.
APPLY_TIMEOUT = 240
INSTANCES = 300
#: Seconds between two sends of the burst (at most ~100 msg/s).
PACE = 0.01


def _rabbit_binaries():
    server = SERVER if os.path.exists(SERVER) else None
    ctl = CTL if os.path.exists(CTL) else None
    return (
        server or shutil.which('rabbitmq-server'),
        ctl or shutil.which('rabbitmqctl'),
    )


class PrivateRabbit:
    """A RabbitMQ node of the test's own, started and stopped with its
    own rabbitmqctl; nothing of the machine's broker is shared but epmd
    and the binaries."""

    def __init__(self, workdir, server, ctl):
        self.server, self.ctl_path = server, ctl
        self.dir = str(workdir)
        self.node = f'{base.unique("fleetingest")}@localhost'
        self.port = base.free_port()
        self.dist_port = base.free_port()
        for sub in ('mnesia', 'log'):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        conf = os.path.join(self.dir, 'rabbitmq.conf')
        with open(conf, 'w') as f:
            f.write(f'listeners.tcp.local = 127.0.0.1:{self.port}\n')
            f.write('loopback_users = none\n')
        plugins = os.path.join(self.dir, 'enabled_plugins')
        with open(plugins, 'w') as f:
            f.write('[].\n')
        env_file = os.path.join(self.dir, 'rabbitmq-env.conf')
        open(env_file, 'w').close()
        self.env = dict(
            os.environ,
            # The Erlang cookie lives here, for the node and its CLI.
            HOME=self.dir,
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_IP_ADDRESS='127.0.0.1',
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=os.path.join(self.dir, 'mnesia'),
            RABBITMQ_LOG_BASE=os.path.join(self.dir, 'log'),
            RABBITMQ_CONFIG_FILE=conf,
            RABBITMQ_ENABLED_PLUGINS_FILE=plugins,
            RABBITMQ_CONF_ENV_FILE=env_file,
            RABBITMQ_PID_FILE=os.path.join(self.dir, 'rabbit.pid'),
            RABBITMQ_PLUGINS_EXPAND_DIR=os.path.join(self.dir, 'plugins'),
            ERL_EPMD_ADDRESS='127.0.0.1',
        )
        self.proc = None
        self.url = f'rabbit://guest:guest@127.0.0.1:{self.port}/'

    def ctl(self, *args, timeout=BOOT_TIMEOUT, check=True):
        result = subprocess.run(
            [self.ctl_path, '-n', self.node, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f'rabbitmqctl {" ".join(args)} exited {result.returncode}: '
                f'{result.stdout}\n{result.stderr}\n{self.log()}'
            )
        return result

    def log(self):
        path = os.path.join(self.dir, 'server.log')
        with open(path, errors='replace') as f:
            return f.read()[-5000:]

    def start(self):
        log = open(os.path.join(self.dir, 'server.log'), 'ab')
        self.proc = subprocess.Popen(
            [self.server],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        # await_startup needs the node registered already: wait for its
        # AMQP port first.
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not base.port_open(self.port):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                pytest.fail(f'RabbitMQ node did not listen:\n{self.log()}')
            time.sleep(0.5)
        self.ctl('await_startup', '--timeout', str(BOOT_TIMEOUT))

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.ctl('stop', check=False)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # Only the node this test started, by its own process group.
            os.killpg(self.proc.pid, 9)
            self.proc.wait(timeout=30)


@pytest.fixture
def rabbit(tmp_path):
    server, ctl = _rabbit_binaries()
    if not server or not ctl:
        pytest.skip('rabbitmq-server is not installed: no private broker')
    node = PrivateRabbit(tmp_path / 'rabbit', server, ctl)
    try:
        node.start()
        yield node
    finally:
        node.stop()


def _payload(inst, host, state, task_state=None):
    return {
        'nova_object.name': 'InstanceUpdatePayload',
        'nova_object.namespace': 'nova',
        'nova_object.version': '2.0',
        'nova_object.data': {
            'uuid': inst,
            'display_name': f'vm-{inst[:8]}',
            'host': host,
            'state': state,
            'task_state': task_state,
            'tenant_id': 'p1',
            'flavor': {
                'nova_object.name': 'FlavorPayload',
                'nova_object.data': {
                    'name': 'm1.small',
                    'vcpus': 1,
                    'memory_mb': 2048,
                    'root_gb': 20,
                    'ephemeral_gb': 0,
                },
            },
        },
    }


def _burst():
    """(messages in order, {uuid: expected (host, status) or None})."""
    instances = [str(uuid.uuid4()) for _ in range(INSTANCES)]
    messages, final = [], {}
    for step in range(5):
        for n, inst in enumerate(instances):
            home, dest = f'cmp-{n % 7}', f'cmp-{(n + 1) % 7}'
            if step == 0:
                messages.append(
                    ('instance.create.end', _payload(inst, home, 'active'))
                )
            elif step == 1:
                messages.append(
                    (
                        'instance.live_migration_pre.start',
                        _payload(inst, home, 'active', 'migrating'),
                    )
                )
            elif step == 2:
                messages.append(
                    (
                        'instance.live_migration_post_dest.end',
                        _payload(inst, dest, 'active'),
                    )
                )
            elif step == 3:
                messages.append(
                    ('instance.update', _payload(inst, dest, 'stopped'))
                )
                final[inst] = (dest, 'SHUTOFF')
            elif n % 4 == 0:
                messages.append(
                    ('instance.delete.end', _payload(inst, dest, 'deleted'))
                )
                final[inst] = None
    return messages, final


def _publisher(url):
    from oslo_config import cfg
    import oslo_messaging as messaging
    from oslo_messaging import opts

    conf = cfg.ConfigOpts()
    for group, options in opts.list_opts():
        conf.register_opts(options, group=group)
    conf([], project='fleet-test', default_config_files=[])
    conf.set_override('amqp_durable_queues', True, 'oslo_messaging_rabbit')
    conf.set_override('control_exchange', 'nova')
    transport = messaging.get_notification_transport(conf, url=url)
    # retry=-1: keep retrying through the outage; the rabbit driver
    # publishes with confirms, so a returned send reached the broker.
    notifier = messaging.Notifier(
        transport,
        publisher_id='nova-compute:cmp-0',
        driver='messagingv2',
        topics=['versioned_notifications'],
        retry=-1,
    )
    return transport, notifier


def _db_state(database):
    import pymysql

    conn = pymysql.connect(database=database.name, **base.MYSQL)
    try:
        with conn.cursor() as cursor:
            cursor.execute('SELECT uuid, host, status FROM host_instances')
            return {u: (h, s) for u, h, s in cursor.fetchall()}
    finally:
        conn.close()


def test_no_notification_lost_when_rabbitmq_restarts(rabbit, procs, tmp_path):
    database = base.create_mysql_database()
    try:
        _run(rabbit, procs, tmp_path, database)
    finally:
        procs.stop_all()
        database.drop()


def _run(rabbit, procs, tmp_path, database):
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-ingest-'),
                'transport_url': rabbit.url,
            },
            'database': {'connection': database.url},
            'conductor': {
                'topic': base.unique('fleet-func-ingest-'),
                'inventory_sync_interval': 0,
                'sync_inventory_on_start': False,
            },
            # No Nova behind this test: only the notifications.
            'drivers': {'inventory': 'fake', 'compute': 'fake'},
            'inventory': {
                'listen_notifications': 'true',
                'notifications_batch_size': 100,
                'notifications_batch_timeout': 0.2,
            },
            'oslo_messaging_rabbit': {'amqp_durable_queues': 'true'},
            'oslo_messaging_notifications': {'driver': 'noop'},
        },
    )
    base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    conductor = procs.start(
        'fleet-conductor',
        [base.fleet_command('fleet-conductor'), '--config-file', conf],
    )
    conductor.wait_for_log('Inventory listening to Nova')

    messages, final = _burst()
    transport, notifier = _publisher(rabbit.url)
    published = []
    failures = []

    def publish():
        try:
            for event, payload in messages:
                notifier.info({}, event, payload)
                published.append(event)
                # A burst that lasts: the broker restarts in its middle.
                time.sleep(PACE)
        except Exception as e:  # reported by the test below
            failures.append(e)

    restart_at = len(messages) // 3
    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    deadline = time.monotonic() + APPLY_TIMEOUT
    while len(published) < restart_at and not failures:
        assert time.monotonic() < deadline, 'publisher stuck before restart'
        time.sleep(0.01)
    applied_before = len(_db_state(database))
    rabbit.stop()
    stopped_at = len(published)
    time.sleep(2)
    # Nothing counts as published while there is no broker to confirm.
    restarted_at = len(published)
    rabbit.start()
    thread.join(timeout=APPLY_TIMEOUT)
    transport.cleanup()
    assert not failures, failures
    assert len(published) == len(messages), (
        f'published {len(published)} of {len(messages)}'
    )
    # The broker was down mid-burst, not after it: the publisher was
    # held during the outage and sent the rest once it was back.
    assert stopped_at == restarted_at < len(messages), (
        stopped_at,
        restarted_at,
    )

    expected = {u: s for u, s in final.items() if s is not None}
    state = {}
    while time.monotonic() < deadline:
        state = _db_state(database)
        if state == expected:
            break
        time.sleep(1)
    missing = sorted(set(expected) - set(state))
    undeleted = sorted(set(state) - set(expected))
    wrong = sorted(
        u for u in expected if u in state and state[u] != expected[u]
    )
    print(
        f'ingest restart: published={len(published)} (broker stopped after '
        f'{stopped_at}, {applied_before} instances in the database then), '
        f'instances={len(expected)} missing={len(missing)} '
        f'not deleted={len(undeleted)} wrong={len(wrong)}'
    )
    assert (missing, undeleted, wrong) == ([], [], []), (
        f'missing {missing[:5]}, not deleted {undeleted[:5]}, '
        f'wrong {[(u, state[u], expected[u]) for u in wrong[:5]]}'
    )
    # The conductor did lose the broker, and came back to it.
    assert 'Reconnected to AMQP server' in conductor.log()


# The batch upsert on each real database


@pytest.fixture
def dbapi(database, tmp_path):
    """fleet.db.api on a throwaway database after fleet-dbsync."""
    conf = base.write_config(
        tmp_path / 'fleet.conf', {'database': {'connection': database.url}}
    )
    base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    engine = engines.create_engine(database.url)
    factory = enginefacade._TestTransactionFactory(
        engine, orm.get_maker(engine), apply_global=True
    )
    yield db_api.get_instance()
    factory.dispose_global()
    engine.dispose()


def _event(inst, host, second, kind='instance'):
    stamp = datetime.datetime(2026, 11, 30, 21, 0, second)
    if kind == 'delete':
        return {'kind': 'delete', 'uuid': inst, 'timestamp': stamp}
    return {
        'kind': 'instance',
        'values': {'uuid': inst, 'host': host, 'status': 'ACTIVE'},
        'timestamp': stamp,
        'unless_moved': None,
    }


def test_batch_upsert(dbapi):
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    results = dbapi.apply_notification_batch(
        [
            _event(a, 'cmp-1', 1),
            _event(b, 'cmp-1', 1),
            _event(a, 'cmp-2', 3),
            _event(a, 'cmp-9', 2),  # late: stale
            _event(c, 'cmp-1', 1),
            _event(c, None, 2, kind='delete'),
            {
                'kind': 'service',
                'host': 'cmp-1',
                'values': {'nova_service_status': 'disabled'},
                'create_values': {'kind': 'compute', 'source': 'nova'},
                'history': {'source': 'notification'},
            },
        ]
    )
    assert [r['outcome'] for r in results] == [
        'applied',
        'applied',
        'applied',
        'stale',
        'applied',
        'applied',
        'applied',
    ]
    hosts = {i['uuid']: i['host'] for i in dbapi.list_instances()}
    assert hosts == {a: 'cmp-2', b: 'cmp-1'}
    assert dbapi.get_host('cmp-1')['nova_service_status'] == 'disabled'
    # Existing rows: updated in place by the same upsert.
    dbapi.apply_notification_batch([_event(b, 'cmp-3', 5)])
    assert dbapi.get_instance(b)['host'] == 'cmp-3'


def test_upsert_never_overwrites_a_newer_row(dbapi):
    """The guard of the upsert itself: a row written by another conductor
    after this batch read (here: written directly, then upserted with an
    older notification) keeps its newer state."""
    inst = str(uuid.uuid4())
    dbapi.apply_notification_batch([_event(inst, 'cmp-new', 30)])
    old = dict.fromkeys(ingest.INSTANCE_COLUMNS)
    old.update(
        uuid=inst,
        host='cmp-old',
        vcpus=0,
        memory_mb=0,
        disk_gb=0,
        source='notification',
        notified_at=datetime.datetime(2026, 11, 30, 21, 0, 10),
        created_at=datetime.datetime(2026, 11, 30, 21, 0, 10),
        updated_at=None,
    )
    with db_base.writer() as session:
        dialect = session.get_bind().dialect.name
        session.execute(ingest._upsert_statement(dialect), [old])
    assert dbapi.get_instance(inst)['host'] == 'cmp-new'
    newer = dict(
        old, host='cmp-newer', notified_at=datetime.datetime(2026, 12, 1)
    )
    with db_base.writer() as session:
        session.execute(ingest._upsert_statement(dialect), [newer])
    assert dbapi.get_instance(inst)['host'] == 'cmp-newer'
