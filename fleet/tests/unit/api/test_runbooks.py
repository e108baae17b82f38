"""/v1/runbooks: JSON and YAML bodies, validation, import/export, dry run."""

import copy

import yaml

from fleet.tests.unit.api import test_alerts

V = test_alerts.V
RUNBOOK = test_alerts.RUNBOOK


class TestRunbooksAPI(test_alerts.AlertsTestBase):
    def test_create_show_list_put_delete(self):
        body = self.runbook()
        self.assertEqual({'count': 3, 'window': 600}, body['threshold'])
        self.assertEqual(3600, body['cooldown'])
        self.assertTrue(body['enabled'])
        self.assertEqual({}, body['limits'])
        shown = self.get(f'/v1/runbooks/{RUNBOOK["name"]}', version=V).json
        self.assertEqual(body['uuid'], shown['uuid'])
        self.assertEqual([], shown['actions'])
        listed = self.get('/v1/runbooks', version=V).json['runbooks']
        self.assertEqual([body['uuid']], [r['uuid'] for r in listed])
        changed = dict(RUNBOOK, cooldown=60, enabled=False)
        body = self.request(
            'PUT',
            f'/v1/runbooks/{body["uuid"]}',
            changed,
            version=V,
            status=200,
        ).json
        self.assertEqual(60, body['cooldown'])
        self.assertFalse(body['enabled'])
        self.request('POST', '/v1/runbooks', RUNBOOK, version=V, status=409)
        self.request(
            'DELETE', f'/v1/runbooks/{body["uuid"]}', version=V, status=204
        )
        self.request(
            'GET', f'/v1/runbooks/{body["uuid"]}', version=V, status=404
        )

    def test_yaml_body(self):
        text = yaml.safe_dump(RUNBOOK)
        body = self.request(
            'POST',
            '/v1/runbooks',
            text,
            version=V,
            status=201,
            content_type='application/yaml',
        ).json
        self.assertEqual(RUNBOOK['name'], body['name'])
        response = self.request(
            'POST',
            '/v1/runbooks',
            'a: [',
            version=V,
            status=400,
            content_type='application/yaml',
        )
        self.assert_fault(response, 400, 'YAML')

    def test_validation(self):
        bads = []
        for key, value in (
            ('remediation', {'action': 'reboot'}),
            ('remediation', {'action': 'maintenance', 'kind': 'nuke'}),
            (
                'remediation',
                {'action': 'maintenance', 'parameters': {'host': 'x'}},
            ),
            ('threshold', {'count': 0}),
            ('approval', 'whenever'),
            ('limits', {'per': 'planet'}),
            ('match', {'colour': 'red'}),
            ('extra', 1),
        ):
            bad = copy.deepcopy(RUNBOOK)
            bad[key] = value
            bads.append(bad)
        bads.append({k: v for k, v in RUNBOOK.items() if k != 'match'})
        for bad in bads:
            response = self.request(
                'POST', '/v1/runbooks', bad, version=V, status=400
            )
            self.assert_fault(response, 400)
        self.assertEqual([], self.dbapi.list_runbooks())

    def test_reserved_names_are_400(self):
        rb = self.runbook()
        for name in ('export', 'import'):
            response = self.request(
                'POST',
                '/v1/runbooks',
                dict(RUNBOOK, name=name),
                version=V,
                status=400,
            )
            self.assert_fault(response, 400, 'export, import')
            response = self.request(
                'PUT',
                f'/v1/runbooks/{rb["uuid"]}',
                dict(RUNBOOK, name=name),
                version=V,
                status=400,
            )
            self.assert_fault(response, 400, 'export, import')
            response = self.request(
                'POST',
                '/v1/runbooks/import',
                {'runbooks': [dict(RUNBOOK, name=name)]},
                version=V,
                status=400,
            )
            self.assert_fault(response, 400, 'export, import')
        self.assertEqual(
            [RUNBOOK['name']], [r['name'] for r in self.dbapi.list_runbooks()]
        )

    def test_export_import_roundtrip(self):
        self.runbook()
        self.runbook(name='other', approval='admin')
        catalog = self.get('/v1/runbooks/export', version=V).json
        self.assertEqual(
            ['compute-down-drain', 'other'],
            [r['name'] for r in catalog['runbooks']],
        )
        catalog['runbooks'][0]['cooldown'] = 5
        catalog['runbooks'] = catalog['runbooks'][:1] + [
            dict(RUNBOOK, name='third')
        ]
        catalog['replace'] = True
        counts = self.request(
            'POST', '/v1/runbooks/import', catalog, version=V, status=200
        ).json
        self.assertEqual({'created': 1, 'updated': 1, 'deleted': 1}, counts)
        names = sorted(r['name'] for r in self.dbapi.list_runbooks())
        self.assertEqual(['compute-down-drain', 'third'], names)
        self.assertEqual(
            5, self.dbapi.get_runbook('compute-down-drain')['cooldown']
        )
        # A bad catalog changes nothing.
        bad = {'runbooks': [dict(RUNBOOK, cooldown=1), {'name': 'x'}]}
        self.request('POST', '/v1/runbooks/import', bad, version=V, status=400)
        self.assertEqual(
            5, self.dbapi.get_runbook('compute-down-drain')['cooldown']
        )

    def test_dry_run(self):
        rb = self.runbook(threshold={'count': 2, 'window': 600})
        self.hook(test_alerts.payload(test_alerts.am_alert()))
        path = f'/v1/runbooks/{rb["uuid"]}/dry_run'
        body = self.request('POST', path, version=V, status=200).json
        self.assertEqual('none', body['decisions'][0]['action'])
        self.assertEqual(1, body['decisions'][0]['occurrences'])
        # The dry run did nothing; the real second occurrence acts.
        self.assertEqual([], self.dbapi.list_executions())
        self.hook(test_alerts.payload(test_alerts.am_alert(starts='10:01:00')))
        self.assertEqual(1, len(self.dbapi.list_executions()))
        shown = self.get(f'/v1/runbooks/{rb["uuid"]}', version=V).json
        self.assertEqual('execution', shown['actions'][0]['action'])
        self.request(
            'POST', f'/v1/runbooks/{rb["uuid"]}/nope', version=V, status=404
        )
