"""The audit story end to end on the minicloud's real Nova, no human:

an error-log alert on a compute (POST /v1/alerts) -> a runbook audits the
host -> its kernel fact is below the profile's level -> the finding
raises an audit alert -> a second runbook starts a drain / patch / verify
/ re-audit run (a catalogued ``fake`` action "upgrades" the kernel fact)
-> the instances are live-migrated by Nova, the host is back in Nova's
pool, the finding passes, the audit alert is resolved and the host's
history tells it in order. A patch that leaves the fact as it was ends
with the host unmanaged, the failing rule as its reason, nova-compute
disabled (the test enables it again).

fleet-conductor and fleet-api run as real processes (RabbitMQ, MariaDB,
the ``nova`` compute driver); the facts come from the ``fake`` facts
driver (the simulated facts of the minicloud's host names), as the
minicloud's computes are fake-virt processes with no OS to ask.

Needs ``python3 tools/minicloud/minicloud up`` and ``FLEET_FUNCTIONAL=1``.
"""

import json
import time

import pytest
import yaml

from fleet.tests.functional import base
from fleet.tests.functional.test_maintenance import Fleet
from fleet.tests.functional.test_maintenance import _check_landed
from fleet.tests.functional.test_maintenance import _service
from fleet.tests.functional.test_maintenance import _source
from fleet.tests.functional.test_maintenance import cloud  # noqa: F401
from fleet.tests.functional.test_maintenance import pytestmark  # noqa: F401
from fleet.tests.functional.test_maintenance import servers  # noqa: F401

V6 = {'OpenStack-API-Version': 'fleet 1.6'}
TARGET = '5.14.0-503.el9.x86_64'
ACTIONS = {
    'simulated-kernel-update': {
        'description': 'Install the fixed kernel (simulated facts).',
        'executor': 'fake',
        'parameters': {
            'type': 'object',
            'properties': {
                'facts': {'type': 'object', 'default': {'kernel': TARGET}}
            },
        },
    },
    'simulated-broken-update': {
        'description': 'A patch that runs and fixes nothing.',
        'executor': 'fake',
    },
}
PROFILE = {
    'name': 'el9',
    'applies_to': {'kind': 'compute'},
    'rules': [
        {
            'name': 'kernel-patch-level',
            'severity': 'critical',
            'check': {
                'type': 'kernel_version',
                'op': '>=',
                'version': '5.14.0-503.el9',
            },
        }
    ],
}


class AuditFleet(Fleet):
    def call(self, method, path, body=None, status=None):
        import requests

        response = requests.request(
            method, self.url + path, json=body, headers=V6, timeout=60
        )
        if status is not None:
            assert response.status_code == status, response.text
        return response.json() if response.content else None


@pytest.fixture
def fleet(cloud, procs, tmp_path):  # noqa: F811
    _bench, nova = cloud
    config = nova.config
    database = base.create_mysql_database()
    actions = tmp_path / 'actions'
    actions.mkdir()
    with open(actions / 'simulated.yaml', 'w') as f:
        yaml.safe_dump(ACTIONS, f)
    api_port = base.free_port()
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-audit-'),
                'transport_url': config['transport_url'],
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'noauth',
                'host_ip': '127.0.0.1',
                'port': api_port,
            },
            'conductor': {
                'topic': base.unique('fleet-func-audit-'),
                'inventory_sync_interval': 0,
                # The test registers the minicloud's computes itself.
                'sync_inventory_on_start': False,
            },
            'drivers': {
                'compute': 'nova',
                'executor': ['noop', 'fake'],
                'facts': ['fake'],
            },
            'executor': {'actions_dir': str(actions)},
            'facts': {'interval': 0},
            'auditing': {'interval': 0},
            'maintenance': {'poll_interval': 0.5},
            'nova': base.nova_options(config),
            'oslo_messaging_notifications': {'driver': 'noop'},
        },
    )
    base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    cluster = AuditFleet(procs, conf, api_port)
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
    cluster.call('POST', '/v1/audit_profiles', PROFILE, status=201)
    cluster.call(
        'POST',
        '/v1/runbooks',
        {
            'name': 'mce-log-audit',
            'match': {'alert_name': 'KernelMCELog'},
            'threshold': {'count': 1, 'window': 600},
            'remediation': {'action': 'audit', 'profiles': ['el9']},
        },
        status=201,
    )
    yield cluster
    procs.stop_all()
    database.drop()


def _patch_runbook(fleet, action):
    fleet.call(
        'POST',
        '/v1/runbooks',
        {
            'name': 'patch-kernel',
            'match': {
                'audit': {'profile': 'el9', 'rule': 'kernel-patch-level'}
            },
            'threshold': {'count': 1, 'window': 600},
            'remediation': {
                'action': 'maintenance',
                'kind': 'drain_patch_reboot',
                'parameters': {'action': action, 'max_parallel': 2},
            },
        },
        status=201,
    )


def _error_log(fleet, host):
    fleet.call(
        'POST',
        '/v1/alerts',
        {
            'name': 'KernelMCELog',
            'severity': 'warning',
            'host': host,
            'source': 'loki',
            'labels': {'pattern': 'mce: [Hardware Error]'},
        },
    )


def _wait_run(fleet, host, timeout=300):
    deadline = time.monotonic() + timeout
    runs = []
    while time.monotonic() < deadline:
        runs = fleet.call('GET', f'/v1/executions?host={host}')['executions']
        if runs and runs[0]['state'] in ('succeeded', 'failed', 'cancelled'):
            return fleet.call('GET', f'/v1/executions/{runs[0]["uuid"]}')
        time.sleep(1)
    pytest.fail(f'no run on {host} ended within {timeout} s: {runs}')


def _finding(fleet, host):
    (finding,) = fleet.call(
        'GET', f'/v1/findings?host={host}&profile=el9', status=200
    )['findings']
    return finding


def _audit_alert(fleet, host):
    alerts = fleet.call('GET', f'/v1/alerts?source=audit&host={host}')[
        'alerts'
    ]
    assert len(alerts) == 1, alerts
    return alerts[0]


def test_alert_audit_patch_reaudit_host_back(cloud, fleet, servers):  # noqa: F811
    _bench, nova = cloud
    source, _others = _source(nova)
    uuids = servers(source, 2)
    _patch_runbook(fleet, 'simulated-kernel-update')
    _error_log(fleet, source)
    run = _wait_run(fleet, source)
    assert run['state'] == 'succeeded', json.dumps(run, indent=1)
    assert run['parameters']['reaudit'] == {
        'profile': 'el9',
        'rules': ['kernel-patch-level'],
    }
    _check_landed(nova, uuids, source)
    service = _service(nova, source)
    assert service.status == 'enabled', service.disabled_reason
    host = fleet.call('GET', f'/v1/hosts/{source}')
    assert host['state'] == 'active'
    facts = fleet.call('GET', f'/v1/hosts/{source}/facts')
    assert facts['facts']['kernel'] == TARGET
    finding = _finding(fleet, source)
    assert finding['result'] == 'pass'
    history = fleet.call('GET', f'/v1/findings/{finding["uuid"]}')['history']
    assert [(h['old_result'], h['new_result']) for h in history] == [
        (None, 'fail'),
        ('fail', 'pass'),
    ]
    assert _audit_alert(fleet, source)['state'] == 'resolved'
    (log_alert,) = fleet.call('GET', f'/v1/alerts?source=loki&host={source}')[
        'alerts'
    ]
    assert log_alert['state'] == 'resolved', log_alert
    story = []
    for line in reversed(
        fleet.call('GET', f'/v1/hosts/{source}/history')['history']
    ):
        changes = line.get('changes') or {}
        if line['action'] == 'audit':
            story.append(f'audit {changes["el9/kernel-patch-level"]["new"]}')
        elif line['action'] != 'create' and 'state' in changes:
            story.append(changes['state']['new'])
    assert story == [
        'audit fail',
        'draining',
        'maintenance',
        'audit pass',
        'active',
    ], story


def test_patch_that_does_not_fix_hands_host_to_human(cloud, fleet):  # noqa: F811
    _bench, nova = cloud
    source, _others = _source(nova)
    try:
        _patch_runbook(fleet, 'simulated-broken-update')
        _error_log(fleet, source)
        run = _wait_run(fleet, source)
        assert run['state'] == 'failed', json.dumps(run, indent=1)
        host = fleet.call('GET', f'/v1/hosts/{source}')
        assert host['state'] == 'unmanaged'
        assert 'el9/kernel-patch-level still fails' in host['state_reason']
        service = _service(nova, source)
        assert service.status == 'disabled'
        assert _finding(fleet, source)['result'] == 'fail'
        assert _audit_alert(fleet, source)['state'] == 'firing'
    finally:
        # Leave the shared cloud as it was: the compute enabled.
        service = _service(nova, source)
        if service.status == 'disabled':
            nova.nova.services.enable(service.id)
