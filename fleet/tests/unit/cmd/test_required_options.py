"""Services refuse to start without ``[database] connection``; only
fleet-all-in-one has an embedded default."""

import os
import subprocess
import sys

import fixtures

from fleet.cmd import all_in_one
from fleet.common import exception
from fleet.common import service as fleet_service
from fleet.conf import database as database_conf
from fleet.tests import base


class TestCheckRequiredOptions(base.TestCase):
    def test_no_connection_is_refused_with_the_fix(self):
        base.CONF.clear_override('connection', group='database')
        self.assertIsNone(base.CONF.database.connection)
        err = self.assertRaises(
            exception.ConfigInvalid,
            fleet_service.check_required_options,
            '/usr/bin/fleet-conductor',
        )
        message = str(err)
        self.assertIn('fleet-conductor: [database] connection is not', message)
        self.assertIn('config files read: none', message)
        self.assertIn('fleet-dbsync upgrade', message)

    def test_empty_connection_is_refused(self):
        self.config(connection='', group='database')
        self.assertRaises(
            exception.ConfigInvalid, fleet_service.check_required_options
        )

    def test_a_connection_passes(self):
        self.config(connection='mysql+pymysql://f:s@db/f', group='database')
        fleet_service.check_required_options('fleet-api')

    def test_all_in_one_has_the_embedded_default(self):
        base.CONF.clear_override('connection', group='database')
        all_in_one.set_embedded_defaults()
        self.assertEqual(
            database_conf.EMBEDDED_CONNECTION, base.CONF.database.connection
        )
        fleet_service.check_required_options('fleet-all-in-one')


def _script(name):
    """The console script installed beside this interpreter (tox's
    develop install)."""
    return os.path.join(os.path.dirname(sys.executable), name)


class TestConsoleScriptsRefuse(base.TestCase):
    """The real console scripts, in a fresh process and an empty working
    directory: exit 1 with the message, no traceback, no SQLite file."""

    def _run(self, command, *args, content=None):
        work = self.useFixture(fixtures.TempDir()).path
        conf = os.path.join(work, 'fleet.conf')
        with open(conf, 'w') as f:
            f.write(content or '[DEFAULT]\ntransport_url = fake://\n')
        proc = subprocess.run(
            [_script(command), '--config-file', conf, *args],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return proc, work

    def _assert_refused(self, proc, work, prog):
        self.assertEqual(1, proc.returncode, proc.stderr)
        self.assertIn(f'{prog}: [database] connection is not set', proc.stderr)
        self.assertNotIn('Traceback', proc.stderr)
        self.assertEqual(['fleet.conf'], os.listdir(work))

    def test_conductor(self):
        proc, work = self._run('fleet-conductor')
        self._assert_refused(proc, work, 'fleet-conductor')

    def test_dbsync(self):
        proc, work = self._run('fleet-dbsync', 'upgrade')
        self._assert_refused(proc, work, 'fleet-dbsync')

    def test_a_file_that_does_not_parse(self):
        proc, work = self._run('fleet-api', content='connection = x\n')
        self.assertEqual(1, proc.returncode, proc.stderr)
        self.assertIn('Invalid configuration: Failed to parse', proc.stderr)
        self.assertIn('Section must be started', proc.stderr)
        self.assertNotIn('Traceback', proc.stderr)
