"""``openstack fleet audit ...``, ``finding ...`` and ``host facts ...``
end to end (API 1.6), with a conductor on the fake:// transport."""

import os
import tempfile

import oslo_messaging as messaging

from fleet.common import rpc
from fleet.conductor import manager
from fleet.tests import base as fleet_base
from fleet.tests.unit.cli import base

PROFILE_YAML = """\
name: el9
description: EL9 computes
applies_to: {kind: compute}
rules:
  - name: kernel-patch-level
    severity: critical
    check: {type: kernel_version, op: '>=', version: 5.14.0-503.el9}
  - name: sshd-running
    check: {type: service, service: sshd, running: true}
"""


class TestAuditCommands(base.CLITestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(fleet_base.RPCFixture())
        self.config(facts=['fake'], group='drivers')
        server = rpc.get_server(
            messaging.Target(
                topic=fleet_base.CONF.conductor.topic, server='c1'
            ),
            [manager.ConductorManager('c1')],
        )
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)
        self.create_host(name='cmp-1', kind='compute', availability_zone='az1')
        fd, self.path = tempfile.mkstemp(suffix='.yaml')
        with os.fdopen(fd, 'w') as f:
            f.write(PROFILE_YAML)
        self.addCleanup(os.unlink, self.path)

    def test_profile_facts_audit_findings(self):
        created = self.openstack_json(
            'fleet', 'audit', 'profile', 'create', '--file', self.path
        )
        self.assertEqual('el9', created['name'])
        listed = self.openstack_json('fleet', 'audit', 'profile', 'list')
        self.assertEqual(
            [('el9', 2)], [(p['Name'], p['Rules']) for p in listed]
        )
        gathered = self.openstack_json(
            'fleet', 'host', 'facts', 'gather', 'cmp-1'
        )
        self.assertEqual('5.14.0-427.el9.x86_64', gathered['facts']['kernel'])
        shown = self.openstack_json('fleet', 'host', 'facts', 'show', 'cmp-1')
        self.assertEqual(['fake'], shown['drivers'])
        run = self.openstack_json('fleet', 'audit', 'run', '--host', 'cmp-1')
        self.assertEqual(1, run['hosts'])
        fails = self.openstack_json(
            'fleet', 'finding', 'list', '--result', 'fail', '--long'
        )
        self.assertEqual(['kernel-patch-level'], [f['Rule'] for f in fails])
        self.assertEqual(
            {'value': '5.14.0-427.el9.x86_64'}, fails[0]['Evidence']
        )
        finding = self.openstack_json(
            'fleet', 'finding', 'show', fails[0]['UUID']
        )
        self.assertEqual(1, len(finding['history']))
        compliance = self.openstack_json(
            'fleet', 'audit', 'profile', 'compliance', 'el9'
        )
        kernel = [c for c in compliance if c['Rule'] == 'kernel-patch-level']
        self.assertEqual(1, kernel[0]['Fail'])
        exported, _ = self.openstack('fleet', 'audit', 'profile', 'export')
        self.assertIn('kernel-patch-level', exported)

    def test_errors_are_one_line(self):
        _, err = self.openstack(
            'fleet', 'host', 'facts', 'show', 'cmp-1', rc=1
        )
        self.assert_one_line_error(err, 'No facts were gathered')
        _, err = self.openstack(
            'fleet', 'audit', 'profile', 'show', 'nope', rc=1
        )
        self.assert_one_line_error(err, 'nope')
