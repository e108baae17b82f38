"""The WSGI application refuses to load without its config file."""

import os
from unittest import mock

import fixtures

from fleet.common import exception
from fleet.tests import base
from fleet.wsgi import api

ENV = 'OS_FLEET_CONFIG_DIR'


class TestInitializeApplication(base.TestCase):
    def _config_dir(self, path):
        self.useFixture(fixtures.EnvironmentVariable(ENV, path))

    def test_config_dir_from_the_environment(self):
        self._config_dir('/srv/x')
        self.assertEqual('/srv/x/fleet.conf', api.config_file_path())

    def test_default_config_dir(self):
        self.useFixture(fixtures.EnvironmentVariable(ENV))
        self.assertEqual('/etc/fleet/fleet.conf', api.config_file_path())

    @mock.patch.object(api.fleet_service, 'prepare_service', autospec=True)
    def test_missing_config_file_is_refused(self, prepare):
        empty = self.useFixture(fixtures.TempDir()).path
        self._config_dir(empty)
        err = self.assertRaises(
            exception.ConfigInvalid, api.initialize_application
        )
        self.assertIn(f'config file {empty}/fleet.conf not found', str(err))
        self.assertIn('OS_FLEET_CONFIG_DIR', str(err))
        # Nothing was configured on defaults.
        prepare.assert_not_called()

    @mock.patch.object(api.fleet_service, 'prepare_service', autospec=True)
    def test_a_directory_named_fleet_conf_is_refused(self, prepare):
        work = self.useFixture(fixtures.TempDir()).path
        self._config_dir(work)
        os.mkdir(os.path.join(work, 'fleet.conf'))
        self.assertRaises(exception.ConfigInvalid, api.initialize_application)
        prepare.assert_not_called()

    @mock.patch.object(api.app, 'setup_app', autospec=True)
    @mock.patch.object(api.rpc, 'init', autospec=True)
    @mock.patch.object(api.fleet_service, 'prepare_service', autospec=True)
    def test_existing_file_is_the_only_one_read(self, prepare, init, setup):
        work = self.useFixture(fixtures.TempDir()).path
        self._config_dir(work)
        path = f'{work}/fleet.conf'
        with open(path, 'w') as f:
            f.write('[database]\nconnection = sqlite://\n')
        self.assertIs(setup.return_value, api.initialize_application())
        prepare.assert_called_once_with(
            ['fleet-api'], default_config_files=[path]
        )
