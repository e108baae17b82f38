"""Tests of the option listing used by oslo-config-generator."""

import importlib.metadata
import io
import os
import pkgutil

import fixtures
from oslo_config import cfg
from oslo_config import generator
from oslo_middleware import sizelimit

from fleet import conf as fleet_conf
from fleet.conf import opts
from fleet.tests import base

#: Option groups fleet itself declares (other groups belong to libraries).
FLEET_GROUPS = {
    'DEFAULT',
    'alerts',
    'api',
    'audit',
    'auditing',
    'budget',
    'conductor',
    'coordination',
    'drivers',
    'executor',
    'facts',
    'fake_cloud',
    'inventory',
    'jobboard',
    'maintenance',
    'metrics',
    'nova',
    'prometheus',
}
#: Options libraries register in fleet's groups: pycadf (imported by the
#: audit middleware) puts its identifier namespace in [audit], as in
#: every service that uses keystonemiddleware's audit.
LIBRARY_OPTS = {('audit', 'namespace')}


def _group_name(group):
    return getattr(group, 'name', group)


class TestListOpts(base.TestCase):
    def test_every_group_is_listed(self):
        groups = {_group_name(g) for g, _ in opts.list_opts()}
        self.assertEqual(FLEET_GROUPS, groups)

    def test_every_conf_module_is_gathered(self):
        path = os.path.dirname(fleet_conf.__file__)
        modules = {
            m.name
            for m in pkgutil.iter_modules([path])
            if m.name not in ('opts',)
        }
        gathered = {m.__name__.rsplit('.', 1)[1] for m in opts._MODULES}
        self.assertEqual(modules, gathered)

    def test_each_module_has_register_and_list(self):
        for module in opts._MODULES:
            self.assertTrue(callable(module.register_opts), module)
            self.assertIsInstance(module.list_opts(), dict, module)

    def test_no_duplicate_names_in_a_group(self):
        for group, group_opts in opts.list_opts():
            names = [o.dest for o in group_opts]
            self.assertEqual(
                len(names),
                len(set(names)),
                f'[{_group_name(group)}] lists an option twice: {names}',
            )

    def test_listed_opts_are_the_registered_ones(self):
        conf = base.CONF
        for group, group_opts in opts.list_opts():
            name = _group_name(group)
            if name == 'nova':
                # keystoneauth's auth plugin options are registered when
                # the plugin is loaded, not at import.
                continue
            for opt in group_opts:
                section = conf if name == 'DEFAULT' else conf[name]
                self.assertIn(opt.dest, section, f'[{name}] {opt.dest}')

    def test_registered_fleet_opts_are_listed(self):
        listed = {
            (_group_name(g), o.dest)
            for g, group_opts in opts.list_opts()
            for o in group_opts
        }
        conf = base.CONF
        for name in FLEET_GROUPS - {'DEFAULT'}:
            for dest in conf[name]:
                if (name, dest) in LIBRARY_OPTS:
                    continue
                self.assertIn((name, dest), listed)

    def test_every_opt_has_help(self):
        for group, group_opts in opts.list_opts():
            for opt in group_opts:
                self.assertTrue(opt.help, f'{_group_name(group)}.{opt.name}')

    def test_all_opts(self):
        self.assertEqual(
            sum(len(o) for _, o in opts.list_opts()), len(opts.all_opts())
        )


class TestEntryPoints(base.TestCase):
    def entry_point(self, group, name='fleet'):
        points = importlib.metadata.entry_points(group=group, name=name)
        self.assertEqual(1, len(points), f'{group} {name}')
        return list(points)[0].load()

    def test_oslo_config_opts(self):
        list_opts = self.entry_point('oslo.config.opts')
        self.assertIs(opts.list_opts, list_opts)
        groups = {_group_name(g) for g, _ in list_opts()}
        self.assertEqual(FLEET_GROUPS, groups)

    def test_oslo_config_opts_defaults(self):
        update = self.entry_point('oslo.config.opts.defaults')
        conf = base.CONF
        conf.clear_override('connection', group='database')
        update()
        # No database default for the services (they refuse to start
        # without one); fleet's own default of a library option is set.
        self.assertIsNone(conf.database.connection)
        (size,) = [
            o for o in sizelimit.OPTS if o.name == 'max_request_body_size'
        ]
        self.assertEqual(1024 * 1024, size.default)

    def test_generator_renders_the_sample(self):
        conf = cfg.ConfigOpts()
        generator.register_cli_opts(conf)
        conf(['--namespace', 'fleet'])
        out = io.StringIO()
        generator.generate(conf, output_file=out)
        sample = out.getvalue()
        for group, group_opts in opts.list_opts():
            self.assertIn(f'[{_group_name(group)}]', sample)
            for opt in group_opts:
                # An empty list default renders as "#name =".
                self.assertRegex(sample, rf'\n#{opt.dest} =( |\n)')


class TestNovaGroup(base.TestCase):
    def test_auth_plugin_options_stay_in_their_own_conf(self):
        # A NovaAdapter built on a ConfigOpts of its own (the functional
        # tests', a tool's) loads the password plugin there; its required
        # auth_url must not appear in the global CONF, whose next parse
        # would then fail with RequiredOptError.
        from keystoneauth1 import loading as ks_loading

        from fleet.conf import nova as nova_conf

        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'f')
        with open(path, 'w') as f:
            f.write(
                '[nova]\nauth_type = password\n'
                'auth_url = http://keystone:5000/v3\nusername = fleet\n'
                'password = x\nproject_name = service\n'
            )
        own = cfg.ConfigOpts()
        nova_conf.register_opts(own)
        own(['--config-file', path], project='fleet')
        ks_loading.load_auth_from_conf_options(own, 'nova')
        self.assertIn('auth_url', own.nova)
        self.assertNotIn('auth_url', fleet_conf.CONF.nova)
        fleet_conf.CONF([], project='fleet', default_config_files=[])
