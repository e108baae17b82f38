"""Tests of policy enforcement and the policy in code."""

from oslo_policy import policy as oslo_policy

from fleet import policies
from fleet.common import context
from fleet.common import exception
from fleet.common import policy
from fleet.tests import base


def _ctx(*roles):
    return context.RequestContext(
        user_id='u', project_id='p', roles=list(roles)
    )


class TestAuthorize(base.TestCase):
    def test_reader_may_read_not_write(self):
        self.assertTrue(policy.authorize('fleet:host:get', {}, _ctx('reader')))
        e = self.assertRaises(
            exception.HTTPForbidden,
            policy.authorize,
            'fleet:host:create',
            {},
            _ctx('reader'),
        )
        self.assertEqual(403, e.code)
        self.assertIn('fleet:host:create', e.message)

    def test_member_may_start_runs(self):
        self.assertTrue(
            policy.authorize('fleet:execution:create', {}, _ctx('member'))
        )
        self.assertRaises(
            exception.HTTPForbidden,
            policy.authorize,
            'fleet:execution:create',
            {},
            _ctx('reader'),
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
                    self.assertTrue(operation['path'].startswith('/v1/'))

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
