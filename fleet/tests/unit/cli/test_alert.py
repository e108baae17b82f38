"""``openstack fleet alert ...`` and ``fleet runbook ...`` end to end,
with ``execution approve|reject`` of the runs runbooks ask approval for
(API 1.3)."""

import json
import os

import fixtures
import yaml

from fleet.tests.unit.cli import base

RUNBOOK_YAML = """\
name: disk-drain
description: drain a host whose disk fails
match:
  alert_name: DiskFailing
  severity: critical
remediation:
  action: maintenance
  kind: drain
approval: admin
"""


class TestAlertCommands(base.CLITestCase):
    def setUp(self):
        super().setUp()
        self.create_host(name='c1', kind='compute')

    def alert(self, *args):
        return self.openstack_json(
            'fleet', 'alert', 'create', 'DiskFailing', '--host', 'c1',
            '--severity', 'critical', *args,
        )  # fmt: skip

    def test_create_list_show(self):
        alert = self.alert('--label', 'disk=sdb', '--annotation', 's=x')
        self.assertFalse(alert['duplicate'])
        self.assertEqual([], alert['decisions'])
        self.assertEqual(
            ('firing', 'c1'), (alert['state'], alert['host_name'])
        )
        self.assertEqual({'disk': 'sdb'}, alert['labels'])
        # A new occurrence of the same alert is counted on it...
        again = self.alert('--label', 'disk=sdb', '--occurrence-id', 'e1')
        self.assertEqual((alert['uuid'], 2), (again['uuid'], again['count']))
        self.assertFalse(again['duplicate'])
        # ... and the same occurrence sent twice only once.
        again = self.alert('--label', 'disk=sdb', '--occurrence-id', 'e1')
        self.assertTrue(again['duplicate'])
        self.assertEqual(2, again['count'])
        rows = self.openstack_json('fleet', 'alert', 'list')
        self.assertEqual([alert['uuid']], [r['UUID'] for r in rows])
        rows = self.openstack_json(
            'fleet', 'alert', 'list', '--host', 'c1', '--state', 'firing',
            '--severity', 'critical', '--long',
        )  # fmt: skip
        self.assertEqual(2, rows[0]['Count'])
        self.assertEqual([], self.openstack_json(
            'fleet', 'alert', 'list', '--state', 'resolved'
        ))  # fmt: skip
        shown = self.openstack_json('fleet', 'alert', 'show', alert['uuid'])
        self.assertEqual(2, len(shown['history']))
        out, _ = self.openstack('fleet', 'alert', 'show', alert['uuid'])
        self.assertIn('occurrence', out)

    def test_ack_silence_unsilence(self):
        uuid = self.alert()['uuid']
        acked = self.openstack_json(
            'fleet', 'alert', 'ack', uuid, '--comment', 'on it'
        )
        self.assertEqual('acknowledged', acked['state'])
        _, err = self.openstack('fleet', 'alert', 'ack', uuid, rc=1)
        self.assert_one_line_error(
            err, 'only a firing alert can be acknowledged', 'HTTP 409'
        )
        silenced = self.openstack_json(
            'fleet', 'alert', 'silence', uuid, '--duration', '2h',
            '--reason', 'RMA open',
        )  # fmt: skip
        self.assertEqual('silenced', silenced['state'])
        self.assertEqual('RMA open', silenced['silence_reason'])
        self.assertIsNotNone(silenced['silenced_until'])
        shown = self.openstack_json('fleet', 'alert', 'show', uuid)
        self.assertEqual(7200, shown['history'][-1]['details']['duration'])
        fired = self.openstack_json('fleet', 'alert', 'unsilence', uuid)
        self.assertEqual('firing', fired['state'])
        _, err = self.openstack('fleet', 'alert', 'unsilence', uuid, rc=1)
        self.assert_one_line_error(err, 'it is not silenced', 'HTTP 409')

    def test_usage_errors(self):
        uuid = self.alert()['uuid']
        _, err = self.openstack(
            'fleet', 'alert', 'silence', uuid, '--reason', 'x',
            '--duration', '5x', rc=2,
        )  # fmt: skip
        self.assertIn('expected a duration such as 3600, 30m', err)
        _, err = self.openstack('fleet', 'alert', 'silence', uuid, rc=2)
        self.assertIn('--reason', err)
        _, err = self.openstack('fleet', 'alert', 'show', 'nope', rc=1)
        self.assert_one_line_error(err, 'nope', 'HTTP 400')

    def test_needs_1_3(self):
        _, err = self.openstack(
            '--os-fleet-api-version', '1.2', 'fleet', 'alert', 'list', rc=1
        )
        self.assert_one_line_error(
            err, 'Alerts needs fleet API version 1.3', '1.2 was requested'
        )


class TestRunbookCommands(base.CLITestCase):
    def setUp(self):
        super().setUp()
        self.create_host(name='c1', kind='compute')
        self.dir = self.useFixture(fixtures.TempDir()).path

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def create(self):
        return self.openstack_json(
            'fleet', 'runbook', 'create', '--file',
            self.write('rb.yaml', RUNBOOK_YAML),
        )  # fmt: skip

    def test_create_yaml_list_show_replace_delete(self):
        rb = self.create()
        self.assertEqual(('disk-drain', 'admin'), (rb['name'], rb['approval']))
        self.assertEqual({'count': 1, 'window': 3600}, rb['threshold'])
        rows = self.openstack_json('fleet', 'runbook', 'list', '--enabled')
        self.assertEqual(['disk-drain'], [r['Name'] for r in rows])
        out, _ = self.openstack('fleet', 'runbook', 'list')
        self.assertIn('maintenance (drain)', out)
        self.assertEqual(
            [], self.openstack_json('fleet', 'runbook', 'list', '--disabled')
        )
        shown = self.openstack_json('fleet', 'runbook', 'show', 'disk-drain')
        self.assertEqual(rb['uuid'], shown['uuid'])
        self.assertEqual([], shown['actions'])
        data = yaml.safe_load(RUNBOOK_YAML)
        data.update(approval='automatic', enabled=False)
        path = self.write('rb.json', json.dumps(data))
        for verb in ('set', 'replace'):
            new = self.openstack_json(
                'fleet', 'runbook', verb, 'disk-drain', '--file', path
            )
            self.assertEqual(('automatic', False), (
                new['approval'], new['enabled']
            ))  # fmt: skip
        out, _ = self.openstack('fleet', 'runbook', 'delete', rb['uuid'])
        self.assertEqual('', out)
        _, err = self.openstack('fleet', 'runbook', 'show', 'disk-drain', rc=1)
        self.assert_one_line_error(err, 'disk-drain', 'HTTP 404')

    def test_file_errors_are_one_line(self):
        _, err = self.openstack(
            'fleet', 'runbook', 'create', '--file', '/nonexistent.yaml', rc=1
        )
        self.assert_one_line_error(err, 'Cannot read /nonexistent.yaml')
        bad = self.write('bad.yaml', 'name: [\n')
        _, err = self.openstack(
            'fleet', 'runbook', 'create', '--file', bad, rc=1
        )
        self.assert_one_line_error(err, 'is neither JSON nor YAML')
        invalid = self.write('invalid.yaml', 'name: x\n')
        _, err = self.openstack(
            'fleet', 'runbook', 'create', '--file', invalid, rc=1
        )
        self.assert_one_line_error(err, "'match' is a required", 'HTTP 400')
        catalog = self.write('cat.yaml', 'runbooks: []\n')
        _, err = self.openstack(
            'fleet', 'runbook', 'create', '--file', catalog, rc=1
        )
        self.assert_one_line_error(err, 'use "runbook import"')

    def test_export_import(self):
        self.create()
        out, _ = self.openstack('fleet', 'runbook', 'export')
        catalog = yaml.safe_load(out)
        self.assertEqual(
            ['disk-drain'], [r['name'] for r in catalog['runbooks']]
        )
        path = os.path.join(self.dir, 'catalog.json')
        _, err = self.openstack('fleet', 'runbook', 'export', '--file', path)
        self.assertIn('Exported 1 runbooks', err)
        with open(path) as f:
            exported = json.load(f)
        self.assertEqual(catalog, exported)
        second = dict(exported['runbooks'][0], name='other')
        second.pop('uuid')
        exported['runbooks'].append(second)
        path = self.write('two.json', json.dumps(exported))
        counts = self.openstack_json(
            'fleet', 'runbook', 'import', '--file', path
        )
        self.assertEqual({'created': 1, 'updated': 1, 'deleted': 0}, counts)
        path = self.write('one.yaml', yaml.safe_dump([second]))
        counts = self.openstack_json(
            'fleet', 'runbook', 'import', '--file', path, '--replace'
        )
        self.assertEqual({'created': 0, 'updated': 1, 'deleted': 1}, counts)
        rows = self.openstack_json('fleet', 'runbook', 'list')
        self.assertEqual(['other'], [r['Name'] for r in rows])

    def test_dry_run_then_approve_reject(self):
        self.create()
        alert = self.openstack_json(
            'fleet', 'alert', 'create', 'DiskFailing', '--host', 'c1',
            '--severity', 'critical',
        )  # fmt: skip
        decision = alert['decisions'][0]
        self.assertEqual('awaiting approval', decision['execution_state'])
        out, _ = self.openstack(
            'fleet', 'alert', 'show', alert['uuid'], '-c', 'history'
        )
        self.assertIn('disk-drain', out)
        rows = self.openstack_json('fleet', 'runbook', 'dry-run', 'disk-drain')
        self.assertEqual(alert['uuid'], rows[0]['Alert UUID'])
        self.assertEqual('c1', rows[0]['Host'])
        run = decision['execution_uuid']
        rejected = self.openstack_json(
            'fleet', 'execution', 'reject', run, '--reason', 'not now'
        )
        self.assertEqual('rejected', rejected['state'])
        self.assertIn('not now', rejected['result'])
        _, err = self.openstack('fleet', 'execution', 'approve', run, rc=1)
        self.assert_one_line_error(err, 'HTTP 409')
        _, err = self.openstack(
            '--os-fleet-api-version', '1.1',
            'fleet', 'execution', 'approve', run, rc=1,
        )  # fmt: skip
        self.assert_one_line_error(
            err, 'needs fleet API version 1.3', '1.1 was requested'
        )

    def test_approve(self):
        self.create()
        alert = self.openstack_json(
            'fleet', 'alert', 'create', 'DiskFailing', '--host', 'c1',
            '--severity', 'critical',
        )  # fmt: skip
        run = alert['decisions'][0]['execution_uuid']
        approved = self.openstack_json('fleet', 'execution', 'approve', run)
        self.assertEqual('pending', approved['state'])
