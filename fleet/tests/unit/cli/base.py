"""Run the real ``openstack`` shell in-process against a real fleet API.

Each :meth:`CLITestCase.openstack` call is a whole ``openstack`` command
line: openstackclient's shell loads fleet's plugin through its entry
points, authenticates with ``--os-auth-type none --os-endpoint URL`` and
talks HTTP to :class:`fleet.tests.unit.client.fixtures.APIServer`.
"""

import io
import json
import logging
import os
import sys

import fixtures
from openstackclient import shell
from openstackclient.common import clientmanager

from fleet.tests import base
from fleet.tests.unit.client import fixtures as client_fixtures


class CLITestCase(base.DbTestCase):
    def setUp(self):
        super().setUp()
        # The developer's own cloud must not leak into the tests.
        for name in list(os.environ):
            if name.startswith('OS_'):
                self.useFixture(fixtures.EnvironmentVariable(name))
        self.useFixture(
            fixtures.EnvironmentVariable(
                'OS_CLIENT_CONFIG_FILE', '/nonexistent/clouds.yaml'
            )
        )
        self.api = self.useFixture(client_fixtures.APIServer())

    def openstack(self, *args, rc=0, endpoint=None):
        """Run ``openstack --os-auth-type none --os-endpoint URL *args``.

        :param rc: the exit code expected.
        :returns: (stdout, stderr) as text.
        """
        argv = [
            '--os-auth-type',
            'none',
            '--os-endpoint',
            endpoint or self.api.url,
            *args,
        ]
        out, err = io.StringIO(), io.StringIO()
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', out))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        try:
            code = shell.main(argv)
        except SystemExit as e:
            # argparse's usage errors, as the real command exits.
            code = e.code
        finally:
            # openstackclient keeps a plugin's client on the ClientManager
            # class (one shell per process); each run here is a new one.
            for cls in clientmanager.ClientManager.__mro__:
                cache = vars(cls).get('fleet')
                if cache is not None:
                    cache._handle = None
            # cliff adds a console handler to the root logger per run.
            root.handlers[:] = handlers
            root.setLevel(level)
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        self.assertEqual(
            rc,
            code,
            f'openstack {" ".join(args)}\nstdout: {out.getvalue()}\n'
            f'stderr: {err.getvalue()}',
        )
        return out.getvalue(), err.getvalue()

    def openstack_json(self, *args):
        out, _ = self.openstack(*args, '-f', 'json')
        return json.loads(out)

    def assert_one_line_error(self, stderr, *fragments):
        """The user sees one line saying what went wrong, no traceback."""
        self.assertNotIn('Traceback', stderr)
        lines = [line for line in stderr.splitlines() if line.strip()]
        self.assertEqual(1, len(lines), stderr)
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        return lines[0]
