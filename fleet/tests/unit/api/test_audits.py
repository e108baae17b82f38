"""/v1/audit_profiles, /v1/audits, /v1/findings and host facts (API
1.6), through a real conductor on the fake:// transport."""

import copy

import jsonschema
import oslo_messaging as messaging
import yaml

from fleet.api import openapi
from fleet.common import rpc
from fleet.conductor import manager
from fleet.tests import base as fleet_base
from fleet.tests.unit.api import base

V = 'fleet 1.6'
CONF = fleet_base.CONF

PROFILE = {
    'name': 'el9',
    'description': 'EL9 computes',
    'applies_to': {'kind': ['compute']},
    'rules': [
        {
            'name': 'kernel-patch-level',
            'severity': 'critical',
            'check': {
                'type': 'kernel_version',
                'op': '>=',
                'version': '5.14.0-503.el9',
            },
        },
        {
            'name': 'sshd-running',
            'check': {'type': 'service', 'service': 'sshd', 'running': True},
        },
    ],
}


class AuditsAPITestCase(base.APITestCase):
    def setUp(self):
        super().setUp()
        self.config(facts=['fake'], group='drivers')
        self.config(rpc_timeout=10, group='conductor')
        self.manager = manager.ConductorManager('conductor-1')
        server = rpc.get_server(
            messaging.Target(topic=CONF.conductor.topic, server='conductor-1'),
            [self.manager],
        )
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)
        self.h1 = self.create_host(name='cmp-1', availability_zone='az1')
        self.h2 = self.create_host(name='cmp-2', availability_zone='az2')

    def profile(self, body=None, status=201):
        return self.request(
            'POST',
            '/v1/audit_profiles',
            body or PROFILE,
            version=V,
            status=status,
        )


class TestProfiles(AuditsAPITestCase):
    def test_crud(self):
        body = self.profile().json
        self.assertEqual('el9', body['name'])
        self.assertTrue(body['enabled'])
        self.assertEqual(PROFILE['rules'], body['rules'])
        shown = self.get('/v1/audit_profiles/el9', version=V).json
        self.assertEqual(body['uuid'], shown['uuid'])
        listed = self.get('/v1/audit_profiles', version=V).json
        self.assertEqual(
            ['el9'], [p['name'] for p in listed['audit_profiles']]
        )
        changed = dict(PROFILE, enabled=False, rules=PROFILE['rules'][:1])
        body = self.request(
            'PUT', '/v1/audit_profiles/el9', changed, version=V, status=200
        ).json
        self.assertFalse(body['enabled'])
        self.assertEqual(1, len(body['rules']))
        self.profile(status=409)
        self.request('DELETE', '/v1/audit_profiles/el9', version=V, status=204)
        self.get('/v1/audit_profiles/el9', version=V, status=404)

    def test_yaml_body(self):
        response = self.request(
            'POST',
            '/v1/audit_profiles',
            yaml.safe_dump(PROFILE),
            version=V,
            headers={'Content-Type': 'application/yaml'},
        )
        self.assertEqual(201, response.status_int, response.text)

    def test_bad_profiles_get_actionable_400(self):
        cases = [
            (
                dict(
                    PROFILE, rules=[{'name': 'x', 'check': {'type': 'nope'}}]
                ),
                'nope',
            ),
            (
                dict(
                    PROFILE,
                    rules=[
                        {
                            'name': 'x',
                            'check': {
                                'type': 'kernel_version',
                                'op': '=>',
                                'version': '1',
                            },
                        }
                    ],
                ),
                "op '=>' is not one of",
            ),
            (
                dict(
                    PROFILE,
                    rules=[
                        {
                            'name': 'x',
                            'check': {'type': 'service', 'service': 'sshd'},
                        }
                    ],
                ),
                '"running" and/or "enabled"',
            ),
            (dict(PROFILE, rules=PROFILE['rules'] * 2), 'appear twice'),
            (dict(PROFILE, name='export'), 'reserved'),
            (dict(PROFILE, colour='red'), 'colour'),
        ]
        for body, detail in cases:
            response = self.profile(body, status=400)
            self.assert_fault(response, 400, detail)

    def test_needs_version_1_6(self):
        response = self.request(
            'GET', '/v1/audit_profiles', version='fleet 1.4'
        )
        self.assert_fault(response, 404, 'fleet 1.6')

    def test_export_import_round_trip(self):
        self.profile()
        exported = self.get('/v1/audit_profiles/export', version=V).json
        self.assertEqual(['el9'], [p['name'] for p in exported['profiles']])
        other = dict(copy.deepcopy(PROFILE), name='other')
        catalog = {'profiles': exported['profiles'] + [other]}
        counts = self.request(
            'POST',
            '/v1/audit_profiles/import',
            catalog,
            version=V,
            status=200,
        ).json
        self.assertEqual({'created': 1, 'updated': 1, 'deleted': 0}, counts)
        counts = self.request(
            'POST',
            '/v1/audit_profiles/import',
            {'profiles': [other], 'replace': True},
            version=V,
            status=200,
        ).json
        self.assertEqual({'created': 0, 'updated': 1, 'deleted': 1}, counts)
        # A bad profile in a catalog changes nothing.
        bad = dict(other, rules=[{'name': 'x', 'check': {'type': 'nope'}}])
        self.request(
            'POST',
            '/v1/audit_profiles/import',
            {'profiles': [bad], 'replace': True},
            version=V,
            status=400,
        )
        self.get('/v1/audit_profiles/other', version=V)


class TestFactsAndAudits(AuditsAPITestCase):
    def test_facts_not_gathered_then_gathered(self):
        response = self.request('GET', '/v1/hosts/cmp-1/facts', version=V)
        self.assert_fault(response, 404, 'POST /v1/hosts/cmp-1/facts')
        self.profile()
        body = self.request(
            'POST', '/v1/hosts/cmp-1/facts', version=V, status=200
        ).json
        self.assertEqual('5.14.0-427.el9.x86_64', body['facts']['kernel'])
        self.assertEqual({}, body['failed'])
        self.assertEqual(
            {'pass': 1, 'fail': 1, 'error': 0, 'notapplicable': 0},
            body['audit']['profiles']['el9'],
        )
        shown = self.get('/v1/hosts/cmp-1/facts', version=V).json
        self.assertEqual(['fake'], shown['drivers'])
        self.assertTrue(shown['gathered_at'].endswith('Z'))
        self.request('GET', '/v1/hosts/nope/facts', version=V, status=404)

    def test_audit_findings_compliance(self):
        self.profile()
        self.request('POST', '/v1/hosts/cmp-1/facts', version=V, status=200)
        # cmp-2 has no facts: errors, not failures.
        summary = self.request(
            'POST', '/v1/audits', {}, version=V, status=200
        ).json
        self.assertEqual(
            {'pass': 1, 'fail': 1, 'error': 2, 'notapplicable': 0},
            summary['profiles']['el9'],
        )
        fails = self.get('/v1/findings?result=fail', version=V).json[
            'findings'
        ]
        self.assertEqual(1, len(fails))
        self.assertEqual('cmp-1', fails[0]['host_name'])
        self.assertEqual(
            {'value': '5.14.0-427.el9.x86_64'}, fails[0]['evidence']
        )
        finding = self.get(f'/v1/findings/{fails[0]["uuid"]}', version=V).json
        self.assertEqual(
            [(None, 'fail')],
            [(h['old_result'], h['new_result']) for h in finding['history']],
        )
        by_host = self.get(
            '/v1/findings?host=cmp-2&profile=el9', version=V
        ).json['findings']
        self.assertEqual({'error'}, {f['result'] for f in by_host})
        page = self.get('/v1/findings?limit=2', version=V).json
        self.assertEqual(2, len(page['findings']))
        self.assertIn('marker=', page['next'])
        self.assertEqual(
            [],
            self.get(
                '/v1/findings?since=2999-01-01T00:00:00Z', version=V
            ).json['findings'],
        )
        compliance = self.get(
            '/v1/audit_profiles/el9/compliance', version=V
        ).json
        kernel = compliance['rules'][0]
        self.assertEqual('kernel-patch-level', kernel['rule'])
        self.assertEqual(1, kernel['hosts']['fail'])
        self.assertEqual(1, kernel['availability_zones']['az1']['fail'])
        self.assertEqual(1, kernel['availability_zones']['az2']['error'])
        self.assertEqual(
            {'pass': 1, 'fail': 1, 'error': 2, 'notapplicable': 0},
            compliance['totals'],
        )
        # An audit alert was raised for the failure.
        alerts = self.get('/v1/alerts?source=audit', version=V).json
        self.assertEqual(1, len(alerts['alerts']))

    def test_gather_then_audit_is_accepted(self):
        self.profile()
        response = self.request(
            'POST',
            '/v1/audits',
            {'hosts': ['cmp-2'], 'gather': True},
            version=V,
            status=202,
        )
        self.assertTrue(response.json['accepted'])

    def test_bad_audit_requests(self):
        self.assert_fault(
            self.request(
                'POST', '/v1/audits', {'profiles': ['nope']}, version=V
            ),
            404,
            'nope',
        )
        self.assert_fault(
            self.request('POST', '/v1/audits', {'hosts': []}, version=V),
            400,
        )
        self.assert_fault(
            self.request('GET', '/v1/findings?result=bad', version=V),
            400,
            'result must be one of',
        )
        self.assert_fault(
            self.request('GET', '/v1/findings?since=yesterday', version=V),
            400,
            'ISO 8601',
        )
        self.assert_fault(
            self.request('GET', '/v1/findings?colour=red', version=V),
            400,
            'colour',
        )
        self.assert_fault(
            self.request('GET', '/v1/audit_profiles/el9/nope', version=V),
            404,
        )

    def test_root_lists_audit_resources(self):
        resources = self.get('/v1/', version=V).json['resources']
        for name in ('audit_profiles', 'audits', 'findings'):
            self.assertIn(name, resources)
        resources = self.get('/v1/', version='fleet 1.4').json['resources']
        self.assertNotIn('findings', resources)


class TestRunReaudit(AuditsAPITestCase):
    def test_reaudit_needs_1_6(self):
        from unittest import mock

        from fleet.conductor import rpcapi

        body = {
            'host': 'cmp-1',
            'reaudit': {'profile': 'el9', 'rules': ['kernel-patch-level']},
        }
        response = self.request(
            'POST', '/v1/executions', body, version='fleet 1.4'
        )
        self.assert_fault(response, 400, 'fleet 1.6')
        with mock.patch.object(rpcapi.ConductorAPI, 'start_execution'):
            run = self.request(
                'POST', '/v1/executions', body, version=V, status=202
            ).json
        self.assertEqual(body['reaudit'], run['parameters']['reaudit'])
        self.assert_fault(
            self.request(
                'POST',
                '/v1/executions',
                dict(body, host='cmp-2', reaudit={'rules': ['x']}),
                version=V,
            ),
            400,
            'profile',
        )


class TestDescribed(AuditsAPITestCase):
    """Every audit route answers what fleet.api.openapi describes."""

    def check(self, method, path, status, body):
        doc = openapi.build()
        # /v1/audit_profiles/export is itself, not a profile "export".
        template = path if method in doc['paths'].get(path, {}) else None
        template = template or next(
            p
            for p, ops in doc['paths'].items()
            if method in ops and openapi._template_re(p).match(path)
        )
        op = doc['paths'][template][method]
        self.assertIn(str(status), op['responses'], f'{method} {path}')
        content = op['responses'][str(status)].get('content')
        if content:
            jsonschema.validate(body, content['application/json']['schema'])

    def call(self, method, path, body=None, status=200):
        response = self.request(
            method.upper(), path, body, version=V, status=status
        )
        self.check(
            method, path, status, response.json if status != 204 else None
        )
        return response.json if status != 204 else None

    def test_responses_match_the_description(self):
        created = self.call('post', '/v1/audit_profiles', PROFILE, 201)
        self.call('get', '/v1/audit_profiles')
        self.call('get', f'/v1/audit_profiles/{created["uuid"]}')
        self.call('put', '/v1/audit_profiles/el9', PROFILE)
        catalog = self.call('get', '/v1/audit_profiles/export')
        self.call('post', '/v1/audit_profiles/import', catalog)
        self.call('post', '/v1/hosts/cmp-1/facts')
        self.call('get', '/v1/hosts/cmp-1/facts')
        self.call('post', '/v1/audits', {})
        findings = self.call('get', '/v1/findings')['findings']
        self.assertTrue(findings)
        self.call('get', f'/v1/findings/{findings[0]["uuid"]}')
        self.call('get', '/v1/audit_profiles/el9/compliance')
        self.call('delete', '/v1/audit_profiles/el9', status=204)
        # Last: the conductor gathers and audits after the answer.
        self.call(
            'post', '/v1/audits', {'hosts': ['cmp-2'], 'gather': True}, 202
        )

    def test_enabled_filter_is_a_boolean(self):
        self.profile()
        listed = self.get('/v1/audit_profiles?enabled=false', version=V).json
        self.assertEqual([], listed['audit_profiles'])
        self.assert_fault(
            self.request('GET', '/v1/audit_profiles?enabled=maybe', version=V),
            400,
            'enabled must be one of',
        )

    def test_undescribed_method_is_405(self):
        response = self.request(
            'PATCH', '/v1/audit_profiles/el9', body='x', version=V, status=405
        )
        self.assertEqual('DELETE, GET, PUT', response.headers['Allow'])
        response = self.request(
            'DELETE', '/v1/hosts/cmp-1/facts', version=V, status=405
        )
        self.assertEqual('GET, POST', response.headers['Allow'])
