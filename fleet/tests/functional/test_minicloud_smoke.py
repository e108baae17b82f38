# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Smoke test of the minicloud (tools/minicloud), the real OpenStack that
fleet's functional tests run against.

It checks, through the Nova API and RabbitMQ only, the operations fleet's
drain flow depends on: boot on a chosen host, disable the compute with a
reason, live-migrate its instances away, see Nova's versioned notifications,
re-enable it; and that a restarted nova-compute (a host reboot) keeps its
guests usable. Run it after::

    python3 tools/minicloud/minicloud up
    export FLEET_MINICLOUD_DIR=~/.fleet-minicloud   # if not the default

It is skipped when ``$FLEET_MINICLOUD_DIR/fleet.json`` does not exist.
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid

import pytest

STATE_DIR = os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
    os.path.expanduser('~'), '.fleet-minicloud'
)
CONFIG_FILE = os.path.join(STATE_DIR, 'fleet.json')
SCRIPT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    os.pardir,
    os.pardir,
    os.pardir,
    'tools',
    'minicloud',
    'minicloud',
)

pytestmark = pytest.mark.skipif(
    not os.path.exists(CONFIG_FILE),
    reason='no minicloud: %s does not exist (run "python3 '
    'tools/minicloud/minicloud up" and set FLEET_MINICLOUD_DIR)' % CONFIG_FILE,
)

MICROVERSION = '2.88'
TIMEOUT = 60
MIGRATION_DONE = ('completed',)
MIGRATION_FAILED = ('error', 'failed', 'cancelled')


@pytest.fixture(scope='module')
def cloud():
    with open(CONFIG_FILE) as f:
        return json.load(f)


def _session(cloud, who):
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    creds = cloud[who]
    return session.Session(
        auth=v3.Password(auth_url=cloud['auth_url'], **creds)
    )


@pytest.fixture(scope='module')
def admin_session(cloud):
    return _session(cloud, 'admin')


@pytest.fixture(scope='module')
def admin(cloud, admin_session):
    from novaclient import client

    return client.Client(
        MICROVERSION, session=admin_session, region_name=cloud['region']
    )


@pytest.fixture(scope='module')
def fleet(cloud):
    """Nova as fleet's own service user sees it (admin role, project
    service): it disables computes and migrates other projects' servers."""
    from novaclient import client

    return client.Client(
        MICROVERSION,
        session=_session(cloud, 'fleet'),
        region_name=cloud['region'],
    )


@pytest.fixture(scope='module')
def boot_args(cloud, admin, admin_session):
    images = admin_session.get(
        '/v2/images?name=%s' % cloud['image'],
        endpoint_filter={
            'service_type': 'image',
            'region_name': cloud['region'],
        },
    ).json()['images']
    assert images, 'image %s missing' % cloud['image']
    return {
        'image': images[0]['id'],
        'flavor': admin.flavors.find(name=cloud['flavor']).id,
    }


class Notifications:
    """Nova's versioned notifications, read off RabbitMQ by a queue of our
    own bound to the nova exchange (declared before the test acts, so
    nothing is missed; deleted when the connection closes)."""

    TOPICS = ('versioned_notifications.info', 'versioned_notifications.error')

    def __init__(self, transport_url):
        # oslo.messaging's rabbit:// is kombu's amqp://.
        self.url = 'amqp://' + transport_url.split('://', 1)[1]
        self.events = queue.Queue()
        self.seen = []
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._error = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        if not self._ready.wait(30) or self._error:
            raise AssertionError('cannot listen on RabbitMQ: %s' % self._error)

    def stop(self):
        self._stop.set()
        self._thread.join(10)

    def _run(self):
        import kombu

        try:
            with kombu.Connection(self.url) as conn:
                # Same attributes as oslo.messaging's, or RabbitMQ refuses.
                exchange = kombu.Exchange('nova', type='topic', durable=False)
                name = 'fleet-minicloud-smoke-%s' % uuid.uuid4().hex[:8]
                q = kombu.Queue(
                    name,
                    exclusive=True,
                    auto_delete=True,
                    bindings=[
                        kombu.binding(exchange, routing_key=topic)
                        for topic in self.TOPICS
                    ],
                )
                with conn.Consumer(
                    q, callbacks=[self._on_message], accept=['json']
                ) as consumer:
                    consumer.consume()
                    self._ready.set()
                    while not self._stop.is_set():
                        try:
                            conn.drain_events(timeout=0.5)
                        except TimeoutError:
                            pass
                        except OSError as e:
                            if 'timed out' not in str(e):
                                raise
        except Exception as e:  # noqa: B902 - reported by start()
            self._error = e
            self._ready.set()

    def _on_message(self, body, message):
        message.ack()
        if isinstance(body, str):
            body = json.loads(body)
        msg = json.loads(body.get('oslo.message', '{}'))
        payload = msg.get('payload', {}).get('nova_object.data', {})
        self.events.put(
            (msg.get('event_type'), msg.get('publisher_id'), payload)
        )

    def wait_for(self, predicate, timeout=20):
        """Return the first event (event_type, publisher, payload) seen so
        far or within ``timeout`` that matches."""
        for event in self.seen:
            if predicate(*event):
                return event
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                event = self.events.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(event)
            if predicate(*event):
                return event
        return None


@pytest.fixture
def notifications(cloud):
    listener = Notifications(cloud['transport_url'])
    listener.start()
    yield listener
    listener.stop()


def _wait(what, check, timeout=TIMEOUT, interval=0.5):
    deadline = time.time() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.time() > deadline:
            raise AssertionError(
                'timed out after %ss waiting for %s' % (timeout, what)
            )
        time.sleep(interval)


def _host(server):
    return getattr(server, 'OS-EXT-SRV-ATTR:host')


def _compute_service(nova, host):
    services = nova.services.list(host=host, binary='nova-compute')
    assert services, 'no nova-compute service on %s' % host
    return services[0]


def _pick_hosts(cloud, nova, count):
    """Computes that are enabled and up (others may share this cloud)."""
    usable = []
    for host in cloud['computes']:
        svc = _compute_service(nova, host)
        if svc.status == 'enabled' and svc.state == 'up':
            usable.append(host)
    if len(usable) < count:
        pytest.fail(
            'need %d enabled and up computes, have %s' % (count, usable)
        )
    return usable[:count]


def _boot(admin, boot_args, host, count):
    servers = []
    for i in range(count):
        servers.append(
            admin.servers.create(
                'minicloud-smoke-%s-%d' % (uuid.uuid4().hex[:6], i),
                boot_args['image'],
                boot_args['flavor'],
                nics='none',
                availability_zone='nova:%s' % host,
            )
        )
    for server in servers:
        _wait(
            'server %s ACTIVE' % server.id,
            lambda s=server: _active(admin, s.id),
        )
    return servers


def _active(nova, server_id):
    server = nova.servers.get(server_id)
    assert server.status != 'ERROR', 'server %s in ERROR: %s' % (
        server_id,
        getattr(server, 'fault', ''),
    )
    return server if server.status == 'ACTIVE' else None


def _live_migrate(nova, server_id):
    """Start a live migration chosen by the scheduler; return the new
    migration record (not an older one of the same server)."""
    before = {
        m.id
        for m in nova.migrations.list(
            instance_uuid=server_id, migration_type='live-migration'
        )
    }
    nova.servers.live_migrate(server_id, host=None, block_migration='auto')

    def new_migration():
        for m in nova.migrations.list(
            instance_uuid=server_id, migration_type='live-migration'
        ):
            if m.id not in before:
                return m
        return None

    return _wait('migration record of %s' % server_id, new_migration)


def _wait_migration(nova, server_id, migration_id):
    def done():
        for m in nova.migrations.list(
            instance_uuid=server_id, migration_type='live-migration'
        ):
            if m.id == migration_id:
                assert m.status not in MIGRATION_FAILED, (
                    'migration %s of %s ended %s'
                    % (migration_id, server_id, m.status)
                )
                return m if m.status in MIGRATION_DONE else None
        return None

    return _wait('migration %s completed' % migration_id, done)


def _delete(nova, servers):
    from novaclient import exceptions

    for server in servers:
        try:
            nova.servers.delete(server.id)
        except exceptions.NotFound:
            pass

    def gone():
        for server in servers:
            try:
                nova.servers.get(server.id)
                return False
            except exceptions.NotFound:
                pass
        return True

    _wait('servers deleted', gone)


def test_drain_compute(cloud, admin, fleet, boot_args, notifications):
    """Disable a compute and live-migrate its instances away, as fleet's
    drain flow does."""
    start = time.time()
    source = _pick_hosts(cloud, fleet, 2)[0]
    servers = _boot(admin, boot_args, source, 3)
    booted = time.time()
    service = _compute_service(fleet, source)
    reason = 'fleet minicloud smoke test %s' % uuid.uuid4().hex[:6]
    try:
        for server in servers:
            assert _host(admin.servers.get(server.id)) == source
        fleet.services.disable_log_reason(service.id, reason)
        svc = _compute_service(fleet, source)
        assert (svc.status, svc.disabled_reason) == ('disabled', reason)

        migrations = {s.id: _live_migrate(fleet, s.id) for s in servers}
        for server_id, migration in migrations.items():
            _wait_migration(fleet, server_id, migration.id)
        migrated = time.time()
        for server in servers:
            server = _active(admin, server.id)
            assert server, 'server not ACTIVE after migration'
            assert _host(server) != source
            assert _host(server) in cloud['computes']

        for server in servers:
            assert notifications.wait_for(
                lambda et, pub, p, sid=server.id: (
                    et == 'instance.live_migration_post.end'
                    and p.get('uuid') == sid
                )
            ), 'no instance.live_migration_post.end for %s' % server.id
        assert notifications.wait_for(
            lambda et, pub, p: (
                et == 'service.update'
                and p.get('host') == source
                and p.get('disabled')
                and p.get('disabled_reason') == reason
            )
        ), 'no service.update notification disabling %s' % source
    finally:
        fleet.services.enable(service.id)
        _delete(admin, servers)
    print(
        '\nminicloud smoke: boot 3 on %s %.1fs, disable + live-migrate '
        '%.1fs, total %.1fs'
        % (source, booted - start, migrated - booted, time.time() - start)
    )


def test_restart_compute_keeps_guests(cloud, admin, fleet, boot_args):
    """A restarted nova-compute (a simulated host reboot) still runs its
    guest, and the guest can still be live-migrated."""
    start = time.time()
    host = _pick_hosts(cloud, fleet, 2)[-1]
    servers = _boot(admin, boot_args, host, 1)
    try:
        script = SCRIPT if os.path.exists(SCRIPT) else cloud['script']
        env = dict(os.environ, FLEET_MINICLOUD_DIR=STATE_DIR)
        proc = subprocess.run(
            [sys.executable, script, 'restart-compute', host],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=180,
        )
        assert proc.returncode == 0, proc.stdout
        restarted = time.time()

        server = admin.servers.get(servers[0].id)
        assert server.status == 'ACTIVE'
        assert getattr(server, 'OS-EXT-STS:power_state') == 1  # RUNNING
        migration = _live_migrate(fleet, server.id)
        _wait_migration(fleet, server.id, migration.id)
        server = _active(admin, server.id)
        assert server and _host(server) != host
    finally:
        _delete(admin, servers)
    print(
        '\nminicloud smoke: restart %s %.1fs, total %.1fs'
        % (host, restarted - start, time.time() - start)
    )
