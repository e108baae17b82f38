"""The ansible facts driver against a real ansible-runner and ansible-core.

The host is this machine through ``ansible_connection=local`` (from the
host's variables, as fleet's inherited variables would give it). The
driver's built-in playbook is cut down here to ``setup`` (kernel and OS):
``package_facts`` and ``service_facts`` take most of a minute on a busy
machine, so the whole playbook, checked against ``dpkg-query`` and the
machine's services, runs in the functional test
``fleet/tests/functional/test_ansible_facts.py``. What runs for real
here: the operator's playbook merged in, and the unfriendly cases: an
address no one answers, an operator playbook that fails or that Ansible
cannot parse, one that sets too many facts, one that never ends. Skipped
when the ``ansible`` extra is not installed.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import textwrap
import time
import unittest

import fixtures

from fleet.audits import auditor
from fleet.audits import facts as audit_facts
from fleet.common import exception
from fleet.drivers import factory
from fleet.drivers.facts import ansible
from fleet.tests import base

try:
    import ansible_runner  # noqa: F401

    HAVE_ANSIBLE = True
except ImportError:
    HAVE_ANSIBLE = False

HAVE_DPKG = shutil.which('dpkg-query') is not None
# package_facts needs the package manager's Python bindings (python3-apt,
# python3-rpm), which the system's Python has and a virtualenv's does not:
# the host is run with the system's, as a real host would be.
SYSTEM_PYTHON = next(
    (
        p
        for p in ('/usr/bin/python3', '/usr/libexec/platform-python')
        if os.access(p, os.X_OK)
    ),
    sys.executable,
)

CUSTOM_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Read the machine id
      ansible.builtin.command: uname -m
      register: machine
      changed_when: false
    - name: Set fleet facts
      ansible.builtin.set_fact:
        fleet_facts:
          custom:
            machine: "{{ machine.stdout }}"
            rack: "{{ rack }}"
          config:
            /etc/fleet-test.conf:
              DEFAULT: {debug: "false"}
"""

FAILING_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Read the BIOS version
      ansible.builtin.shell: 'echo "dmidecode: permission denied" >&2; exit 3'
    - name: Set fleet facts
      ansible.builtin.set_fact:
        fleet_facts: {custom: {bios: never}}
"""

LARGE_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Set far too many facts
      ansible.builtin.set_fact:
        fleet_facts:
          custom:
            blob: "{{ 'x' * 300000 }}"
"""

SLOW_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Take too long
      ansible.builtin.command: sleep 60
"""


SETUP_PLAYBOOK = """
- name: Gather fleet facts (setup only)
  hosts: all
  gather_facts: false
  tasks:
    - name: Gather setup facts
      ansible.builtin.setup:
        gather_subset: ['!all', '!min', 'distribution', 'kernel', 'os_family']
"""


def _dpkg_version(package):
    return subprocess.run(  # noqa: S603
        ['dpkg-query', '-W', '-f', '${Version}', package],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _local_host(name='localhost', **variables):
    return {
        'name': name,
        'kind': 'compute',
        'variables': dict(
            {
                'ansible_connection': 'local',
                'ansible_python_interpreter': SYSTEM_PYTHON,
                'rack': 'r12',
            },
            **variables,
        ),
    }


class AnsibleMixin:
    #: Replace the built-in playbook by SETUP_PLAYBOOK.
    cut_down = True

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        # ansible-runner and ansible-core write their temporary files here
        # (and the test checks nothing is left).
        self.useFixture(fixtures.EnvironmentVariable('TMPDIR', self.dir))
        import tempfile

        self.addCleanup(setattr, tempfile, 'tempdir', tempfile.tempdir)
        tempfile.tempdir = None
        if self.cut_down:
            base_playbook = os.path.join(self.dir, 'gather.yml')
            with open(base_playbook, 'w') as f:
                f.write(textwrap.dedent(SETUP_PLAYBOOK))
            self.useFixture(
                fixtures.MockPatchObject(ansible, 'PLAYBOOK', base_playbook)
            )
        self.driver = ansible.AnsibleFacts()
        self.driver.validate_config()

    def playbook(self, text, name='custom.yml'):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text))
        self.config(ansible_playbook=path, group='facts')
        return path


@unittest.skipUnless(HAVE_ANSIBLE, 'ansible-runner is not installed')
class TestAnsibleFactsReal(AnsibleMixin, base.TestCase):
    def test_setup_and_operator_playbook(self):
        self.playbook(CUSTOM_PLAYBOOK)
        facts = self.driver.gather(_local_host())

        # setup: kernel and OS, as the machine says; the ansible_ prefix
        # of setup's facts taken off.
        self.assertEqual(os.uname().release, facts['kernel'])
        release = platform.freedesktop_os_release()
        self.assertEqual(release['ID'], facts['os']['name'].lower())
        if release.get('VERSION_ID'):
            self.assertTrue(
                str(facts['os']['version']).startswith(release['VERSION_ID']),
                facts['os'],
            )
        # The operator's playbook: its fleet_facts merged in, its
        # variables from the host's.
        self.assertEqual(
            {'machine': platform.machine(), 'rack': 'r12'}, facts['custom']
        )
        self.assertEqual(
            {'/etc/fleet-test.conf': {'DEFAULT': {'debug': 'false'}}},
            facts['config'],
        )
        # Nothing but fleet's shape: no raw ansible_* keys.
        self.assertEqual({'kernel', 'os', 'custom', 'config'}, set(facts))
        json.dumps(facts)
        # No private data directory is left behind.
        self.assertEqual(
            [],
            [n for n in os.listdir(self.dir) if n.startswith('fleet-facts-')],
        )

    def test_unreachable_host_is_an_error(self):
        host = {
            'name': 'cmp-gone',
            'variables': {
                # TEST-NET-1: routed nowhere, nothing answers.
                'ansible_host': '192.0.2.1',
                'ansible_connection': 'ssh',
                'ansible_ssh_common_args': '-o ConnectTimeout=2',
            },
        }
        started = time.monotonic()
        e = self.assertRaises(exception.FactsError, self.driver.gather, host)
        self.assertLess(time.monotonic() - started, 120)
        self.assertIn('cmp-gone', str(e))
        self.assertIn('gather.yml failed', str(e))
        self.assertIn('Gather setup facts (unreachable)', str(e))

    def test_failing_playbook_is_an_error(self):
        self.playbook(FAILING_PLAYBOOK)
        e = self.assertRaises(
            exception.FactsError, self.driver.gather, _local_host()
        )
        self.assertIn('custom.yml failed', str(e))
        self.assertIn('Read the BIOS version', str(e))
        self.assertIn('non-zero return code', str(e))

    def test_playbook_ansible_cannot_parse_is_an_error(self):
        self.playbook("""
            - hosts: all
              tasks:
                - name: Broken
                  ansible.builtin.shell: echo "a: b"
        """)
        e = self.assertRaises(
            exception.FactsError, self.driver.gather, _local_host()
        )
        self.assertIn('custom.yml failed', str(e))
        # ansible-playbook's own words, not just "failed".
        self.assertIn('ERROR', str(e))
        self.assertIn('custom.yml', str(e).split('failed', 1)[1])

    def test_missing_playbook_is_an_error(self):
        self.config(
            ansible_playbook=os.path.join(self.dir, 'nope.yml'), group='facts'
        )
        self.assertRaises(
            exception.FactsError, self.driver.gather, _local_host()
        )

    def test_too_many_custom_facts(self):
        self.config(max_bytes=200000, group='facts')
        self.playbook(LARGE_PLAYBOOK)
        e = self.assertRaises(
            exception.FactsError, self.driver.gather, _local_host()
        )
        self.assertIn('custom.yml returned more than', str(e))
        self.assertIn('[facts] max_bytes', str(e))

    def test_timeout(self):
        self.config(ansible_timeout=3, group='facts')
        self.playbook(SLOW_PLAYBOOK)
        started = time.monotonic()
        e = self.assertRaises(
            exception.FactsError, self.driver.gather, _local_host()
        )
        self.assertLess(time.monotonic() - started, 60)
        self.assertIn('did not finish in 3 s', str(e))


@unittest.skipUnless(HAVE_ANSIBLE, 'ansible-runner is not installed')
class TestGatherThroughAnsible(AnsibleMixin, base.DbTestCase):
    """The whole path the conductor takes: gather_host stores real facts,
    and records a failure without losing them."""

    def setUp(self):
        super().setUp()
        self.config(facts=['ansible'], group='drivers')
        factory.reset()
        self.addCleanup(factory.reset)

    def test_stored_then_failure_recorded_and_facts_kept(self):
        host = self.create_host(
            name='localhost',
            variables=_local_host()['variables'],
        )
        host = self.dbapi.get_host(host['uuid'])
        result = audit_facts.gather_host(host, self.dbapi)
        self.assertEqual({}, result['errors'])
        row = self.dbapi.get_host_facts(host['uuid'])
        self.assertEqual(result['stored'], row)
        self.assertEqual(os.uname().release, row['facts']['kernel'])
        self.assertEqual(['ansible'], row['drivers'])
        self.assertEqual({}, row['errors'])
        before = row['gathered_at']

        self.playbook(FAILING_PLAYBOOK)
        result = audit_facts.gather_host(host, self.dbapi)
        self.assertIsNone(result['stored'])
        self.assertIn('Read the BIOS version', result['errors']['ansible'])
        row = self.dbapi.get_host_facts(host['uuid'])
        # The facts gathered before stand, with their time; the failure is
        # recorded beside them.
        self.assertEqual(os.uname().release, row['facts']['kernel'])
        self.assertEqual(before, row['gathered_at'])
        self.assertIn('Read the BIOS version', row['errors']['ansible'])

    def test_unreachable_host_without_facts_recorded_in_history(self):
        host = self.create_host(
            name='cmp-gone',
            variables={
                'ansible_host': '192.0.2.1',
                'ansible_connection': 'ssh',
                'ansible_ssh_common_args': '-o ConnectTimeout=2',
            },
        )
        host = self.dbapi.get_host(host['uuid'])
        summary = audit_facts.gather_hosts([host], self.dbapi)
        self.assertEqual(0, summary['gathered'])
        self.assertIn('unreachable', summary['failed']['cmp-gone']['ansible'])
        self.assertIsNone(self.dbapi.get_host_facts(host['uuid']))
        history = self.dbapi.list_host_history(host['uuid'])
        self.assertEqual('gather_facts', history[0]['action'])
        self.assertIn('unreachable', history[0]['reason'])
        self.assertIn(
            'unreachable', history[0]['changes']['errors']['ansible']
        )


@unittest.skipUnless(HAVE_ANSIBLE, 'ansible-runner is not installed')
class TestWholePlaybook(AnsibleMixin, base.DbTestCase):
    """setup, package_facts, service_facts and an operator's playbook,
    gathered, stored and audited."""

    cut_down = False

    def test_real_facts_gathered_stored_and_audited(self):
        self.config(facts=['ansible'], group='drivers')
        factory.reset()
        self.addCleanup(factory.reset)
        self.playbook(CUSTOM_PLAYBOOK)
        host = self.create_host(
            name='localhost', variables=_local_host()['variables']
        )
        host = self.dbapi.get_host(host['uuid'])
        result = audit_facts.gather_host(host, self.dbapi)
        self.assertEqual({}, result['errors'])
        facts = self.dbapi.get_host_facts(host['uuid'])['facts']

        # setup: kernel and OS.
        self.assertEqual(os.uname().release, facts['kernel'])
        release = platform.freedesktop_os_release()
        self.assertEqual(release['ID'], facts['os']['name'].lower())
        if release.get('VERSION_ID'):
            self.assertTrue(
                str(facts['os']['version']).startswith(release['VERSION_ID']),
                facts['os'],
            )
        self.assertTrue(facts['os']['family'])

        # package_facts: every package with its version, as dpkg says.
        self.assertGreater(len(facts['packages']), 20)
        for name, version in facts['packages'].items():
            self.assertIsInstance(version, str | list, name)
        if HAVE_DPKG:
            for package in ('dpkg', 'bash', 'coreutils'):
                self.assertEqual(
                    _dpkg_version(package), facts['packages'][package]
                )

        # service_facts: services with a state each, ".service" taken off.
        self.assertTrue(facts['services'])
        for name, service in facts['services'].items():
            self.assertFalse(name.endswith('.service'), name)
            self.assertIn(
                service['state'],
                ('running', 'stopped', 'unknown', 'inactive', 'failed'),
                name,
            )
            self.assertIn(service['enabled'], (True, False, None))

        # The operator's playbook, merged in.
        self.assertEqual(
            {'machine': platform.machine(), 'rack': 'r12'}, facts['custom']
        )
        self.assertEqual(
            {'kernel', 'os', 'packages', 'services', 'custom', 'config'},
            set(facts),
        )

        # And rules read them: dpkg at its own version passes, one above
        # fails with the version seen as evidence.
        if not HAVE_DPKG:
            return
        version = _dpkg_version('dpkg')
        self.dbapi.create_audit_profile(
            {
                'name': 'local',
                'enabled': True,
                'applies_to': {},
                'rules': [
                    {
                        'name': 'dpkg-current',
                        'check': {
                            'type': 'package_version',
                            'package': 'dpkg',
                            'op': '>=',
                            'version': version,
                        },
                    },
                    {
                        'name': 'dpkg-future',
                        'check': {
                            'type': 'package_version',
                            'package': 'dpkg',
                            'op': '>=',
                            'version': '99:1.0',
                        },
                    },
                ],
            }
        )
        auditor.audit(self.dbapi, act=False)
        found = {
            f['rule']: f
            for f in self.dbapi.list_audit_findings(
                filters={'host_uuid': host['uuid']}
            )
        }
        self.assertEqual('pass', found['dpkg-current']['result'])
        self.assertEqual('fail', found['dpkg-future']['result'])
        self.assertEqual({'value': version}, found['dpkg-future']['evidence'])
