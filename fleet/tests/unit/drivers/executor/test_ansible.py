"""Tests of the ansible executor: real playbooks run on localhost.

``ansible_connection=local`` comes from the host's variables, as it would
from fleet's inherited variables; the interpreter is this test's Python so
that the run does not depend on the machine's. Skipped when the
``ansible`` extra is not installed.
"""

import os
import shutil
import sys
import textwrap
import time
import unittest

import fixtures

from fleet.common import exception
from fleet.drivers import base as drivers_base
from fleet.drivers.executor import ansible
from fleet.tests import base

try:
    import ansible_runner  # noqa: F401

    HAVE_ANSIBLE = True
except ImportError:
    HAVE_ANSIBLE = False

OK_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Greet
      ansible.builtin.debug:
        msg: "patching {{ inventory_hostname }} in {{ rack }} to {{ level }}"
    - name: Write a marker
      ansible.builtin.copy:
        content: "{{ level }}"
        dest: "{{ marker }}"
"""

FAILING_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Check that nothing is wrong
      ansible.builtin.command: /bin/true
    - name: Tolerated failure
      ansible.builtin.command: /bin/false
      ignore_errors: true
    - name: Install the kernel update
      ansible.builtin.shell: echo "no space left on /boot" >&2; exit 4
    - name: Never reached
      ansible.builtin.debug:
        msg: unreachable
"""

PING_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Ping
      ansible.builtin.ping:
"""

SLOW_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Take too long
      ansible.builtin.command: sleep 60
"""


@unittest.skipUnless(HAVE_ANSIBLE, 'ansible-runner is not installed')
class TestAnsibleExecutor(base.TestCase):
    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.executor = ansible.AnsibleExecutor()
        self.executor.validate_config()
        self.host = {
            'name': 'localhost',
            'kind': 'compute',
            'variables': {
                'ansible_connection': 'local',
                'ansible_python_interpreter': sys.executable,
                'rack': 'r12',
            },
        }

    def playbook(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text))
        return path

    def test_is_an_executor(self):
        self.assertIsInstance(self.executor, drivers_base.ExecutorDriver)

    def test_inventory_holds_only_the_host(self):
        self.assertEqual(
            {'all': {'hosts': {'localhost': self.host['variables']}}},
            self.executor.inventory(self.host),
        )

    def test_playbook_succeeds(self):
        marker = os.path.join(self.dir, 'marker')
        result = self.executor.run(
            self.host,
            {
                'playbook': self.playbook('ok.yml', OK_PLAYBOOK),
                'extra_vars': {'level': '2026.11', 'marker': marker},
            },
            timeout=120,
        )
        self.assertTrue(result.ok, result.output)
        # Host variables as hostvars, extra_vars from the run.
        self.assertIn('patching localhost in r12 to 2026.11', result.output)
        with open(marker) as f:
            self.assertEqual('2026.11', f.read())
        self.assertEqual('successful', result.details['status'])
        self.assertEqual(0, result.details['rc'])
        self.assertEqual([], result.details['failed_tasks'])
        self.assertEqual({'localhost': 2}, result.details['stats']['ok'])
        self.assertEqual({'localhost': 1}, result.details['stats']['changed'])
        self.assertIsInstance(result.to_dict(), dict)

    def test_parameters_are_never_templated(self):
        # Values from a run's request reach the playbook as they are:
        # Jinja in them is data, not code (they are tagged !unsafe).
        marker = os.path.join(self.dir, 'marker')
        pwned = os.path.join(self.dir, 'pwned')
        hostile = (
            '{{ lookup("pipe", "touch ' + pwned + '") }} {{ 6 * 7 }}; $(id)'
        )
        result = self.executor.run(
            self.host,
            {
                'playbook': self.playbook('ok.yml', OK_PLAYBOOK),
                'extra_vars': {'marker': marker},
                'parameters': {'level': hostile, 'marker': 'ignored'},
            },
            timeout=120,
        )
        self.assertTrue(result.ok, result.output)
        with open(marker) as f:
            self.assertEqual(hostile, f.read())
        self.assertFalse(os.path.exists(pwned))

    def test_check_mode_changes_nothing(self):
        marker = os.path.join(self.dir, 'marker')
        result = self.executor.run(
            self.host,
            {
                'playbook': self.playbook('ok.yml', OK_PLAYBOOK),
                'extra_vars': {'level': '1', 'marker': marker},
                'check': True,
            },
            timeout=120,
        )
        self.assertTrue(result.ok, result.output)
        self.assertFalse(os.path.exists(marker))

    def test_failed_task_reported(self):
        result = self.executor.run(
            self.host,
            {'playbook': self.playbook('fail.yml', FAILING_PLAYBOOK)},
            timeout=120,
        )
        self.assertFalse(result.ok)
        self.assertEqual('failed', result.details['status'])
        self.assertNotEqual(0, result.details['rc'])
        # The ignored failure is not one; the run stopped at the real one.
        failed = result.details['failed_tasks']
        self.assertEqual(1, len(failed), failed)
        self.assertEqual('Install the kernel update', failed[0]['task'])
        self.assertEqual('localhost', failed[0]['host'])
        self.assertEqual(4, failed[0]['rc'])
        self.assertEqual('non-zero return code', failed[0]['msg'])
        self.assertEqual('no space left on /boot', failed[0]['stderr'])
        self.assertFalse(failed[0]['unreachable'])
        self.assertEqual({'localhost': 1}, result.details['stats']['failures'])
        self.assertNotIn('Never reached', result.output)

    def test_unreachable_host_reported(self):
        host = {
            'name': 'unreachable.invalid',
            'variables': {
                'ansible_connection': 'ssh',
                'ansible_ssh_common_args': '-o ConnectTimeout=2',
            },
        }
        result = self.executor.run(
            host,
            {'playbook': self.playbook('ping.yml', PING_PLAYBOOK)},
            timeout=120,
        )
        self.assertFalse(result.ok)
        failed = result.details['failed_tasks']
        self.assertEqual(1, len(failed), failed)
        self.assertTrue(failed[0]['unreachable'])
        self.assertEqual('Ping', failed[0]['task'])

    def test_timeout(self):
        started = time.monotonic()
        result = self.executor.run(
            self.host,
            {'playbook': self.playbook('slow.yml', SLOW_PLAYBOOK)},
            timeout=3,
        )
        self.assertLess(time.monotonic() - started, 30)
        self.assertFalse(result.ok)
        self.assertTrue(result.details['timed_out'])
        self.assertEqual('timeout', result.details['status'])

    def test_private_data_dir_removed(self):
        self.useFixture(fixtures.EnvironmentVariable('TMPDIR', self.dir))
        # tempfile caches its directory: point it at ours for this test.
        self.useFixture(fixtures.MonkeyPatch('tempfile.tempdir', self.dir))
        self.executor.run(
            self.host,
            {
                'playbook': self.playbook('ok.yml', OK_PLAYBOOK),
                'extra_vars': {'level': '1', 'marker': '/dev/null'},
            },
            timeout=120,
        )
        self.assertEqual(
            [], [n for n in os.listdir(self.dir) if n.startswith('fleet-')]
        )

    def test_keep_artifacts(self):
        self.config(ansible_keep_artifacts=True, group='executor')
        result = self.executor.run(
            self.host,
            {
                'playbook': self.playbook('ok.yml', OK_PLAYBOOK),
                'extra_vars': {'level': '1', 'marker': '/dev/null'},
            },
            timeout=120,
        )
        kept = result.details['private_data_dir']
        self.addCleanup(shutil.rmtree, kept, True)
        self.assertTrue(os.path.isdir(os.path.join(kept, 'artifacts')))


class TestArguments(base.TestCase):
    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.executor = ansible.AnsibleExecutor()
        os.mkdir(os.path.join(self.dir, 'books'))
        for path in ('books/patch.yml', 'outside.yml'):
            with open(os.path.join(self.dir, path), 'w') as f:
                f.write('- hosts: all\n  tasks: []\n')

    def test_relative_playbook_in_playbook_dir(self):
        self.config(
            playbook_dir=os.path.join(self.dir, 'books'), group='executor'
        )
        self.assertEqual(
            os.path.realpath(os.path.join(self.dir, 'books/patch.yml')),
            self.executor.resolve_playbook('patch.yml'),
        )

    def test_relative_playbook_without_playbook_dir(self):
        e = self.assertRaises(
            exception.InvalidParameterValue,
            self.executor.validate_arguments,
            {'playbook': 'patch.yml'},
        )
        self.assertIn('playbook_dir', str(e))

    def test_playbook_outside_playbook_dir(self):
        self.config(
            playbook_dir=os.path.join(self.dir, 'books'), group='executor'
        )
        self.assertRaises(
            exception.InvalidParameterValue,
            self.executor.validate_arguments,
            {'playbook': '../outside.yml'},
        )

    def test_missing_playbook(self):
        self.assertRaises(
            exception.InvalidParameterValue,
            self.executor.validate_arguments,
            {'playbook': os.path.join(self.dir, 'nope.yml')},
        )

    def test_bad_arguments(self):
        path = os.path.join(self.dir, 'outside.yml')
        for arguments in (
            {},
            {'playbook': 42},
            {'playbook': path, 'extra_vars': ['a']},
            {'playbook': path, 'tags': ['a']},
        ):
            self.assertRaises(
                exception.InvalidParameterValue,
                self.executor.validate_arguments,
                arguments,
            )

    def test_configured_binary_must_exist(self):
        self.config(ansible_playbook='/nonexistent/ap', group='executor')
        self.assertRaises(
            exception.ConfigInvalid, self.executor.validate_config
        )
