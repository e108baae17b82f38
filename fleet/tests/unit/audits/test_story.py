"""The whole audit story on a real conductor (RPC server, manager,
TaskFlow runner) and the simulated cloud, with no human:

an error-log alert on a compute -> a runbook asks for an audit -> the
kernel fact is below the profile's level -> the finding raises an audit
alert -> a second runbook starts a drain / patch (a catalogued action
that "upgrades" the simulated host's kernel) / verify / re-audit run ->
the host is back in the pool, the finding passes, the audit alert is
resolved, and the host's history tells it in order. A patch that does
not fix the host leaves it unmanaged with the failing rule as reason
and nova-compute disabled.
"""

import os
import tempfile
import time

import oslo_messaging as messaging

from fleet.alerts import intake
from fleet.common import context
from fleet.common import rpc
from fleet.common import states
from fleet.conductor import engine
from fleet.conductor import manager
from fleet.conductor import rpcapi
from fleet.db import api as db_api
from fleet.drivers import fake_cloud
from fleet.tests import base

CONF = base.CONF
HOST = 'sim-compute-001'
TARGET_KERNEL = '5.14.0-503.el9.x86_64'

ACTIONS = f"""
simulated-kernel-update:
  description: Install the fixed kernel on a simulated host.
  executor: fake
  parameters:
    type: object
    properties:
      facts:
        type: object
        default: {{kernel: {TARGET_KERNEL}}}
simulated-broken-update:
  description: A patch that runs and changes nothing.
  executor: fake
"""

PROFILE = {
    'name': 'el9',
    'enabled': True,
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


class TestAuditStory(base.TestCase):
    def setUp(self):
        super().setUp()
        tmp = tempfile.mkdtemp()
        # A file: the RPC server, the runner and the facts gathering
        # threads each get their own connection, as with a real database.
        self.useFixture(base.Database(f'sqlite:///{tmp}/fleet.sqlite'))
        self.dbapi = db_api.get_instance()
        self.useFixture(base.RPCFixture())
        with open(os.path.join(tmp, 'simulated.yaml'), 'w') as f:
            f.write(ACTIONS)
        self.config(actions_dir=tmp, group='executor')
        self.config(executor=['noop', 'fake'], facts=['fake'], group='drivers')
        self.config(
            hosts=3,
            instances_per_host=2,
            migration_seconds=0,
            group='fake_cloud',
        )
        self.config(poll_interval=0, group='maintenance')
        self.config(rpc_timeout=10, group='conductor')
        self.config(
            persistence_connection=f'sqlite:///{os.path.join(tmp, "tf.db")}',
            group='maintenance',
        )
        engine.reset_backend()
        self.addCleanup(engine.reset_backend)
        engine.init_persistence()
        self.cloud = fake_cloud.get_cloud()
        for name in self.cloud.hosts:
            self.dbapi.create_host({'name': name, 'kind': 'compute'})
        self.manager = manager.ConductorManager('test-conductor')
        self.addCleanup(self.manager.del_host)
        server = rpc.get_server(
            messaging.Target(
                topic=CONF.conductor.topic, server='test-conductor'
            ),
            [self.manager],
        )
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)
        self.rpcapi = rpcapi.ConductorAPI()
        self.context = context.get_admin_context()
        self.dbapi.create_audit_profile(dict(PROFILE))
        self.dbapi.create_runbook(
            self.runbook(
                'error-log-audit',
                {'alert_name': 'KernelErrorLog'},
                {'action': 'audit', 'profiles': ['el9']},
            )
        )

    @staticmethod
    def runbook(name, match, remediation):
        return {
            'name': name,
            'enabled': True,
            'match': match,
            'threshold_count': 1,
            'threshold_window': 600,
            'cooldown': 0,
            'remediation': remediation,
            'approval': 'automatic',
            'limits': {},
        }

    def patch_runbook(self, action):
        self.dbapi.create_runbook(
            self.runbook(
                'patch-kernel',
                {'audit': {'profile': 'el9', 'rule': 'kernel-patch-level'}},
                {
                    'action': 'maintenance',
                    'kind': 'drain_patch_reboot',
                    'parameters': {'action': action},
                },
            )
        )

    def error_log(self):
        intake.process(
            [
                {
                    'source': 'loki',
                    'name': 'KernelErrorLog',
                    'severity': 'warning',
                    'host': HOST,
                    'labels': {'pattern': 'MCE'},
                    'status': 'firing',
                }
            ],
            self.context,
            self.rpcapi,
        )

    def wait_for_run(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.dbapi.list_executions()
            # Over, and its host released (the run's last act).
            if (
                runs
                and runs[0]['state'] in states.EXEC_FINAL_STATES
                and self.dbapi.get_host(HOST)['execution_uuid'] is None
            ):
                return runs[0]
            time.sleep(0.05)
        self.fail(f'no run ended within {timeout} s: {runs}')

    def finding(self):
        (finding,) = self.dbapi.list_audit_findings(
            filters={'host_name': HOST}
        )
        return finding

    def audit_alert(self):
        (alert,) = self.dbapi.list_alerts(filters={'source': 'audit'})
        return alert

    def test_alert_audit_runbook_patch_reaudit_host_back(self):
        self.patch_runbook('simulated-kernel-update')
        self.error_log()
        run = self.wait_for_run()
        self.assertEqual(states.EXEC_SUCCEEDED, run['state'], run['result'])
        self.assertEqual(
            'runbook:patch-kernel', run['requested_by']['user_id']
        )
        self.assertEqual(
            {'profile': 'el9', 'rules': ['kernel-patch-level']},
            run['parameters']['reaudit'],
        )
        # Back in Nova's pool, active, free.
        self.assertEqual('enabled', self.cloud.hosts[HOST]['status'])
        host = self.dbapi.get_host(HOST)
        self.assertEqual(states.HOST_ACTIVE, host['state'])
        self.assertIsNone(host['execution_uuid'])
        # The facts were gathered again after the patch.
        self.assertEqual(
            TARGET_KERNEL,
            self.dbapi.get_host_facts(host['uuid'])['facts']['kernel'],
        )
        finding = self.finding()
        self.assertEqual('pass', finding['result'])
        alert = self.audit_alert()
        self.assertEqual('resolved', alert['state'])
        # The error log that asked for the audit is resolved with it.
        (log_alert,) = self.dbapi.list_alerts(filters={'source': 'loki'})
        self.assertEqual('resolved', log_alert['state'])
        self.assertEqual(
            log_alert['uuid'], alert['annotations']['cause_alert_uuid']
        )
        events = self.dbapi.list_audit_finding_events(
            finding_uuid=finding['uuid']
        )
        self.assertEqual(
            [(None, 'fail'), ('fail', 'pass')],
            [(e['old_result'], e['new_result']) for e in events],
        )
        # The host's history, oldest first, tells the story in order.
        story = []
        for h in reversed(self.dbapi.list_host_history(host['uuid'])):
            if h['action'] == 'audit':
                change = h['changes']['el9/kernel-patch-level']
                story.append(f'audit {change["new"]}')
            elif h['action'] != 'create' and 'state' in (h['changes'] or {}):
                story.append(h['changes']['state']['new'])
        self.assertEqual(
            ['audit fail', 'draining', 'maintenance', 'audit pass', 'active'],
            story,
        )
        messages = [
            e['message'] for e in self.dbapi.list_execution_events(run['uuid'])
        ]
        self.assertTrue(
            any('re-audited' in m and 'fail -> pass' in m for m in messages),
            messages,
        )

    def test_patch_that_does_not_fix_hands_host_to_human(self):
        self.patch_runbook('simulated-broken-update')
        self.error_log()
        run = self.wait_for_run()
        self.assertEqual(states.EXEC_FAILED, run['state'])
        host = self.dbapi.get_host(HOST)
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertIn(
            'el9/kernel-patch-level still fails', host['state_reason']
        )
        self.assertIn('5.14.0-427.el9.x86_64', host['state_reason'])
        self.assertEqual('disabled', self.cloud.hosts[HOST]['status'])
        self.assertIsNone(host['execution_uuid'])
        self.assertEqual('fail', self.finding()['result'])
        self.assertEqual('firing', self.audit_alert()['state'])
        (log_alert,) = self.dbapi.list_alerts(filters={'source': 'loki'})
        self.assertEqual('firing', log_alert['state'])
