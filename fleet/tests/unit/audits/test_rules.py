from fleet.audits import rules
from fleet.tests import base

FACTS = {
    'os': {'name': 'Rocky Linux', 'version': '9.4'},
    'kernel': '5.14.0-427.el9.x86_64',
    'packages': {
        'openssh-server': '8.7p1-38.el9',
        'kernel': ['5.14.0-362.el9', '5.14.0-427.el9'],
        'bad': 'not a version!',
    },
    'services': {
        'nova-compute': {'state': 'running', 'enabled': True},
        'chronyd': {'state': 'stopped', 'enabled': True},
        'odd': {'state': 'running', 'enabled': None},
    },
    'config': {
        '/etc/nova/nova.conf': {'DEFAULT': {'debug': 'false'}},
        '/etc/ssh/sshd_config': {'PermitRootLogin': 'no'},
    },
    'files': {
        '/etc/issue': {'sha256': 'AB12'},
        '/etc/gone': {'exists': False},
        '/etc/nohash': {},
    },
    'custom': {'rack_power': 'A+B', 'cores': 64},
}


def rule(check, **kw):
    return rules.compile_rule(dict({'name': 'r', 'check': check}, **kw))


class TestKernel(base.TestCase):
    def check(self, op, version, facts=FACTS):
        return rule(
            {'type': 'kernel_version', 'op': op, 'version': version}
        ).evaluate(facts)

    def test_below_level_fails_with_evidence(self):
        out = self.check('>=', '5.14.0-503.el9')
        self.assertEqual('fail', out['result'])
        self.assertEqual('5.14.0-427.el9.x86_64', out['evidence'])
        self.assertIn('not >= 5.14.0-503.el9', out['message'])

    def test_arch_suffix_ignored(self):
        self.assertEqual('pass', self.check('==', '5.14.0-427.el9')['result'])
        self.assertEqual('pass', self.check('>=', '5.14.0-99.el9')['result'])

    def test_missing_kernel_is_error_not_fail(self):
        out = self.check('>=', '5.14.0-503.el9', {'os': {}})
        self.assertEqual('error', out['result'])
        self.assertIn('kernel', out['message'])

    def test_no_facts_at_all_is_error(self):
        self.assertEqual('error', self.check('>=', '1', {})['result'])
        self.assertEqual('error', self.check('>=', '1', None)['result'])

    def test_unparsable_kernel_is_error(self):
        out = self.check('>=', '1.0', {'kernel': '???'})
        self.assertEqual('error', out['result'])

    def test_bad_rules_refused(self):
        for check in (
            {'type': 'kernel_version', 'op': '=>', 'version': '1'},
            {'type': 'kernel_version', 'op': '>='},
            {'type': 'kernel_version', 'op': '>=', 'version': ''},
            {'type': 'nope'},
        ):
            self.assertRaises(rules.RuleInvalid, rule, check)
        self.assertRaises(
            rules.RuleInvalid,
            rules.compile_rule,
            {'name': 'x', 'severity': 'huge', 'check': {'type': 'fact'}},
        )
        self.assertRaises(rules.RuleInvalid, rules.compile_rule, {'x': 1})


class TestPackage(base.TestCase):
    def test_version(self):
        r = rule(
            {
                'type': 'package_version',
                'package': 'openssh-server',
                'op': '>=',
                'version': '8.7p1-40.el9',
            }
        )
        out = r.evaluate(FACTS)
        self.assertEqual('fail', out['result'])
        self.assertEqual('8.7p1-38.el9', out['evidence'])

    def test_several_installed_newest_counts(self):
        r = rule(
            {
                'type': 'package_version',
                'package': 'kernel',
                'op': '>=',
                'version': '5.14.0-427.el9',
            }
        )
        out = r.evaluate(FACTS)
        self.assertEqual('pass', out['result'])
        self.assertEqual('5.14.0-427.el9', out['evidence'])

    def test_not_installed_is_fail(self):
        r = rule(
            {
                'type': 'package_version',
                'package': 'telnet',
                'op': '>=',
                'version': '1',
            }
        )
        self.assertEqual('fail', r.evaluate(FACTS)['result'])

    def test_no_package_facts_is_error(self):
        r = rule(
            {
                'type': 'package_version',
                'package': 'x',
                'op': '>=',
                'version': '1',
            }
        )
        self.assertEqual('error', r.evaluate({'kernel': '1'})['result'])

    def test_unparsable_installed_version_is_error(self):
        r = rule(
            {
                'type': 'package_version',
                'package': 'bad',
                'op': '>=',
                'version': '1',
            }
        )
        self.assertEqual('error', r.evaluate(FACTS)['result'])

    def test_installed_and_absent(self):
        installed = rule(
            {
                'type': 'package_version',
                'package': 'telnet',
                'state': 'installed',
            }
        )
        absent = rule(
            {'type': 'package_version', 'package': 'telnet', 'state': 'absent'}
        )
        self.assertEqual('fail', installed.evaluate(FACTS)['result'])
        self.assertEqual('pass', absent.evaluate(FACTS)['result'])
        ssh_absent = rule(
            {
                'type': 'package_version',
                'package': 'openssh-server',
                'state': 'absent',
            }
        )
        self.assertEqual('fail', ssh_absent.evaluate(FACTS)['result'])
        self.assertRaises(
            rules.RuleInvalid,
            rule,
            {'type': 'package_version', 'package': 'x', 'state': 'maybe'},
        )


class TestService(base.TestCase):
    def check(self, **kw):
        return rule(dict({'type': 'service'}, **kw)).evaluate(FACTS)

    def test_running_enabled(self):
        out = self.check(service='nova-compute', running=True, enabled=True)
        self.assertEqual('pass', out['result'])

    def test_stopped_fails(self):
        out = self.check(service='chronyd', running=True)
        self.assertEqual('fail', out['result'])
        self.assertIn('stopped', out['message'])

    def test_must_be_stopped(self):
        self.assertEqual(
            'pass', self.check(service='chronyd', running=False)['result']
        )

    def test_absent_service_fails(self):
        self.assertEqual(
            'fail', self.check(service='ntpd', running=True)['result']
        )

    def test_enabled_unknown_is_error(self):
        self.assertEqual(
            'error', self.check(service='odd', enabled=True)['result']
        )

    def test_no_service_facts_is_error(self):
        r = rule({'type': 'service', 'service': 'x', 'running': True})
        self.assertEqual('error', r.evaluate({'kernel': '1'})['result'])

    def test_needs_a_condition(self):
        self.assertRaises(
            rules.RuleInvalid, rule, {'type': 'service', 'service': 'x'}
        )


class TestConfig(base.TestCase):
    def check(self, **kw):
        return rule(dict({'type': 'config'}, **kw)).evaluate(FACTS)

    def test_equals_in_section(self):
        out = self.check(
            file='/etc/nova/nova.conf',
            section='DEFAULT',
            key='debug',
            equals='false',
        )
        self.assertEqual('pass', out['result'])
        out = self.check(
            file='/etc/nova/nova.conf',
            section='DEFAULT',
            key='debug',
            equals='true',
        )
        self.assertEqual('fail', out['result'])
        self.assertEqual('false', out['evidence'])

    def test_without_section_and_regex(self):
        out = self.check(
            file='/etc/ssh/sshd_config',
            key='PermitRootLogin',
            regex='^(no|prohibit-password)$',
        )
        self.assertEqual('pass', out['result'])

    def test_key_unset_fails_file_not_gathered_errors(self):
        out = self.check(
            file='/etc/nova/nova.conf',
            section='DEFAULT',
            key='nope',
            equals='1',
        )
        self.assertEqual('fail', out['result'])
        out = self.check(file='/etc/other.conf', key='x', equals='1')
        self.assertEqual('error', out['result'])

    def test_absent(self):
        out = self.check(file='/etc/ssh/sshd_config', key='X11', absent=True)
        self.assertEqual('pass', out['result'])
        out = self.check(
            file='/etc/ssh/sshd_config', key='PermitRootLogin', absent=True
        )
        self.assertEqual('fail', out['result'])

    def test_bad_config_rules(self):
        self.assertRaises(
            rules.RuleInvalid,
            rule,
            {'type': 'config', 'file': 'f', 'key': 'k'},
        )
        self.assertRaises(
            rules.RuleInvalid,
            rule,
            {
                'type': 'config',
                'file': 'f',
                'key': 'k',
                'equals': 1,
                'regex': 'x',
            },
        )
        self.assertRaises(
            rules.RuleInvalid,
            rule,
            {'type': 'config', 'file': 'f', 'key': 'k', 'regex': '('},
        )


class TestFileHash(base.TestCase):
    def check(self, path, sha='ab12'):
        return rule(
            {'type': 'file_hash', 'path': path, 'sha256': sha}
        ).evaluate(FACTS)

    def test_case_insensitive_match(self):
        self.assertEqual('pass', self.check('/etc/issue')['result'])
        out = self.check('/etc/issue', 'ff')
        self.assertEqual('fail', out['result'])
        self.assertEqual('AB12', out['evidence'])

    def test_missing_file_fails_unknown_errors(self):
        self.assertEqual('fail', self.check('/etc/gone')['result'])
        self.assertEqual('error', self.check('/etc/nohash')['result'])
        self.assertEqual('error', self.check('/etc/never')['result'])


class TestFact(base.TestCase):
    def check(self, fact, op, value=None):
        check = {'type': 'fact', 'fact': fact, 'op': op}
        if value is not None:
            check['value'] = value
        return rule(check).evaluate(FACTS)

    def test_operators(self):
        self.assertEqual(
            'pass', self.check('os.version', 'equals', '9.4')['result']
        )
        self.assertEqual(
            'pass', self.check('custom.cores', 'equals', '64')['result']
        )
        self.assertEqual(
            'fail',
            self.check('os.name', 'not_equals', 'Rocky Linux')['result'],
        )
        self.assertEqual(
            'pass', self.check('os.name', 'regex', '^Rocky')['result']
        )
        self.assertEqual(
            'pass',
            self.check('custom.rack_power', 'in', ['A+B', 'A'])['result'],
        )
        self.assertEqual(
            'fail', self.check('os.version', '>=', '9.5')['result']
        )
        self.assertEqual(
            'pass', self.check('os.version', '>', '9.3')['result']
        )

    def test_exists(self):
        self.assertEqual(
            'pass', self.check('custom.cores', 'exists')['result']
        )
        self.assertEqual('fail', self.check('custom.gpu', 'exists')['result'])
        self.assertEqual(
            'pass', self.check('custom.gpu', 'exists', False)['result']
        )

    def test_missing_fact_is_error_not_fail(self):
        out = self.check('custom.gpu', 'equals', 'x')
        self.assertEqual('error', out['result'])
        # A path through a non-mapping is missing too.
        self.assertEqual(
            'error', self.check('kernel.major', 'equals', '5')['result']
        )

    def test_bad_fact_rules(self):
        self.assertRaises(
            rules.RuleInvalid,
            rule,
            {'type': 'fact', 'fact': 'x', 'op': 'like', 'value': 1},
        )
        self.assertRaises(
            rules.RuleInvalid,
            rule,
            {'type': 'fact', 'fact': 'x', 'op': 'in', 'value': 'a'},
        )
        self.assertRaises(
            rules.RuleInvalid,
            rule,
            {'type': 'fact', 'fact': 'x', 'op': 'equals'},
        )


class TestAppliesTo(base.TestCase):
    HOST = {
        'kind': 'compute',
        'labels': {'role': 'hv', 'gpu': 'a100'},
        'availability_zone': 'az1',
        'rack': 'r1',
    }

    def test_scope(self):
        self.assertTrue(rules.applies({}, self.HOST))
        self.assertTrue(rules.applies({'kind': 'compute'}, self.HOST))
        self.assertFalse(rules.applies({'kind': ['switch']}, self.HOST))
        self.assertTrue(rules.applies({'labels': {'gpu': None}}, self.HOST))
        self.assertFalse(rules.applies({'labels': {'gpu': 'h100'}}, self.HOST))
        self.assertFalse(rules.applies({'labels': {'ssd': None}}, self.HOST))
        self.assertTrue(
            rules.applies(
                {
                    'places': {
                        'availability_zone': ['az1', 'az2'],
                        'rack': 'r1',
                    }
                },
                self.HOST,
            )
        )
        self.assertFalse(
            rules.applies({'places': {'availability_zone': 'az2'}}, self.HOST)
        )

    def test_not_applicable_host_even_without_facts(self):
        r = rule(
            {'type': 'kernel_version', 'op': '>=', 'version': '1'},
            applies_to={'kind': 'switch'},
        )
        out = r.evaluate(None, self.HOST)
        self.assertEqual('notapplicable', out['result'])
        self.assertEqual(
            'error', r.evaluate(None, dict(self.HOST, kind='switch'))['result']
        )
