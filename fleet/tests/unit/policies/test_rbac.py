"""Role-based access, driven from the tables in test_rbac_*.yaml.

Each entry of a table becomes one test method named after it, so a
failure names the endpoint and persona. The requests go through the real
keystonemiddleware (only token validation is faked) and the in-code
policy defaults.
"""

import glob
import os
import re

from oslo_policy import policy as oslo_policy
import yaml

from fleet import policies
from fleet.tests.unit.api import base

HERE = os.path.dirname(os.path.abspath(__file__))
PERSONAS = (*base.PERSONAS, 'no_token')

EXECUTION = 'e0000000-0000-4000-8000-000000000001'


def _load_tables():
    entries = {}
    for path in sorted(glob.glob(os.path.join(HERE, 'test_rbac_*.yaml'))):
        with open(path) as f:
            table = yaml.safe_load(f)
        table.pop('values', None)
        for name, entry in table.items():
            assert name not in entries, f'{name} is in two tables'
            entries[name] = entry
    return entries


ENTRIES = _load_tables()


class RBACTestCase(base.KeystoneAPITestCase):
    def setUp(self):
        super().setUp()
        self.host = self.create_host(
            name='rbac-host', source='api', labels={'k': 'v'}
        )
        self.dbapi.create_execution(
            {
                'uuid': EXECUTION,
                'kind': 'maintenance',
                'state': 'pending',
                'host_uuid': self.host['uuid'],
            }
        )

    def snapshot(self):
        hosts = sorted(
            (h['name'], h['state'], h['labels'], str(h['updated_at']))
            for h in self.dbapi.list_hosts()
        )
        runs = sorted(
            (e['uuid'], e['state'], e['cancel_requested'])
            for e in self.dbapi.list_executions()
        )
        return hosts, runs

    def check(self, name):
        entry = ENTRIES[name]
        persona = entry['persona']
        headers = self.headers_of(None if persona == 'no_token' else persona)
        before = self.snapshot()
        response = self.request(
            entry['method'].upper(),
            entry['path'],
            body=entry.get('body'),
            headers=headers,
            version=entry.get('version'),
        )
        expected = entry['assert_status']
        self.assertEqual(
            expected,
            response.status_int,
            f'{name}: {entry["method"].upper()} {entry["path"]} as '
            f'{persona}: {response.text}',
        )
        if expected >= 400:
            self.assert_fault(response, expected)
            # A refused request changes nothing.
            self.assertEqual(before, self.snapshot())


def _make_test(name):
    def test(self):
        self.check(name)

    test.__name__ = 'test_' + re.sub(r'\W', '_', name)
    test.__doc__ = f'RBAC table entry {name}.'
    return test


for _name in ENTRIES:
    _test = _make_test(_name)
    setattr(RBACTestCase, _test.__name__, _test)


class TestRBACTables(base.KeystoneAPITestCase):
    """The tables are complete and consistent with the policy in code."""

    def test_every_rule_and_persona_has_an_entry(self):
        covered = {(e['rule'], e['persona']) for e in ENTRIES.values()}
        rules = {
            r.name
            for r in policies.list_rules()
            if isinstance(r, oslo_policy.DocumentedRuleDefault)
        }
        missing = sorted(
            (rule, persona)
            for rule in rules
            for persona in PERSONAS
            if (rule, persona) not in covered
        )
        self.assertEqual([], missing)

    def test_entries_name_known_rules_and_personas(self):
        rules = {r.name for r in policies.list_rules()} | {'public'}
        for name, entry in ENTRIES.items():
            self.assertIn(entry['rule'], rules, name)
            self.assertIn(entry['persona'], PERSONAS, name)
            self.assertIn(
                entry['method'], ('get', 'post', 'patch', 'put', 'delete')
            )
            self.assertIsInstance(entry['assert_status'], int, name)


class TestTokenHeaders(base.KeystoneAPITestCase):
    """Identity comes from the token, never from the client's headers."""

    def test_roles_header_from_client_is_ignored(self):
        headers = dict(self.headers_of('reader'), **{'X-Roles': 'admin'})
        response = self.request(
            'POST', '/v1/hosts', {'name': 'sneaky'}, headers=headers
        )
        self.assert_fault(response, 403, 'fleet:host:create')
        self.assertEqual([], self.dbapi.list_hosts())

    def test_identity_status_header_without_token(self):
        headers = {
            'X-Identity-Status': 'Confirmed',
            'X-Roles': 'admin',
            'X-User-Id': 'someone',
        }
        response = self.request('GET', '/v1/hosts', headers=headers)
        self.assert_fault(response, 401)
        self.assertIn(
            'http://keystone.test/identity',
            response.headers['WWW-Authenticate'],
        )

    def test_invalid_token(self):
        response = self.request(
            'GET', '/v1/hosts', headers={'X-Auth-Token': 'forged'}
        )
        self.assert_fault(response, 401)

    def test_version_documents_are_public_and_negotiated(self):
        response = self.get('/v1/', headers={})
        self.assertEqual(
            'fleet 1.0', response.headers['OpenStack-API-Version']
        )
        self.assertEqual(
            'v1', self.get('/', headers={}).json['versions'][0]['id']
        )
