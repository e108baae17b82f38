"""The nova compute driver against a real Nova: the minicloud.

It drives :class:`fleet.drivers.compute.nova.NovaCompute` exactly as the
maintenance flow does, configured the way a deployment is (a ``[nova]``
section read from a config file, fleet's service user): disable a compute
with a reason, list its instances, live-migrate them away and follow
their migration records to ``completed``, abort a running migration,
re-enable the compute. Run it after::

    python3 tools/minicloud/minicloud up
    FLEET_FUNCTIONAL=1 pytest -s \
        fleet/tests/functional/test_nova_compute_driver.py

It is skipped when ``$FLEET_MINICLOUD_DIR/fleet.json`` does not exist or
``FLEET_FUNCTIONAL`` is unset. ``FLEET_FUNCTIONAL_HOST`` picks the compute
it drains (default: the last one), so that runs in parallel can keep apart.
"""

import json
import os
import time
import uuid

from oslo_config import cfg
import pytest

from fleet.common import exception
from fleet.common import nova
from fleet.conf import nova as nova_conf
from fleet.drivers.compute import nova as nova_driver

STATE_DIR = os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
    os.path.expanduser('~'), '.fleet-minicloud'
)
CONFIG_FILE = os.path.join(STATE_DIR, 'fleet.json')

pytestmark = [
    pytest.mark.skipif(
        not os.path.exists(CONFIG_FILE),
        reason=f'no minicloud: {CONFIG_FILE} does not exist (run "python3 '
        'tools/minicloud/minicloud up" and set FLEET_MINICLOUD_DIR)',
    ),
    pytest.mark.skipif(
        not os.environ.get('FLEET_FUNCTIONAL'),
        reason='functional test: set FLEET_FUNCTIONAL=1',
    ),
]

TIMEOUT = 120
DONE = 'completed'
FAILED = ('error', 'failed', 'cancelled')


def _wait(what, predicate, timeout=TIMEOUT, interval=0.5):
    """Poll ``predicate`` until it returns something true; return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out waiting for {what}')
        time.sleep(interval)


@pytest.fixture(scope='module')
def cloud():
    with open(CONFIG_FILE) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def conf(cloud, tmp_path_factory):
    """fleet's [nova] options, from a config file as deployed."""
    creds = cloud['fleet']
    path = tmp_path_factory.mktemp('conf') / 'fleet.conf'
    path.write_text(
        '[nova]\n'
        'auth_type = password\n'
        f'auth_url = {cloud["auth_url"]}\n'
        f'username = {creds["username"]}\n'
        f'password = {creds["password"]}\n'
        f'project_name = {creds["project_name"]}\n'
        f'user_domain_name = {creds["user_domain_name"]}\n'
        f'project_domain_name = {creds["project_domain_name"]}\n'
        f'region_name = {cloud["region"]}\n'
        'valid_interfaces = public\n'
    )
    conf = cfg.ConfigOpts()
    nova_conf.register_opts(conf)
    conf(['--config-file', str(path)], project='fleet')
    return conf


@pytest.fixture(scope='module')
def adapter(conf):
    adapter = nova.NovaAdapter(conf=conf)

    # The minicloud may be (re)starting: give it a minute to answer, so
    # that a test fails on what it tests, not on a cloud coming up.
    def answering():
        try:
            return adapter.list_services(binary='nova-compute')
        except exception.ComputeUnavailable:
            return None

    _wait('Nova to answer', answering, timeout=90, interval=3)
    return adapter


@pytest.fixture(scope='module')
def driver(adapter):
    return nova_driver.NovaCompute(adapter=adapter)


@pytest.fixture(scope='module')
def host(cloud, driver):
    name = os.environ.get('FLEET_FUNCTIONAL_HOST') or cloud['computes'][-1]
    others = [
        s
        for s in driver.list_services()
        if s['host'] != name
        and s['status'] == 'enabled'
        and s['state'] == 'up'
    ]
    if not others:
        pytest.skip(f'no other enabled compute to migrate {name}\'s to')
    return name


@pytest.fixture(scope='module')
def boot(cloud, adapter):
    """Boot servers forced onto a compute; all deleted at the end."""
    # Booting is not the driver's business: the test uses the adapter's
    # novaclient (the only one fleet has) for it.
    client = adapter.nova
    images = adapter.session.get(
        '/v2/images?name=%s' % cloud['image'],
        endpoint_filter={
            'service_type': 'image',
            'region_name': cloud['region'],
        },
    ).json()['images']
    image = images[0]['id']
    flavor = client.flavors.find(name=cloud['flavor']).id
    booted = []

    def _boot(on_host, count):
        prefix = f'fleet-ft-{uuid.uuid4().hex[:6]}'
        for i in range(count):
            server = client.servers.create(
                f'{prefix}-{i}',
                image,
                flavor,
                availability_zone=f'nova:{on_host}',
                nics='none',
            )
            booted.append(server.id)
        return booted[-count:]

    yield _boot
    for server_id in booted:
        try:
            client.servers.delete(server_id)
        except Exception as e:  # noqa: BLE001 - best effort cleanup
            print(f'cleanup: delete {server_id}: {e}')


def _active(driver, uuids):
    def check():
        instances = [driver.get_instance(u) for u in uuids]
        for inst in instances:
            assert inst['status'] != 'ERROR', inst
        if all(
            i['status'] == 'ACTIVE' and not i['task_state'] for i in instances
        ):
            return instances
        return None

    return check


def _migrate_and_wait(driver, uuid_, target=None):
    """What the flow does: note the latest migration, start one, wait for
    a newer record to finish. Returns (migration, seconds)."""
    before = driver.get_latest_migration(uuid_)
    before_id = before['id'] if before else None
    started = time.monotonic()
    driver.live_migrate(uuid_, target)

    def finished():
        m = driver.get_latest_migration(uuid_)
        if m and m['id'] != before_id and (m['status'] in (DONE, *FAILED)):
            return m
        return None

    migration = _wait(f'migration of {uuid_}', finished)
    return migration, time.monotonic() - started


def test_drain_one_compute(driver, adapter, host, boot):
    timings = {}
    reason = f'fleet: functional test {uuid.uuid4().hex[:8]}'
    t0 = time.monotonic()
    uuids = boot(host, 2)
    instances = _wait('instances ACTIVE', _active(driver, uuids))
    timings['boot 2'] = time.monotonic() - t0
    assert {i['host'] for i in instances} == {host}

    try:
        # Disable with a reason; Nova itself shows it.
        t0 = time.monotonic()
        service = driver.disable_service(host, reason)
        timings['disable'] = time.monotonic() - t0
        assert service['status'] == 'disabled'
        assert service['disabled_reason'] == reason
        raw = adapter.list_services(host=host, binary='nova-compute')
        assert raw[0]['status'] == 'disabled'
        assert raw[0]['disabled_reason'] == reason
        # Idempotent.
        assert driver.disable_service(host, reason)['status'] == 'disabled'

        listed = {i['uuid']: i for i in driver.list_instances(host)}
        assert set(uuids) <= set(listed)
        assert listed[uuids[0]]['vcpus'] >= 1
        assert listed[uuids[0]]['memory_mb'] >= 1

        capacity = driver.get_host_capacity(host)
        assert capacity['vcpus'] > 0 and capacity['memory_mb'] > 0
        assert capacity['vcpus_used'] >= 2

        # One destination chosen by the scheduler, one named.
        others = sorted(
            s['host']
            for s in driver.list_services()
            if s['host'] != host
            and s['status'] == 'enabled'
            and s['state'] == 'up'
        )
        for uuid_, target in ((uuids[0], None), (uuids[1], others[0])):
            migration, seconds = _migrate_and_wait(driver, uuid_, target)
            timings[f'live-migrate to {target or "scheduler"}'] = seconds
            assert migration['status'] == DONE, migration
            assert migration['source'] == host
            instance = _wait(
                'instance ACTIVE after migration', _active(driver, [uuid_])
            )[0]
            assert instance['host'] != host
            assert instance['host'] == migration['dest']
            if target:
                assert instance['host'] == target

        remaining = {i['uuid'] for i in driver.list_instances(host)}
        assert not remaining & set(uuids)
    finally:
        t0 = time.monotonic()
        service = driver.enable_service(host)
        timings['enable'] = time.monotonic() - t0
    assert service['status'] == 'enabled'
    assert not service['disabled_reason']
    assert driver.get_service(host)['status'] == 'enabled'
    print(
        '\ntimings: ' + ', '.join(f'{k} {v:.2f}s' for k, v in timings.items())
    )


def test_abort_running_migration(cloud, driver, host, boot):
    if not cloud.get('migration_seconds'):
        pytest.skip('migrations on this minicloud are instant')
    (uuid_,) = boot(host, 1)
    _wait('instance ACTIVE', _active(driver, [uuid_]))
    before = driver.get_latest_migration(uuid_)
    driver.live_migrate(uuid_)

    def running():
        m = driver.get_latest_migration(uuid_)
        if m and (before is None or m['id'] != before['id']):
            if m['status'] in (DONE, *FAILED):
                pytest.fail(f'migration ended before it could be aborted: {m}')
            if m['status'] == 'running':
                return m
        return None

    migration = _wait('a running migration', running, interval=0.2)
    driver.abort_migration(uuid_, migration['id'])
    ended = _wait(
        'the migration to end',
        lambda: (
            m
            if (m := driver.get_latest_migration(uuid_))['status']
            in (DONE, *FAILED)
            else None
        ),
    )
    assert ended['id'] == migration['id']
    assert ended['status'] == 'cancelled', ended
    instance = _wait('instance ACTIVE', _active(driver, [uuid_]))[0]
    assert instance['host'] == host
    # Aborting what is over is refused with a fleet error.
    with pytest.raises(exception.ComputeError):
        driver.abort_migration(uuid_, migration['id'])


def test_cold_migrate_and_confirm(driver, host, boot):
    (uuid_,) = boot(host, 1)
    _wait('instance ACTIVE', _active(driver, [uuid_]))
    before = driver.get_latest_migration(uuid_, 'migration')
    started = time.monotonic()
    driver.cold_migrate(uuid_)

    def verify_resize():
        m = driver.get_latest_migration(uuid_, 'migration')
        if m and (before is None or m['id'] != before['id']):
            assert m['status'] not in FAILED, m
            inst = driver.get_instance(uuid_)
            if m['status'] == 'finished' and inst['status'] == 'VERIFY_RESIZE':
                return m
        return None

    migration = _wait('VERIFY_RESIZE', verify_resize)
    assert migration['migration_type'] == 'migration'
    driver.confirm_migration(uuid_)
    instance = _wait('instance ACTIVE', _active(driver, [uuid_]))[0]
    assert instance['host'] != host
    confirmed = driver.get_latest_migration(uuid_, 'migration')
    assert confirmed['id'] == migration['id']
    assert confirmed['status'] == 'confirmed', confirmed
    print(f'\ncold migration + confirm {time.monotonic() - started:.2f}s')
    # Confirming twice is a conflict Nova reports, as a fleet error.
    with pytest.raises(exception.ComputeError):
        driver.confirm_migration(uuid_)


def test_unknown_things(driver):
    with pytest.raises(exception.HostNotFound):
        driver.get_service('no-such-host')
    with pytest.raises(exception.InstanceNotFound):
        driver.get_instance(str(uuid.uuid4()))
    with pytest.raises(exception.HostNotFound):
        driver.get_host_capacity('no-such-host')
    assert driver.get_latest_migration(str(uuid.uuid4())) is None
