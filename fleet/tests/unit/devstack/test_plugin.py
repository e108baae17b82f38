"""devstack/plugin.sh's configuration phase, run by bash against stubbed
DevStack functions (stubs.sh; iniset writes real INI files): the
fleet.conf it writes is read back by oslo.config with fleet's options, so
a misspelt option or a value fleet refuses fails here, not on a DevStack.
"""

import configparser
import json
import os
import subprocess
import sys
import tempfile

from fleet.tests import base

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..', '..'))

LOAD = """
import json, sys
from oslo_config import cfg
from fleet.conf import opts
conf = cfg.ConfigOpts()
for group, options in opts.list_opts():
    name = getattr(group, 'name', group)
    conf.register_opts(options, group=None if name == 'DEFAULT' else group)
conf(['--config-file', sys.argv[1]], project='fleet')
out = {}
for group, options in opts.list_opts():
    name = getattr(group, 'name', group)
    section = conf if name == 'DEFAULT' else conf[name]
    out[name] = {o.dest: section[o.dest] for o in options}
print(json.dumps(out, default=str))
"""

SCRIPT = """
set -e
source "$STUB_DIR/stubs.sh"
source "$FLEET_DIR/devstack/settings"
source "$FLEET_DIR/devstack/plugin.sh" stack post-config
"""
#: Every phase stack.sh, unstack.sh and clean.sh run the plugin in, in
#: their order.
ALL_PHASES = """
set -e
source "$STUB_DIR/stubs.sh"
source "$FLEET_DIR/devstack/settings"
for phase in "stack install" "stack post-config" "stack extra" unstack clean
do
    source "$FLEET_DIR/devstack/plugin.sh" $phase
done
"""


class PluginTestCase(base.TestCase):
    def run_plugin(self, services, script=SCRIPT, **env):
        tmp = tempfile.mkdtemp()
        self.addCleanup(subprocess.run, ['rm', '-rf', tmp], check=False)
        # get_python_exec_prefix: where fleet's console scripts are.
        stub_bin = os.path.join(tmp, 'bin')
        os.makedirs(stub_bin)
        for command in ('fleet-dbsync', 'fleet-api', 'fleet-conductor'):
            path = os.path.join(stub_bin, command)
            with open(path, 'w') as f:
                f.write(f'#!/bin/sh\necho "{command} $*" >> "$STUB_LOG"\n')
            os.chmod(path, 0o700)
        nova_conf = os.path.join(tmp, 'nova.conf')
        with open(nova_conf, 'w') as f:
            f.write('[DEFAULT]\ncompute_driver = fake.FakeDriver\n')
        environ = {
            'PATH': os.environ['PATH'],
            'HOME': tmp,
            'STUB_DIR': HERE,
            'STUB_LOG': os.path.join(tmp, 'stub.log'),
            'STUB_BIN': stub_bin,
            'FLEET_DIR': ROOT,
            'ENABLED_SERVICES': ','.join(services),
            'DEST': tmp,
            'DATA_DIR': os.path.join(tmp, 'data'),
            'FLEET_CONF_DIR': os.path.join(tmp, 'etc-fleet'),
            'FLEET_AUTH_CACHE_DIR': os.path.join(tmp, 'cache'),
            'STACK_USER': subprocess.check_output(
                ['id', '-un'], text=True
            ).strip(),
            'SERVICE_HOST': '192.0.2.10',
            'SERVICE_PROTOCOL': 'http',
            'SERVICE_PASSWORD': 'service-pw',
            'SERVICE_PROJECT_NAME': 'service',
            'SERVICE_DOMAIN_NAME': 'Default',
            'KEYSTONE_SERVICE_URI': 'http://192.0.2.10/identity',
            'REGION_NAME': 'RegionOne',
            'API_WORKERS': '2',
            'ENABLE_DEBUG_LOG_LEVEL': 'True',
            'NOVA_CONF': nova_conf,
            **env,
        }
        result = subprocess.run(
            ['bash', '-c', script],
            env=environ,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(0, result.returncode, result.stderr[-3000:])
        # A stub called with the wrong arguments inside $(...) exits only
        # its subshell: its record fails the test.
        errors = environ['STUB_LOG'] + '.errors'
        self.assertFalse(
            os.path.exists(errors),
            open(errors).read() if os.path.exists(errors) else '',
        )
        with open(environ['STUB_LOG']) as f:
            log = f.read()
        return tmp, environ, log

    def load(self, path):
        """fleet.conf parsed by oslo.config with every fleet option, in a
        process of its own (the test process's CONF has test overrides):
        an unknown value or a refused one fails here.

        :returns: {group: {option: value}} of the groups the plugin sets.
        """
        result = subprocess.run(
            [sys.executable, '-c', LOAD, path],
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(0, result.returncode, result.stderr[-3000:])
        return json.loads(result.stdout)

    def ini(self, path):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(path)
        return parser


class TestWithNova(PluginTestCase):
    def test_real_fleet_on_nova(self):
        tmp, env, log = self.run_plugin(
            ['key', 'n-api', 'n-cpu', 'fleet-api', 'fleet-conductor']
        )
        fleet_conf = os.path.join(env['FLEET_CONF_DIR'], 'fleet.conf')
        conf = self.load(fleet_conf)
        self.assertEqual(['nova'], conf['drivers']['compute'])
        self.assertEqual(['nova'], conf['drivers']['inventory'])
        self.assertEqual(['nova'], conf['drivers']['monitoring'])
        self.assertEqual('nova', conf['alerts']['nova_notification_exchange'])
        self.assertEqual(
            'versioned_notifications',
            conf['alerts']['nova_notification_topic'],
        )
        self.assertTrue(conf['inventory']['listen_notifications'])
        self.assertEqual('nova', conf['inventory']['notifications_exchange'])
        self.assertEqual('keystone', conf['api']['auth_strategy'])
        self.assertEqual('fleet', conf['nova']['username'])
        self.assertEqual(
            ['messagingv2'],
            self.ini(fleet_conf)
            .get('oslo_messaging_notifications', 'driver')
            .split(','),
        )
        # Nova sends what fleet listens to.
        nova = self.ini(env['NOVA_CONF'])
        self.assertEqual(
            'versioned', nova.get('notifications', 'notification_format')
        )
        self.assertEqual(
            'messagingv2', nova.get('oslo_messaging_notifications', 'driver')
        )
        self.assertEqual(
            'fake.FakeDriver', nova.get('DEFAULT', 'compute_driver')
        )
        # uwsgi through DevStack's helper, behind Apache at /fleet; the
        # catalog names that URL.
        self.assertIn(
            'write_uwsgi_config '
            f'{env["FLEET_CONF_DIR"]}/fleet-api-uwsgi.ini '
            'fleet.wsgi.fleet_api:application /fleet  fleet-api',
            log,
        )
        uwsgi = self.ini(
            os.path.join(env['FLEET_CONF_DIR'], 'fleet-api-uwsgi.ini')
        )
        self.assertEqual(
            f'OS_FLEET_CONFIG_DIR={env["FLEET_CONF_DIR"]}',
            uwsgi.get('uwsgi', 'env'),
        )
        self.assertIn(
            'get_or_create_endpoint fleet RegionOne http://192.0.2.10/fleet',
            log,
        )
        self.assertIn('get_or_create_service fleet fleet', log)
        self.assertIn('create_service_user fleet admin', log)
        self.assertIn('get_or_create_role fleet_observer', log)


class TestWithoutNova(PluginTestCase):
    def test_simulated_cloud_with_prometheus(self):
        _tmp, env, log = self.run_plugin(
            ['key', 'fleet-api', 'fleet-conductor'],
            FLEET_PROMETHEUS_URL='http://192.0.2.20:9090',
            FLEET_PROMETHEUS_THRESHOLDS='disk_used_percent>90:warning',
            FLEET_METRICS_SCRAPE_TOKEN='scrape-me',
            FLEET_API_MODE='builtin',
        )
        conf = self.load(os.path.join(env['FLEET_CONF_DIR'], 'fleet.conf'))
        self.assertEqual(['fake'], conf['drivers']['compute'])
        self.assertEqual(['prometheus'], conf['drivers']['monitoring'])
        self.assertEqual('http://192.0.2.20:9090', conf['prometheus']['url'])
        self.assertEqual(
            ['disk_used_percent>90:warning'], conf['prometheus']['thresholds']
        )
        self.assertEqual('scrape-me', conf['metrics']['scrape_token'])
        self.assertFalse(conf['inventory']['listen_notifications'])
        # Nova untouched, no uwsgi; the catalog has the built-in port.
        with open(env['NOVA_CONF']) as f:
            self.assertNotIn('notification_format', f.read())
        self.assertNotIn('write_uwsgi_config', log)
        self.assertIn(
            'get_or_create_endpoint fleet RegionOne http://192.0.2.10:9880',
            log,
        )

    def test_nova_and_prometheus_together(self):
        _tmp, env, _log = self.run_plugin(
            ['key', 'n-api', 'fleet-api', 'fleet-conductor'],
            FLEET_PROMETHEUS_URL='http://192.0.2.20:9090',
        )
        conf = self.load(os.path.join(env['FLEET_CONF_DIR'], 'fleet.conf'))
        self.assertEqual(['nova', 'prometheus'], conf['drivers']['monitoring'])


class TestEveryPhase(PluginTestCase):
    def test_install_to_clean(self):
        tmp, env, log = self.run_plugin(
            ['key', 'n-api', 'n-cpu', 'fleet-api', 'fleet-conductor'],
            script=ALL_PHASES,
        )
        calls = log.splitlines()
        # DevStack installs uwsgi itself (install_apache_uwsgi in
        # stack.sh): the plugin installs fleet with its CLI extra only.
        self.assertIn(f'setup_develop {ROOT} cli', calls)
        self.assertFalse([c for c in calls if c.startswith('pip_install')])
        self.assertIn('recreate_database fleet', calls)
        dbsync = [c for c in calls if c.startswith('fleet-dbsync')]
        self.assertEqual(1, len(dbsync), calls)
        self.assertTrue(dbsync[0].endswith('upgrade'), dbsync)
        run = [c for c in calls if c.startswith('run_process')]
        self.assertEqual(
            ['run_process fleet-conductor', 'run_process fleet-api'],
            [' '.join(c.split()[:2]) for c in run],
        )
        self.assertIn('--ini', run[1])
        self.assertIn('fleet-api-uwsgi.ini', run[1])
        self.assertIn('apache ProxyPass /fleet unix:', log)
        stop = [c for c in calls if c.startswith('stop_process')]
        self.assertEqual(
            ['stop_process fleet-api', 'stop_process fleet-conductor'], stop
        )
        self.assertIn(
            'remove_uwsgi_config '
            f'{env["FLEET_CONF_DIR"]}/fleet-api-uwsgi.ini fleet-api',
            calls,
        )
        # clean removed what configure wrote.
        self.assertFalse(os.path.exists(env['FLEET_CONF_DIR']))


class TestStubsKeepDevStackSignatures(base.TestCase):
    """The stubs fail on a call the real function would not take."""

    def call(self, line):
        tmp = tempfile.mkdtemp()
        self.addCleanup(subprocess.run, ['rm', '-rf', tmp], check=False)
        return subprocess.run(
            ['bash', '-c', f'set -e; source "$STUB_DIR/stubs.sh"; {line}'],
            env={
                'PATH': os.environ['PATH'],
                'STUB_DIR': HERE,
                'STUB_LOG': os.path.join(tmp, 'log'),
            },
            capture_output=True,
            text=True,
            timeout=30,
        )

    def test_wrong_argument_counts_fail(self):
        for line in (
            # The old 4-argument form (no application name) is fine, 2 is
            # not; nor is a WSGI file path.
            'write_uwsgi_config /tmp/x.ini mod:app',
            'write_uwsgi_config /tmp/x.ini /opt/app.wsgi /x',
            'remove_uwsgi_config /tmp/x.ini',
            'remove_uwsgi_config /tmp/x.ini /usr/local/bin/fleet-wsgi',
            'iniset /tmp/x.ini section option',
            'get_or_create_service fleet fleet',
            'get_or_create_service fleet fleet "d" extra',
            'get_or_create_endpoint fleet RegionOne',
            'configure_keystone_authtoken_middleware /tmp/x.ini',
            'create_service_user',
            'trueorfalse True',
            'setup_develop /opt/fleet "[cli]"',
            'run_process fleet-api',
            'wait_for_service 60',
        ):
            result = self.call(line)
            self.assertEqual(97, result.returncode, (line, result.stderr))
            self.assertIn('stub:', result.stderr, line)

    def test_right_calls_pass(self):
        for line in (
            'write_uwsgi_config /tmp/$$.ini mod:app /x "" name',
            'write_uwsgi_config /tmp/$$.ini mod:app /x',
            'get_or_create_endpoint fleet RegionOne http://a http://b',
            'configure_keystone_authtoken_middleware /tmp/$$.ini fleet',
            'setup_develop -bindep /opt/fleet cli',
            'iniset -sudo /tmp/$$.ini s o v',
            'test "$(trueorfalse True NOPE)" = True',
        ):
            result = self.call(line + '; rm -f /tmp/$$.ini')
            self.assertEqual(0, result.returncode, (line, result.stderr))
