"""The fleet.facts drivers: static, script, fake, ansible (normalize and
a faked ansible-runner), and the fake executor that changes facts."""

import os
import sys
import tempfile
import textwrap
from unittest import mock

from fleet.common import exception
from fleet.drivers import factory
from fleet.drivers import fake_cloud
from fleet.drivers.executor import fake as fake_executor
from fleet.drivers.facts import ansible
from fleet.drivers.facts import script
from fleet.drivers.facts import static
from fleet.tests import base

HOST = {'name': 'cmp-1', 'uuid': 'u1', 'variables': {}}


class TestStatic(base.TestCase):
    def write(self, text):
        fd, path = tempfile.mkstemp(suffix='.yaml')
        with os.fdopen(fd, 'w') as f:
            f.write(textwrap.dedent(text))
        self.addCleanup(os.unlink, path)
        self.config(static_file=path, group='facts')
        return path

    def test_defaults_and_host_entry_merged(self):
        self.write("""
            _defaults:
              os: {name: Rocky Linux, version: '9.4'}
              services: {sshd: {state: running, enabled: true}}
            cmp-1:
              kernel: 5.14.0-503.el9.x86_64
              services: {nova-compute: {state: running, enabled: true}}
        """)
        facts = static.StaticFacts().gather(HOST)
        self.assertEqual('5.14.0-503.el9.x86_64', facts['kernel'])
        self.assertEqual({'sshd', 'nova-compute'}, set(facts['services']))
        other = static.StaticFacts().gather({'name': 'cmp-9'})
        self.assertNotIn('kernel', other)
        self.assertEqual('9.4', other['os']['version'])

    def test_reread_when_changed(self):
        path = self.write('cmp-1: {kernel: "1.0"}\n')
        driver = static.StaticFacts()
        self.assertEqual('1.0', driver.gather(HOST)['kernel'])
        with open(path, 'w') as f:
            f.write('cmp-1: {kernel: "2.0-longer"}\n')
        self.assertEqual('2.0-longer', driver.gather(HOST)['kernel'])

    def test_bad_file_is_a_clear_error(self):
        self.write('- a list\n- not a mapping\n')
        driver = static.StaticFacts()
        e = self.assertRaises(exception.ConfigInvalid, driver.validate_config)
        self.assertIn('mapping of host names', str(e))
        self.assertRaises(exception.FactsError, driver.gather, HOST)
        self.config(static_file='/nonexistent/facts.yaml', group='facts')
        e = self.assertRaises(exception.ConfigInvalid, driver.validate_config)
        self.assertIn('/nonexistent/facts.yaml', str(e))


class TestScript(base.TestCase):
    def script(self, body):
        fd, path = tempfile.mkstemp(suffix='.py')
        with os.fdopen(fd, 'w') as f:
            f.write(textwrap.dedent(body))
        self.addCleanup(os.unlink, path)
        self.config(
            script_command=[sys.executable, path, '--host', '{host}'],
            group='facts',
        )
        return script.ScriptFacts()

    def test_json_on_stdout_host_is_one_argument(self):
        driver = self.script("""
            import json, sys
            print(json.dumps({'argv': sys.argv[1:], 'kernel': '5.14.0'}))
        """)
        facts = driver.gather({'name': 'cmp 1; rm -rf /'})
        self.assertEqual(['--host', 'cmp 1; rm -rf /'], facts['argv'])

    def test_failures(self):
        cases = [
            (
                'import sys; sys.stderr.write("ssh: no route"); sys.exit(3)',
                'exited with 3: ssh: no route',
            ),
            ('print("not json")', 'printed no JSON'),
            ('print("[1, 2]")', 'a JSON list, not an object'),
        ]
        for body, message in cases:
            driver = self.script(body)
            e = self.assertRaises(exception.FactsError, driver.gather, HOST)
            self.assertIn(message, str(e))
            self.assertIn('cmp-1', str(e))

    def test_timeout(self):
        driver = self.script('import time; time.sleep(30)')
        self.config(script_timeout=1, group='facts')
        e = self.assertRaises(exception.FactsError, driver.gather, HOST)
        self.assertIn('did not finish in 1 s', str(e))

    def test_missing_program_and_config(self):
        self.config(script_command=['/nonexistent/facts'], group='facts')
        e = self.assertRaises(
            exception.FactsError, script.ScriptFacts().gather, HOST
        )
        self.assertIn('cannot run /nonexistent/facts', str(e))
        self.config(script_command=None, group='facts')
        self.assertRaises(
            exception.ConfigInvalid, script.ScriptFacts().validate_config
        )
        self.config(script_command=['{host}'], group='facts')
        self.assertRaises(
            exception.ConfigInvalid, script.ScriptFacts().validate_config
        )


class TestFakeAndExecutor(base.TestCase):
    def test_patch_changes_what_is_gathered_next(self):
        self.config(kernel='5.14.0-427.el9.x86_64', group='fake_cloud')
        self.config(facts=['fake'], group='drivers')
        ((name, driver),) = factory.get_facts_drivers()
        self.assertEqual('fake', name)
        before = driver.gather(HOST)
        self.assertEqual('5.14.0-427.el9.x86_64', before['kernel'])
        self.assertEqual('5.14.0-427.el9', before['packages']['kernel'])
        # A copy: changing it does not change the host.
        before['kernel'] = 'tampered'
        result = fake_executor.FakeExecutor().run(
            HOST,
            {
                'action': 'upd',
                'parameters': {
                    'facts': {
                        'kernel': '5.14.0-503.el9.x86_64',
                        'packages': {'kernel': '5.14.0-503.el9'},
                    }
                },
            },
            60,
        )
        self.assertTrue(result.ok)
        after = driver.gather(HOST)
        self.assertEqual('5.14.0-503.el9.x86_64', after['kernel'])
        self.assertEqual('5.14.0-503.el9', after['packages']['kernel'])
        # Merged, not replaced.
        self.assertIn('openssh-server', after['packages'])

    def test_failing_or_empty_action_changes_nothing(self):
        cloud = fake_cloud.get_cloud()
        before = cloud.facts_of('cmp-1')
        result = fake_executor.FakeExecutor().run(
            HOST, {'parameters': {'fail': True, 'facts': {'kernel': '9'}}}, 1
        )
        self.assertFalse(result.ok)
        result = fake_executor.FakeExecutor().run(HOST, {'parameters': {}}, 1)
        self.assertTrue(result.ok)
        self.assertIn('unchanged', result.output)
        self.assertEqual(before, cloud.facts_of('cmp-1'))

    def test_unknown_facts_driver_fails_loudly(self):
        self.config(facts=['nope'], group='drivers')
        e = self.assertRaises(
            exception.DriverLoadError, factory.get_facts_drivers
        )
        self.assertIn('fleet.facts', str(e))


ANSIBLE_FACTS = {
    'kernel': '5.14.0-427.el9.x86_64',
    'distribution': 'Rocky',
    'distribution_version': '9.4',
    'os_family': 'RedHat',
    'packages': {
        'kernel': [
            {'version': '5.14.0', 'release': '362.el9', 'epoch': None},
            {'version': '5.14.0', 'release': '427.el9', 'epoch': None},
        ],
        'bind-utils': [
            {'version': '9.16.23', 'release': '15.el9', 'epoch': 32}
        ],
    },
    'services': {
        'nova-compute.service': {'state': 'running', 'status': 'enabled'},
        'chronyd.service': {'state': 'stopped', 'status': 'disabled'},
        'network': {'state': 'running', 'status': 'unknown'},
    },
    'fleet_facts': {'custom': {'bios': '2.19.1'}},
}


class TestAnsible(base.TestCase):
    def test_normalize(self):
        facts = ansible.normalize(ANSIBLE_FACTS)
        self.assertEqual('5.14.0-427.el9.x86_64', facts['kernel'])
        self.assertEqual(
            {'name': 'Rocky', 'version': '9.4', 'family': 'RedHat'},
            facts['os'],
        )
        self.assertEqual(
            ['5.14.0-362.el9', '5.14.0-427.el9'], facts['packages']['kernel']
        )
        self.assertEqual('32:9.16.23-15.el9', facts['packages']['bind-utils'])
        self.assertEqual(
            {'state': 'running', 'enabled': True},
            facts['services']['nova-compute'],
        )
        self.assertFalse(facts['services']['chronyd']['enabled'])
        # "unknown" is not "disabled": a service rule on it is an error.
        self.assertIsNone(facts['services']['network']['enabled'])
        self.assertEqual({'bios': '2.19.1'}, facts['custom'])

    def fake_runner(self, status, events):
        def run(**kwargs):
            self.assertEqual('cmp-1', kwargs['limit'])
            self.assertIn('cmp-1', kwargs['inventory']['all']['hosts'])
            for event in events:
                kwargs['event_handler'](event)
            return mock.Mock(status=status)

        return mock.Mock(run=run)

    def test_gather_through_runner(self):
        events = [
            {
                'event': 'runner_on_ok',
                'event_data': {'res': {'ansible_facts': ANSIBLE_FACTS}},
            }
        ]
        with mock.patch.object(
            ansible.ansible_executor,
            '_runner',
            return_value=self.fake_runner('successful', events),
        ):
            facts = ansible.AnsibleFacts().gather(HOST)
        self.assertEqual('5.14.0-427.el9.x86_64', facts['kernel'])

    def test_unreachable_host_is_facts_error(self):
        events = [
            {
                'event': 'runner_on_unreachable',
                'event_data': {
                    'task': 'Gather setup facts',
                    'res': {
                        'msg': 'ssh: connect to host cmp-1 port 22: timed out'
                    },
                },
            }
        ]
        with mock.patch.object(
            ansible.ansible_executor,
            '_runner',
            return_value=self.fake_runner('failed', events),
        ):
            e = self.assertRaises(
                exception.FactsError, ansible.AnsibleFacts().gather, HOST
            )
        self.assertIn('port 22: timed out', str(e))
        self.assertIn('gather.yml failed', str(e))


class TestAnsibleCollector(base.TestCase):
    """The ansible driver's event handler alone, on events as
    ansible-runner gives them (the real runs are in the functional test
    fleet/tests/functional/test_ansible_facts.py)."""

    def test_prefix_taken_off_setup_facts_only(self):
        collector = ansible._Collector(10000)
        collector(
            {
                'event': 'runner_on_ok',
                'event_data': {
                    'res': {
                        'ansible_facts': {
                            'ansible_kernel': '6.1.0-28-amd64',
                            'ansible_distribution': 'Debian',
                        }
                    }
                },
            }
        )
        collector(
            {
                'event': 'runner_on_ok',
                'event_data': {
                    'res': {'ansible_facts': {'packages': {'bash': []}}}
                },
            }
        )
        self.assertEqual(
            {
                'kernel': '6.1.0-28-amd64',
                'distribution': 'Debian',
                'packages': {'bash': []},
            },
            collector.facts,
        )
        self.assertFalse(collector.cancelled())

    def test_too_large_cancels_and_keeps_nothing_more(self):
        collector = ansible._Collector(100)
        event = {
            'event': 'runner_on_ok',
            'event_data': {'res': {'ansible_facts': {'blob': 'x' * 200}}},
        }
        collector(event)
        self.assertTrue(collector.cancelled())
        self.assertEqual({}, collector.facts)

    def test_ignored_failure_is_not_a_failure(self):
        collector = ansible._Collector(100)
        collector(
            {
                'event': 'runner_on_failed',
                'event_data': {
                    'task': 'Optional',
                    'ignore_errors': True,
                    'res': {'msg': 'no'},
                },
            }
        )
        collector(
            {
                'event': 'runner_on_failed',
                'event_data': {'task': 'Needed', 'res': {'msg': 'rc 3'}},
            }
        )
        self.assertEqual(['Needed: rc 3'], collector.failures)

    def test_error_output_from_the_first_error_line(self):
        collector = ansible._Collector(100)
        for line in (
            'PLAY [all]',
            '[ERROR]: YAML parsing failed: Colons in unquoted values',
            'Origin: /etc/fleet/facts.yml:6:28',
            '',
            'more',
            'and more',
        ):
            collector({'event': 'verbose', 'stdout': line})
        self.assertEqual(
            '[ERROR]: YAML parsing failed: Colons in unquoted values '
            'Origin: /etc/fleet/facts.yml:6:28 more',
            collector.error_output(),
        )
