"""fleet-status upgrade check: each check's verdict, and the command's
exit status."""

import os
import subprocess
import sys

import fixtures
from oslo_upgradecheck import upgradecheck

from fleet.cmd import status
from fleet.common import policy
from fleet.db import migration
from fleet.tests import base

Code = upgradecheck.Code


class TestDatabaseSchema(base.TestCase):
    def setUp(self):
        super().setUp()
        self.checks = status.Checks()

    def test_no_connection_fails(self):
        self.config(connection=None, group='database')
        result = self.checks._check_database_schema()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('[database] connection', result.details)

    def test_empty_database_fails(self):
        self.useFixture(
            fixtures.MockPatchObject(migration, 'version', return_value=None)
        )
        result = self.checks._check_database_schema()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('fleet-dbsync upgrade', result.details)

    def test_old_schema_fails(self):
        self.useFixture(
            fixtures.MockPatchObject(
                migration, 'version', return_value='0001_initial'
            )
        )
        result = self.checks._check_database_schema()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('0001_initial', result.details)
        self.assertIn(migration.heads()[0], result.details)


class TestDatabaseSchemaAtHead(base.DbTestCase):
    def test_head_passes(self):
        result = status.Checks()._check_database_schema()
        self.assertEqual(Code.SUCCESS, result.code)


class TestFakeDrivers(base.TestCase):
    def setUp(self):
        super().setUp()
        self.checks = status.Checks()

    def test_real_drivers_pass(self):
        self.config(compute=['nova'], inventory=['nova'], group='drivers')
        self.assertEqual(Code.SUCCESS, self.checks._check_fake_drivers().code)

    def test_fake_compute_warns(self):
        self.config(compute=['fake'], inventory=['nova'], group='drivers')
        result = self.checks._check_fake_drivers()
        self.assertEqual(Code.WARNING, result.code)
        self.assertIn('[drivers] compute uses', result.details)
        self.assertNotIn('inventory', result.details)

    def test_both_fake_warn(self):
        # The hermetic tests' defaults, those of fleet-all-in-one.
        result = self.checks._check_fake_drivers()
        self.assertEqual(Code.WARNING, result.code)
        self.assertIn(
            '[drivers] compute and [drivers] inventory use', result.details
        )


class TestUnknownPolicyRules(base.TestCase):
    def setUp(self):
        super().setUp()
        self.checks = status.Checks()

    def _policy_file(self, text):
        policy.get_enforcer()  # registers [oslo_policy]
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'p.yaml')
        with open(path, 'w') as f:
            f.write(text)
        self.config(policy_file=path, group='oslo_policy')
        policy.reset()  # the enforcer reads policy_file when created

    def test_no_policy_file_passes(self):
        policy.get_enforcer()
        self.config(policy_file='does-not-exist.yaml', group='oslo_policy')
        policy.reset()
        result = self.checks._check_unknown_policy_rules()
        self.assertEqual(Code.SUCCESS, result.code)

    def test_known_rules_and_aliases_pass(self):
        self._policy_file(
            '"ops": "role:ops"\n'
            '"fleet:host:get": "rule:ops or rule:admin_api"\n'
        )
        result = self.checks._check_unknown_policy_rules()
        self.assertEqual(Code.SUCCESS, result.code)

    def test_removed_rule_warns(self):
        self._policy_file(
            '"fleet:alert:webhook": "role:member"\n'
            '"fleet:host:get": "rule:admin_api"\n'
        )
        result = self.checks._check_unknown_policy_rules()
        self.assertEqual(Code.WARNING, result.code)
        self.assertIn('fleet:alert:webhook', result.details)
        self.assertNotIn('fleet:host:get', result.details)


class TestCommand(base.TestCase):
    """The console script, in a process of its own (it parses CONF)."""

    def _run(self, conf_file):
        return subprocess.run(
            [
                sys.executable,
                '-m',
                'fleet.cmd.status',
                '--config-file',
                conf_file,
                'upgrade',
                'check',
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    def test_exit_status_follows_the_schema(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        conf_file = os.path.join(tmp, 'fleet.conf')
        with open(conf_file, 'w') as f:
            f.write(f'[database]\nconnection = sqlite:///{tmp}/fleet.db\n')
        result = self._run(conf_file)
        self.assertEqual(Code.FAILURE, result.returncode, result.stderr)
        self.assertIn('fleet-dbsync', result.stdout)

        subprocess.run(
            [
                sys.executable,
                '-m',
                'fleet.cmd.dbsync',
                '--config-file',
                conf_file,
                'upgrade',
            ],
            capture_output=True,
            check=True,
        )
        result = self._run(conf_file)
        self.assertEqual(Code.SUCCESS, result.returncode, result.stdout)
