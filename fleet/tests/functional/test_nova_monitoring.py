"""The ``nova`` monitoring driver on the minicloud's real Nova, with TWO
fleet-conductor processes running it (one database, one RabbitMQ, one
notification pool):

* a compute forced down through Nova's API (``PUT /os-services/{id}``
  ``forced_down``) is heard as Nova's versioned ``service.update`` on the
  ``nova`` exchange: ``NovaComputeForcedDown`` fires once, and resolves
  when the flag is cleared;
* a compute whose process is stopped (``minicloud stop-compute``) is
  seen down by both conductors' os-services polls: ``NovaComputeDown``
  fires with ONE occurrence however many looks both made, and resolves
  once the compute is back (``minicloud restart-compute``).

Needs ``python3 tools/minicloud/minicloud up`` (``fleet.json``) and
``FLEET_FUNCTIONAL=1``; run under ``flock /tmp/fleet-minicloud.lock``
(it stops a compute of the shared cloud, and restarts it even when it
fails).
"""

import os
import subprocess
import sys
import time

import pytest
import requests

from fleet.tests.functional import base
from fleet.tests.functional import test_maintenance as maint

pytestmark = pytest.mark.skipif(
    not os.path.exists(maint.CONFIG_FILE),
    reason=f'no minicloud: {maint.CONFIG_FILE} does not exist',
)

cloud = maint.cloud
MINICLOUD = os.path.join(maint.ROOT, 'tools', 'minicloud', 'minicloud')
#: Seconds between two looks at os-services, in each conductor.
POLL = 2
#: Nova reports a stopped compute down after service_down_time (20 s on
#: the minicloud) plus a report interval; fleet sees it at its next look.
DOWN_TIMEOUT = 90


def minicloud(*args):
    subprocess.run([sys.executable, MINICLOUD, *args], check=True, timeout=180)


class MonitoringFleet:
    def __init__(self, url):
        self.url = url

    def alerts(self, name, host):
        response = requests.get(
            self.url + '/v1/alerts',
            params={'name': name},
            headers={'OpenStack-API-Version': 'fleet 1.3'},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return [a for a in response.json()['alerts'] if a['host_name'] == host]

    def wait_alert(self, name, host, state, timeout):
        deadline = time.monotonic() + timeout
        found = []
        while time.monotonic() < deadline:
            found = self.alerts(name, host)
            if found and found[0]['state'] == state:
                return found[0]
            time.sleep(0.5)
        pytest.fail(f'{name} on {host} not {state} in {timeout} s: {found}')


@pytest.fixture
def fleet(cloud, procs, tmp_path):
    _bench, nova = cloud
    config = nova.config
    database = base.create_mysql_database()
    api_port = base.free_port()
    pool = base.unique('fleet-func-monitoring-')
    topic = base.unique('fleet-func-mon-')
    confs = []
    for index in (1, 2):
        confs.append(
            base.write_config(
                tmp_path / f'fleet-{index}.conf',
                {
                    'DEFAULT': {
                        'host': base.unique(f'func-mon{index}-'),
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
                    'drivers': {'compute': 'nova', 'monitoring': 'nova'},
                    'alerts': {
                        'listener_pool': pool,
                        'nova_service_poll_interval': POLL,
                    },
                    'nova': base.nova_options(config),
                    'oslo_messaging_notifications': {'driver': 'noop'},
                },
            )
        )
    try:
        base.run(
            [
                base.fleet_command('fleet-dbsync'),
                '--config-file',
                confs[0],
                'upgrade',
            ]
        )
        for index, conf in enumerate(confs, 1):
            conductor = procs.start(
                f'fleet-conductor-{index}',
                [base.fleet_command('fleet-conductor'), '--config-file', conf],
            )
            conductor.wait_for_log('Monitoring driver nova started')
        procs.start(
            'fleet-api',
            [base.fleet_command('fleet-api'), '--config-file', confs[0]],
            port=api_port,
        )
        yield MonitoringFleet(f'http://127.0.0.1:{api_port}')
    finally:
        procs.stop_all()
        base.delete_queue(config['transport_url'], pool)
        database.drop()


def _idle_compute(nova):
    """An enabled, up compute with no instance (the last such)."""
    busy = {
        getattr(s, 'OS-EXT-SRV-ATTR:host', None)
        for s in nova.nova.servers.list(search_opts={'all_tenants': True})
    }
    usable = sorted(
        s.host
        for s in nova.nova.services.list(binary='nova-compute')
        if s.status == 'enabled'
        and s.state == 'up'
        and not s.forced_down
        and s.host in nova.config['computes']
        and s.host not in busy
    )
    if not usable:
        pytest.skip('needs an enabled, up, empty compute')
    return usable[-1]


def _service(nova, host):
    return nova.nova.services.list(host=host, binary='nova-compute')[0]


def test_forced_down_heard_on_nova_exchange(cloud, fleet):
    _bench, nova = cloud
    host = _idle_compute(nova)
    service = _service(nova, host)
    try:
        nova.nova.services.force_down(service.id, True)
        alert = fleet.wait_alert(
            'NovaComputeForcedDown', host, 'firing', timeout=30
        )
        # One notification, two conductors in one pool: one occurrence.
        assert alert['count'] == 1, alert
        assert alert['source'] == 'nova'
    finally:
        nova.nova.services.force_down(service.id, False)
    alert = fleet.wait_alert('NovaComputeForcedDown', host, 'resolved', 30)
    assert alert['count'] == 1, alert


def test_stopped_compute_counted_once_by_two_conductors(cloud, fleet):
    _bench, nova = cloud
    host = _idle_compute(nova)
    try:
        minicloud('stop-compute', host)
        start = time.monotonic()
        alert = fleet.wait_alert(
            'NovaComputeDown', host, 'firing', timeout=DOWN_TIMEOUT
        )
        print(
            f'NovaComputeDown fired {time.monotonic() - start:.1f} s '
            'after the stop'
        )
        # Both conductors keep looking: five looks each, still one
        # occurrence of this one outage.
        time.sleep(5 * POLL)
        (alert,) = fleet.alerts('NovaComputeDown', host)
        assert (alert['state'], alert['count']) == ('firing', 1), alert
    finally:
        minicloud('restart-compute', host)
    alert = fleet.wait_alert('NovaComputeDown', host, 'resolved', 30)
    assert alert['count'] == 1, alert
