"""fleet-api and fleet-conductor as separate processes over real RabbitMQ.

The test starts the real console scripts on a topic of its own (so that
it never talks to another conductor on the same broker), drives the
conductor through fleet's own RPC client (:mod:`fleet.conductor.rpcapi`)
from the test process, and reads the result through the REST API.
"""

from oslo_config import cfg
import oslo_messaging as messaging
from oslo_messaging import conffixture
import pytest
import requests

from fleet import conf as fleet_conf
from fleet.common import context
from fleet.common import rpc
from fleet.conductor import rpcapi
from fleet.tests.functional import base


def _rabbit_reachable():
    host_port = base.RABBIT_URL.rsplit('@', 1)[-1].split('/', 1)[0]
    host, _, port = host_port.partition(':')
    if not base.port_open(int(port or 5672), host):
        base.service_missing(f'RabbitMQ at {host_port}', 'connection refused')


@pytest.fixture
def cluster(procs, tmp_path):
    """A conductor and an API sharing one database and one topic."""
    _rabbit_reachable()
    topic = base.unique('fleet-func-conductor-')
    host = base.unique('func-cond-')
    api_port = base.free_port()
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {'host': host, 'transport_url': base.RABBIT_URL},
            'database': {
                'connection': f'sqlite:///{tmp_path / "fleet.sqlite"}'
            },
            'api': {
                'auth_strategy': 'noauth',
                'host_ip': '127.0.0.1',
                'port': api_port,
            },
            'conductor': {
                'topic': topic,
                # Only the RPC call below syncs, so the test sees it work.
                'inventory_sync_interval': 0,
                'sync_inventory_on_start': False,
            },
            # The simulated cloud, explicitly (services default to nova).
            'drivers': {'compute': 'fake', 'inventory': 'fake'},
            # Nobody listens to fleet's notifications in this test.
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
    conductor.wait_for_log('started on topic')
    api = procs.start(
        'fleet-api',
        [base.fleet_command('fleet-api'), '--config-file', conf],
        port=api_port,
    )
    return {
        'conf': conf,
        'topic': topic,
        'host': host,
        'url': f'http://127.0.0.1:{api_port}',
        'conductor': conductor,
        'api': api,
    }


@pytest.fixture
def conductor_api(cluster):
    """fleet's RPC client in this process, on the cluster's transport."""
    conf = cfg.ConfigOpts()
    # Registers every option oslo.messaging reads (it is not set up).
    conffixture.ConfFixture(conf)
    conf(['--config-file', cluster['conf']], project='fleet')
    transport = messaging.get_rpc_transport(
        conf, allowed_remote_exmods=rpc.ALLOWED_EXMODS
    )
    saved = rpc.TRANSPORT
    rpc.TRANSPORT = transport
    try:
        assert fleet_conf.CONF.conductor.rpc_timeout > 0
        yield rpcapi.ConductorAPI(topic=cluster['topic'])
    finally:
        rpc.TRANSPORT = saved
        transport.cleanup()


def _hosts(url):
    response = requests.get(f'{url}/v1/hosts', timeout=30)
    assert response.status_code == 200, response.text
    return response.json()['hosts']


def test_sync_over_rpc_then_list(cluster, conductor_api):
    ctx = context.get_admin_context()
    assert conductor_api.ping(ctx) == cluster['host']

    # The conductor does not sync on its own here: nothing yet.
    assert _hosts(cluster['url']) == []

    counts = conductor_api.sync_inventory(ctx)
    assert counts['created'] > 0, counts
    hosts = _hosts(cluster['url'])
    assert len(hosts) == counts['created']
    assert {h['source'] for h in hosts} == {'fake'}
    assert all(h['name'].startswith('sim-compute-') for h in hosts)

    # A second sync finds everything in place.
    again = conductor_api.sync_inventory(ctx)
    assert again['created'] == 0, again
    assert len(_hosts(cluster['url'])) == len(hosts)


def test_services_stop_cleanly_on_sigterm(cluster, conductor_api):
    ctx = context.get_admin_context()
    assert conductor_api.ping(ctx) == cluster['host']
    for name in ('api', 'conductor'):
        proc = cluster[name]
        code = proc.stop()
        assert code is not None, f'{proc.name} ignored SIGTERM'
        assert code in (0, -15, 143), f'{proc.name} exited {code}'
    assert not base.port_open(int(cluster['url'].rsplit(':', 1)[1]))
