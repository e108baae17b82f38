"""Tests of policy enforcement and the policy in code."""

import os

import fixtures
from oslo_policy import policy as oslo_policy
import yaml

from fleet import policies
from fleet.common import context
from fleet.common import exception
from fleet.common import policy
from fleet.tests import base


class policy_fixture(fixtures.Fixture):
    """A policy file with ``rules`` for the length of a test."""

    def __init__(self, rules):
        self.rules = rules

    def _setUp(self):
        tmp = self.useFixture(fixtures.TempDir())
        path = os.path.join(tmp.path, 'policy.yaml')
        with open(path, 'w') as f:
            yaml.safe_dump(self.rules, f)
        policy.reset()
        base.CONF.set_override('policy_file', path, group='oslo_policy')
        self.addCleanup(
            base.CONF.clear_override, 'policy_file', group='oslo_policy'
        )
        self.addCleanup(policy.reset)


def _ctx(*roles):
    return context.RequestContext(
        user_id='u', project_id='p', roles=list(roles)
    )


class TestAuthorize(base.TestCase):
    def test_observer_may_read_not_write(self):
        observer = _ctx('fleet_observer')
        self.assertTrue(policy.authorize('fleet:host:get', {}, observer))
        e = self.assertRaises(
            exception.HTTPForbidden,
            policy.authorize,
            'fleet:host:create',
            {},
            observer,
        )
        self.assertEqual(403, e.code)
        self.assertIn('fleet:host:create', e.message)

    def test_ordinary_project_roles_get_nothing(self):
        # An infrastructure API: member or reader of a project is no
        # operator of the fleet, for reads as for writes.
        for roles in (['member', 'reader'], ['reader'], ['manager']):
            for rule in policies.list_rules():
                if not isinstance(rule, oslo_policy.DocumentedRuleDefault):
                    continue
                self.assertRaises(
                    exception.HTTPForbidden,
                    policy.authorize,
                    rule.name,
                    {},
                    _ctx(*roles),
                )

    def test_only_admin_writes(self):
        for rule in policies.list_rules():
            if not isinstance(rule, oslo_policy.DocumentedRuleDefault):
                continue
            writes = any(op['method'] != 'GET' for op in rule.operations)
            if writes and rule.name != 'fleet:runbook:dry_run':
                self.assertEqual('rule:admin_api', rule.check_str, rule.name)
            elif not writes:
                self.assertEqual(
                    'rule:observer_api', rule.check_str, rule.name
                )

    def test_observer_rule_override(self):
        # The documented alternative to the dedicated role: reader of
        # the operators' project.
        self.useFixture(
            policy_fixture(
                {
                    'observer_api': 'role:admin or role:fleet_observer or '
                    '(role:reader and project_id:ops)'
                }
            )
        )
        ops_reader = context.RequestContext(
            user_id='u', project_id='ops', roles=['reader']
        )
        self.assertTrue(
            policy.authorize('fleet:execution:get_all', {}, ops_reader)
        )
        self.assertRaises(
            exception.HTTPForbidden,
            policy.authorize,
            'fleet:execution:get_all',
            {},
            _ctx('reader'),
        )
        self.assertRaises(
            exception.HTTPForbidden,
            policy.authorize,
            'fleet:execution:create',
            {},
            ops_reader,
        )

    def test_admin_role_alone_suffices(self):
        # Without keystone's implied roles in the token, admin still
        # passes every rule.
        for rule in policies.list_rules():
            if isinstance(rule, oslo_policy.DocumentedRuleDefault):
                self.assertTrue(policy.authorize(rule.name, {}, _ctx('admin')))

    def test_no_role(self):
        self.assertRaises(
            exception.HTTPForbidden,
            policy.authorize,
            'fleet:host:get_all',
            {},
            _ctx(),
        )

    def test_unknown_rule(self):
        self.assertRaises(
            oslo_policy.PolicyNotRegistered,
            policy.authorize,
            'fleet:nothing',
            {},
            _ctx('admin'),
        )

    def test_reset_forgets_the_enforcer(self):
        first = policy.get_enforcer()
        self.assertIs(first, policy.get_enforcer())
        policy.reset()
        self.assertIsNot(first, policy.get_enforcer())


class TestPoliciesInCode(base.TestCase):
    def test_rules_are_documented(self):
        names = [r.name for r in policies.list_rules()]
        self.assertEqual(len(names), len(set(names)))
        for rule in policies.list_rules():
            self.assertTrue(rule.description, rule.name)
            if rule.name.startswith('fleet:'):
                self.assertIsInstance(rule, oslo_policy.DocumentedRuleDefault)
                for operation in rule.operations:
                    # /metrics is outside /v1, as Prometheus expects.
                    self.assertTrue(
                        operation['path'].startswith('/v1/')
                        or operation['path'] == '/metrics',
                        operation,
                    )

    def test_check_strings_only_name_known_rules(self):
        names = {r.name for r in policies.list_rules()}
        for rule in policies.list_rules():
            for ref in rule.check_str.split():
                if ref.startswith('rule:'):
                    self.assertIn(ref[len('rule:') :], names, rule.name)

    def test_policy_entry_points(self):
        import importlib.metadata

        points = {
            p.group: p.load()
            for group in ('oslo.policy.policies', 'oslo.policy.enforcer')
            for p in importlib.metadata.entry_points(group=group, name='fleet')
        }
        self.assertIs(policies.list_rules, points['oslo.policy.policies'])
        self.assertIs(
            policy.get_oslo_policy_enforcer, points['oslo.policy.enforcer']
        )
