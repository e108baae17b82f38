"""The prometheus monitoring driver against a real Prometheus scraping a
real node_exporter (Debian packages ``prometheus`` and
``prometheus-node-exporter``; .ci/run installs them):

* within a few scrape intervals, ``GET /v1/hosts/{host}/metrics`` shows
  the host's CPU, memory, disk and network read from node_exporter;
* a threshold rule on a series the test controls (node_exporter's ``up``,
  read as this host's ``temperature_celsius`` through ``[prometheus]
  temperature_query``) raises ``HostMetricThreshold`` while the exporter
  runs and resolves it once the exporter is stopped and Prometheus sees
  it down.

fleet-conductor (RabbitMQ, MariaDB) and fleet-api (noauth) run as real
processes; no Nova is involved (the simulated cloud), so it needs no
minicloud lock.
"""

import os
import shutil
import time

import pytest
import requests

from fleet.tests.functional import base

HEADERS = {'OpenStack-API-Version': 'fleet 1.7'}
HOST = 'promhost1'
#: Seconds between two scrapes and two polls of fleet.
SCRAPE = 1
POLL = 2
WAIT = 60


def _binary(name):
    path = shutil.which(name) or (
        f'/usr/bin/{name}' if os.path.exists(f'/usr/bin/{name}') else None
    )
    if path is None:
        base.service_missing(
            name, 'not installed (apt-get install ' + name + ')'
        )
    return path


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
def prometheus(procs, tmp_path):
    """node_exporter and Prometheus scraping it every second."""
    exporter_port = base.free_port()
    exporter = procs.start(
        'node-exporter',
        [
            _binary('prometheus-node-exporter'),
            f'--web.listen-address=127.0.0.1:{exporter_port}',
        ],
        port=exporter_port,
    )
    prom_port = base.free_port()
    config = tmp_path / 'prometheus.yml'
    config.write_text(
        f'global:\n'
        f'  scrape_interval: {SCRAPE}s\n'
        f'  evaluation_interval: {SCRAPE}s\n'
        f'scrape_configs:\n'
        f'  - job_name: node\n'
        f'    static_configs:\n'
        f"      - targets: ['127.0.0.1:{exporter_port}']\n"
        f'        labels:\n'
        f'          fleet_host: {HOST}\n'
    )
    procs.start(
        'prometheus',
        [
            _binary('prometheus'),
            f'--config.file={config}',
            f'--storage.tsdb.path={tmp_path / "tsdb"}',
            f'--web.listen-address=127.0.0.1:{prom_port}',
        ],
        port=prom_port,
    )
    return f'http://127.0.0.1:{prom_port}', exporter


@pytest.fixture
def fleet(procs, tmp_path, prometheus):
    url, exporter = prometheus
    database = base.create_mysql_database()
    api_port = base.free_port()
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-prom-'),
                'transport_url': base.RABBIT_URL,
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'noauth',
                'host_ip': '127.0.0.1',
                'port': api_port,
            },
            'conductor': {
                'topic': base.unique('fleet-func-prom-'),
                'inventory_sync_interval': 0,
                'sync_inventory_on_start': False,
            },
            'drivers': {
                'compute': 'fake',
                'inventory': 'fake',
                'monitoring': 'prometheus',
            },
            'prometheus': {
                'url': url,
                'host_label': 'fleet_host',
                'poll_interval': POLL,
                'rate_window': '10s',
                # A series the test controls: 100 while the exporter is
                # up, 0 once Prometheus sees it down.
                'temperature_query': (
                    '100 * max by ({{label}}) (up{job="node"})'
                ),
                'thresholds': 'temperature_celsius>=50:critical',
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
        procs.start(
            'fleet-api',
            [base.fleet_command('fleet-api'), '--config-file', conf],
            port=api_port,
        )
        api = f'http://127.0.0.1:{api_port}'
        response = requests.post(
            api + '/v1/hosts',
            json={'name': HOST, 'kind': 'compute'},
            headers=HEADERS,
            timeout=30,
        )
        assert response.status_code == 201, response.text
        conductor = procs.start(
            'fleet-conductor',
            [base.fleet_command('fleet-conductor'), '--config-file', conf],
        )
        conductor.wait_for_log('Monitoring driver prometheus started')
        yield api, exporter
    finally:
        procs.stop_all()
        database.drop()


def _metrics(api):
    response = requests.get(
        f'{api}/v1/hosts/{HOST}/metrics', headers=HEADERS, timeout=30
    )
    assert response.status_code == 200, response.text
    return {m['name']: m for m in response.json()['metrics']}


def _alert(api):
    response = requests.get(
        f'{api}/v1/alerts',
        params={'name': 'HostMetricThreshold'},
        headers=HEADERS,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()['alerts']


def test_host_metrics_and_threshold_alert(fleet):
    api, exporter = fleet
    start = time.monotonic()
    wanted = {
        'cpu_used_percent',
        'memory_used_percent',
        'disk_used_percent',
        'network_receive_bytes_per_second',
        'temperature_celsius',
    }
    metrics = _wait(
        'node_exporter metrics in fleet',
        lambda: wanted <= set(_metrics(api)) and _metrics(api),
    )
    print(f'metrics in fleet {time.monotonic() - start:.1f} s after start')
    assert 0 <= metrics['cpu_used_percent']['value'] <= 100
    assert 0 < metrics['memory_used_percent']['value'] < 100
    assert metrics['memory_used_percent']['unit'] == 'percent'
    assert metrics['temperature_celsius']['value'] == 100
    (alert,) = _wait(
        'HostMetricThreshold firing',
        lambda: [a for a in _alert(api) if a['state'] == 'firing'],
    )
    assert alert['host_name'] == HOST
    assert alert['severity'] == 'critical'
    assert alert['labels']['metric'] == 'temperature_celsius'
    # A later sample replaces the first.
    first = metrics['cpu_used_percent']['sampled_at']
    _wait(
        'a newer CPU sample',
        lambda: _metrics(api)['cpu_used_percent']['sampled_at'] > first,
    )
    exporter.stop()
    stopped = time.monotonic()
    (alert,) = _wait(
        'HostMetricThreshold resolved',
        lambda: [a for a in _alert(api) if a['state'] == 'resolved'],
    )
    print(f'resolved {time.monotonic() - stopped:.1f} s after the stop')
    assert _metrics(api)['temperature_celsius']['value'] == 0
