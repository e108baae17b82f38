"""fleet's own metrics, scraped over HTTP from real processes:

* fleet-conductor with ``[metrics] conductor_port``: migrations and their
  durations, notification lag (its process counters);
* fleet-api's ``GET /metrics``: hosts, runs and alerts by state (from the
  database), the depth of the monitoring listener's queue (from
  RabbitMQ).

Every documented series is there before anything happens, and each one
moves after the event that should move it: a Nova ``compute.exception``
notification published on RabbitMQ (lag observed by the conductor, an
alert firing in the API's count) and a drain of a simulated host
(migrations counted and timed by the conductor, a run succeeded in the
API's count).

The conductor listens on an exchange, topic and pool of its own, and
drives the simulated cloud: no minicloud, no lock.
"""

import time

from oslo_config import cfg
import oslo_messaging as messaging
from oslo_messaging import conffixture
from prometheus_client.parser import text_string_to_metric_families
import pytest
import requests

from fleet.tests.functional import base

V = {'OpenStack-API-Version': 'fleet 1.4'}
WAIT = 90

#: The series fleet documents (doc/source/admin/monitoring.rst), by where
#: they are served; each a metric family name.
CONDUCTOR_FAMILIES = (
    'fleet_instance_migrations',
    'fleet_instance_migration_seconds',
    'fleet_notification_lag_seconds',
)
API_FAMILIES = (
    'fleet_hosts',
    'fleet_runs',
    'fleet_alerts',
    'fleet_listener_queue_messages',
)


def _scrape(url, headers=None):
    """{family: {(sample name, labels): value}} of a /metrics page."""
    response = requests.get(url, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers['Content-Type'].startswith('text/plain')
    return {
        family.name: {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for s in family.samples
        }
        for family in text_string_to_metric_families(response.text)
    }


def _value(families, family, sample, **labels):
    return families.get(family, {}).get(
        (sample, tuple(sorted(labels.items()))), 0
    )


def _wait(what, check, timeout=WAIT):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    pytest.fail(f'{what} not within {timeout} s (last: {last})')


@pytest.fixture
def fleet(procs, tmp_path):
    database = base.create_mysql_database()
    api_port = base.free_port()
    metrics_port = base.free_port()
    exchange = base.unique('fleet-func-nova-')
    topic = base.unique('fleet-func-versioned-')
    pool = base.unique('fleet-func-monitoring-')
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-metrics-'),
                'transport_url': base.RABBIT_URL,
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'noauth',
                'host_ip': '127.0.0.1',
                'port': api_port,
            },
            'conductor': {
                'topic': base.unique('fleet-func-metrics-'),
                'inventory_sync_interval': 0,
                'sync_inventory_on_start': True,
            },
            'drivers': {
                'compute': 'fake',
                'inventory': 'fake',
                'monitoring': 'nova',
            },
            'fake_cloud': {
                'hosts': 2,
                'instances_per_host': 2,
                'migration_seconds': 0.2,
                'api_delay': 0.05,
            },
            'alerts': {
                'nova_notification_exchange': exchange,
                'nova_notification_topic': topic,
                'listener_pool': pool,
                # No Nova here: the notifications only.
                'nova_service_poll_interval': 0,
            },
            'metrics': {
                'conductor_port': metrics_port,
                'conductor_host': '127.0.0.1',
            },
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
        conductor = procs.start(
            'fleet-conductor',
            [base.fleet_command('fleet-conductor'), '--config-file', conf],
            port=metrics_port,
        )
        conductor.wait_for_log('Monitoring driver nova started')
        procs.start(
            'fleet-api',
            [base.fleet_command('fleet-api'), '--config-file', conf],
            port=api_port,
        )
        yield {
            'api': f'http://127.0.0.1:{api_port}',
            'conductor': f'http://127.0.0.1:{metrics_port}/metrics',
            'exchange': exchange,
            'topic': topic,
            'pool': pool,
        }
    finally:
        procs.stop_all()
        database.drop()
        base.delete_queue(base.RABBIT_URL, pool)


def _publish(fleet, host):
    """A Nova compute.exception, as nova-compute on ``host`` sends it
    (messagingv2, versioned payload), on the test's exchange and topic."""
    conf = cfg.ConfigOpts()
    conffixture.ConfFixture(conf)
    conf([], project='fleet-test')
    conf.set_override('control_exchange', fleet['exchange'])
    transport = messaging.get_notification_transport(conf, url=base.RABBIT_URL)
    try:
        notifier = messaging.Notifier(
            transport,
            publisher_id=f'nova-compute:{host}',
            driver='messagingv2',
            topics=[fleet['topic']],
        )
        notifier.error(
            {},
            'compute.exception',
            {
                'nova_object.name': 'ExceptionPayload',
                'nova_object.namespace': 'nova',
                'nova_object.version': '1.1',
                'nova_object.data': {
                    'exception': 'libvirtError',
                    'exception_message': 'internal error: test',
                    'function_name': '_do_build_and_run_instance',
                    'module_name': 'nova.compute.manager',
                },
            },
        )
    finally:
        transport.cleanup()


def test_documented_series_move_with_events(fleet):
    api = fleet['api']
    hosts = _wait(
        'the simulated hosts synced',
        lambda: requests.get(f'{api}/v1/hosts', timeout=30).json()['hosts'],
    )
    host = hosts[0]['name']

    before_c = _scrape(fleet['conductor'])
    before_a = _scrape(f'{api}/metrics')
    for family in CONDUCTOR_FAMILIES:
        assert family in before_c, (family, sorted(before_c))
    for family in API_FAMILIES:
        assert family in before_a, (family, sorted(before_a))
    # The listener's pool queue exists (the conductor consumes it) and
    # holds nothing yet.
    queue = (
        'fleet_listener_queue_messages',
        (('listener', 'nova-monitoring'), ('queue', fleet['pool'])),
    )
    depths = before_a['fleet_listener_queue_messages']
    assert depths.get(queue) == 0, depths
    assert _value(
        before_a, 'fleet_hosts', 'fleet_hosts', state='active'
    ) == len(hosts)
    firing = _value(before_a, 'fleet_alerts', 'fleet_alerts', state='firing')
    lag = _value(
        before_c,
        'fleet_notification_lag_seconds',
        'fleet_notification_lag_seconds_count',
        listener='nova-monitoring',
    )

    # 1. Nova says a compute failed: the conductor hears it (lag), the
    #    alert is firing.
    _publish(fleet, host)
    _wait(
        'the notification lag observed',
        lambda: (
            _value(
                _scrape(fleet['conductor']),
                'fleet_notification_lag_seconds',
                'fleet_notification_lag_seconds_count',
                listener='nova-monitoring',
            )
            == lag + 1
        ),
    )
    _wait(
        'the alert counted firing',
        lambda: (
            _value(
                _scrape(f'{api}/metrics'),
                'fleet_alerts',
                'fleet_alerts',
                state='firing',
            )
            == firing + 1
        ),
    )

    # 2. A drain of a simulated host: two live migrations, counted and
    #    timed by the conductor; one succeeded run in the API's count.
    response = requests.post(
        f'{api}/v1/executions',
        json={'host': host, 'kind': 'drain'},
        headers=V,
        timeout=30,
    )
    assert response.status_code in (201, 202), response.text
    run = response.json()['uuid']
    _wait(
        'the drain succeeded',
        lambda: (
            requests.get(
                f'{api}/v1/executions/{run}', headers=V, timeout=30
            ).json()['state']
            == 'succeeded'
        ),
    )
    after_c = _scrape(fleet['conductor'])
    moved = _value(
        after_c,
        'fleet_instance_migrations',
        'fleet_instance_migrations_total',
        type='live-migration',
        outcome='completed',
    )
    assert moved == 2, after_c['fleet_instance_migrations']
    timed = _value(
        after_c,
        'fleet_instance_migration_seconds',
        'fleet_instance_migration_seconds_count',
        type='live-migration',
    )
    assert timed == 2, after_c['fleet_instance_migration_seconds']
    took = _value(
        after_c,
        'fleet_instance_migration_seconds',
        'fleet_instance_migration_seconds_sum',
        type='live-migration',
    )
    # Each simulated migration takes [fake_cloud] migration_seconds.
    assert took >= 2 * 0.2, took
    after_a = _scrape(f'{api}/metrics')
    assert (
        _value(after_a, 'fleet_runs', 'fleet_runs', state='succeeded')
        == _value(before_a, 'fleet_runs', 'fleet_runs', state='succeeded') + 1
    )
