"""Alerts to runbooks to runs, end to end on the minicloud's real Nova.

fleet-conductor (RabbitMQ, MariaDB, the ``nova`` compute driver) and
fleet-api (noauth, ``[alerts] webhook_token`` set) run as real processes.
Alerts arrive in Alertmanager's webhook format, as Alertmanager posts
them:

* below the runbook's threshold nothing runs; a duplicate (same
  fingerprint and startsAt) is not counted; the occurrence that reaches
  the threshold starts exactly ONE drain of the compute, which succeeds:
  the instance leaves, the service is enabled again;
* the same alert again within the cooldown starts nothing new;
* with an approval runbook, the run waits in ``awaiting approval`` (Nova
  untouched) until an admin approves it through the API;
* a bad payload gets 400 and stores nothing; a wrong token gets 401.

Needs ``python3 tools/minicloud/minicloud up`` (``fleet.json``) and
``FLEET_FUNCTIONAL=1``.
"""

import time

import pytest
import requests

from fleet.tests.functional import base
from fleet.tests.functional import test_maintenance as maint

pytestmark = pytest.mark.skipif(
    not maint.os.path.exists(maint.CONFIG_FILE),
    reason=f'no minicloud: {maint.CONFIG_FILE} does not exist',
)

TOKEN = 'functional-webhook-token'
HEADERS = {'OpenStack-API-Version': 'fleet 1.3'}
cloud = maint.cloud
servers = maint.servers


class AlertsFleet(maint.Fleet):
    def call(self, method, path, body=None, status=None):
        response = requests.request(
            method, self.url + path, json=body, headers=HEADERS, timeout=30
        )
        if status is not None:
            assert response.status_code == status, response.text
        return response.json() if response.content else None

    def hook(self, alerts, status=200, token=TOKEN, raw=None):
        headers = {'Authorization': f'Bearer {token}'} if token else {}
        body = raw
        if raw is None:
            body = {
                'version': '4',
                'status': 'firing',
                'receiver': 'fleet',
                'groupLabels': {},
                'commonLabels': {},
                'commonAnnotations': {},
                'externalURL': 'http://alertmanager.test',
                'alerts': alerts,
            }
        response = requests.post(
            self.url + '/v1/webhooks/alertmanager',
            json=body if isinstance(body, dict) else None,
            data=body if isinstance(body, str) else None,
            headers=headers,
            timeout=30,
        )
        assert response.status_code == status, response.text
        return response.json()

    def runs(self):
        return self.call('GET', '/v1/executions', status=200)['executions']


def am_alert(name, host, minute, fingerprint):
    return {
        'status': 'firing',
        'labels': {
            'alertname': name,
            'instance': f'{host}:9100',
            'severity': 'critical',
        },
        'annotations': {'summary': f'{name} on {host}'},
        'startsAt': f'2026-11-21T10:{minute:02d}:00Z',
        'endsAt': '0001-01-01T00:00:00Z',
        'generatorURL': 'http://prometheus.test/graph',
        'fingerprint': fingerprint,
    }


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
                'host': base.unique('func-alerts-'),
                'transport_url': config['transport_url'],
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'noauth',
                'host_ip': '127.0.0.1',
                'port': api_port,
            },
            'alerts': {'webhook_token': TOKEN},
            'conductor': {
                'topic': base.unique('fleet-func-alerts-'),
                'inventory_sync_interval': 0,
                # The test registers (or syncs) the hosts itself.
                'sync_inventory_on_start': False,
            },
            'drivers': {'compute': 'nova'},
            'maintenance': {'poll_interval': 0.5},
            'nova': base.nova_options(config),
            'oslo_messaging_notifications': {'driver': 'noop'},
        },
    )
    base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    cluster = AlertsFleet(procs, conf, api_port)
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
    try:
        yield cluster
    finally:
        procs.stop_all()
        for name in config['computes']:
            # A failed run must not leave a compute disabled for the
            # other tests of the shared minicloud.
            service = maint._service(nova, name)
            if service.status != 'enabled':
                nova.nova.services.enable(service.id)
        database.drop()


def _runbook(name, alert_name, count, approval='automatic'):
    return {
        'name': name,
        'match': {'alert_name': alert_name, 'host_kind': 'compute'},
        'threshold': {'count': count, 'window': 3600},
        'cooldown': 3600,
        'remediation': {
            'action': 'maintenance',
            'kind': 'drain',
            'parameters': {'max_parallel': 1},
        },
        'approval': approval,
    }


def test_threshold_one_run_cooldown_and_bad_payloads(cloud, fleet, servers):
    _bench, nova = cloud
    source, _others = maint._source(nova)
    uuids = servers(source, 1)
    fleet.call(
        'POST',
        '/v1/runbooks',
        _runbook('down-drain', 'FuncComputeDown', 3),
        status=201,
    )
    name = 'FuncComputeDown'

    def fire(minute):
        body = fleet.hook([am_alert(name, source, minute, 'fpfunc1')])
        return body['results'][0]

    # Below the threshold, and a duplicate that is not counted.
    first = fire(0)
    assert first['alert']['host_name'] == source
    dup = fire(0)
    assert dup['duplicate'] and dup['alert']['count'] == 1
    second = fire(1)
    assert second['alert']['count'] == 2
    assert second['decisions'][0]['action'] == 'none'
    assert fleet.runs() == []

    # Bad payloads: 400 / 401, nothing stored.
    alerts_before = fleet.call('GET', '/v1/alerts', status=200)['alerts']
    fleet.hook(None, status=400, raw='{"version": "4", "alerts": [')
    fleet.hook(
        [am_alert(name, source, 2, 'fpfunc1'), {'status': 'firing'}],
        status=400,
    )
    fleet.hook([am_alert(name, source, 2, 'fpfunc1')], 401, token='wrong')
    fleet.hook([am_alert(name, source, 2, 'fpfunc1')], 401, token=None)
    alerts_after = fleet.call('GET', '/v1/alerts', status=200)['alerts']
    assert alerts_before == alerts_after

    # The third distinct occurrence: exactly one run.
    third = fire(2)
    decision = third['decisions'][0]
    assert decision['action'] == 'execution', decision
    runs = fleet.runs()
    assert len(runs) == 1
    run = runs[0]
    assert run['uuid'] == decision['execution_uuid']
    assert run['requested_by']['runbook'] == 'down-drain'
    assert run['requested_by']['alert_uuid'] == third['alert']['uuid']
    # While the run holds the host its alerts are silenced: no second run.
    during = fire(3)
    assert during['alert']['state'] == 'silenced'
    run = fleet.wait(run['uuid'])
    assert run['state'] == 'succeeded', run
    maint._check_landed(nova, uuids, source)
    assert maint._service(nova, source).status == 'enabled'
    host = fleet.call('GET', f'/v1/hosts/{source}', status=200)
    assert host['state'] == 'active'

    # Within the cooldown: fires again, nothing new starts.
    again = fire(4)
    assert again['alert']['state'] == 'firing'
    assert 'cooldown' in again['decisions'][0]['reason']
    assert len(fleet.runs()) == 1


def test_approval_runbook_waits_for_admin(cloud, fleet, servers):
    _bench, nova = cloud
    source, _others = maint._source(nova)
    servers(source, 1)
    fleet.call(
        'POST',
        '/v1/runbooks',
        _runbook('approve-drain', 'FuncNeedsApproval', 1, 'admin'),
        status=201,
    )
    result = fleet.hook([am_alert('FuncNeedsApproval', source, 0, 'fpfunc2')])[
        'results'
    ][0]
    decision = result['decisions'][0]
    assert decision['action'] == 'execution'
    uuid = decision['execution_uuid']
    time.sleep(3)
    run = fleet.get(uuid)
    assert run['state'] == 'awaiting approval', run
    # Nothing ran: the compute is untouched.
    assert maint._service(nova, source).status == 'enabled'
    assert run['started_at'] is None
    fleet.call('POST', f'/v1/executions/{uuid}/approve', status=202)
    run = fleet.wait(uuid)
    assert run['state'] == 'succeeded', run
    assert maint._service(nova, source).status == 'enabled'
    assert any('approved by' in e['message'] for e in run['events'])
