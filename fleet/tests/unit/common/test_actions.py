"""The executor action catalog: loading, checking, parameters, rendering,
and a real process that must receive hostile values as inert arguments."""

import json
import os
import sys

import fixtures
import yaml

from fleet.common import actions
from fleet.common import exception
from fleet.drivers.executor import script
from fleet.tests import base

HOST = {'name': 'cmp-1', 'hardware_id': 'hw-9', 'variables': {'rack': 'r7'}}
#: Values a run could send to break out of its argument.
HOSTILE = [
    'a; touch {marker}',
    'two words',
    '$(touch {marker})',
    '`touch {marker}`',
    '-rf',
    '--help',
    "it's \"quoted\"",
    '{{host}}',
    '| tee {marker} &&',
]


class CatalogTestCase(base.TestCase):
    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.config(executor=['noop', 'script', 'ansible'], group='drivers')
        self.config(actions_dir=self.dir, group='executor')

    def write(self, filename, content):
        path = os.path.join(self.dir, filename)
        with open(path, 'w') as f:
            if isinstance(content, str):
                f.write(content)
            else:
                yaml.safe_dump(content, f)
        # A file rewritten within one mtime tick must still be re-read.
        stat = os.stat(path)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        return path

    def catalog(self):
        return actions.get_catalog()


class TestShippedExamples(CatalogTestCase):
    def test_examples_load(self):
        self.config(actions_dir=base.EXAMPLE_ACTIONS, group='executor')
        catalog = self.catalog()
        names = [a.name for a in catalog.list()]
        self.assertEqual({}, catalog.errors)
        for name in ('noop', 'reboot', 'dnf-update', 'restart-service'):
            self.assertIn(name, names)
        reboot = catalog.get('reboot')
        self.assertTrue(os.path.isabs(reboot.definition['playbook']))
        self.assertEqual({'reboot_timeout': 900}, reboot.validate({}))

    def test_examples_without_ansible(self):
        # The default deployment enables only noop: the ansible examples
        # are reported, not silently dropped.
        self.config(executor=['noop'], group='drivers')
        self.config(actions_dir=base.EXAMPLE_ACTIONS, group='executor')
        catalog = self.catalog()
        self.assertEqual(['noop'], [a.name for a in catalog.list()])
        e = self.assertRaises(actions.ActionInvalid, catalog.get, 'reboot')
        self.assertIn('not enabled', str(e))


class TestDefinitions(CatalogTestCase):
    def check_refused(self, definition, fragment, name='bad'):
        self.write('a.yaml', {name: definition})
        catalog = self.catalog()
        self.assertEqual([], catalog.list())
        e = self.assertRaises(actions.ActionInvalid, catalog.get, name)
        self.assertIn(fragment, str(e))
        self.assertEqual(400, e.code)

    def test_parameter_at_start_of_element_needs_separator(self):
        self.check_refused(
            {
                'executor': 'script',
                'command': ['rm', '{path}'],
                'parameters': {
                    'type': 'object',
                    'properties': {'path': {'type': 'string'}},
                },
            },
            'put a "--" element before it',
        )

    def test_program_is_never_templated(self):
        self.check_refused(
            {
                'executor': 'script',
                'command': ['{prog}', '--', 'x'],
                'parameters': {
                    'type': 'object',
                    'properties': {'prog': {'type': 'string'}},
                },
            },
            'program',
        )

    def test_unknown_placeholder(self):
        self.check_refused(
            {'executor': 'script', 'command': 'echo -- {nope}'},
            'placeholder {nope}',
        )

    def test_lone_brace(self):
        self.check_refused(
            {'executor': 'script', 'command': ['echo', 'a{b']}, 'lone'
        )

    def test_script_parameters_are_scalars(self):
        self.check_refused(
            {
                'executor': 'script',
                'command': ['echo', '--', '{items}'],
                'parameters': {
                    'type': 'object',
                    'properties': {'items': {'type': 'array'}},
                },
            },
            'becomes one argument',
        )

    def test_shell_is_not_a_field(self):
        self.check_refused(
            {'executor': 'script', 'command': 'id', 'shell': True}, 'shell'
        )

    def test_fields_of_another_executor(self):
        self.check_refused(
            {'executor': 'script', 'command': 'id', 'playbook': 'x.yml'},
            'do not apply',
        )

    def test_executor_not_enabled(self):
        self.config(executor=['noop'], group='drivers')
        self.check_refused({'executor': 'script', 'command': 'id'}, 'enabled')

    def test_missing_playbook(self):
        self.check_refused(
            {'executor': 'ansible', 'playbook': 'nope.yml'}, 'does not exist'
        )

    def test_bad_name(self):
        self.write('a.yaml', {'Bad Name': {'executor': 'noop'}})
        catalog = self.catalog()
        self.assertEqual([], catalog.list())
        self.assertIn('Bad Name', catalog.errors)

    def test_bad_parameter_schema(self):
        self.check_refused(
            {
                'executor': 'noop',
                'parameters': {'type': 'object', 'properties': 3},
            },
            'no JSON schema',
        )

    def test_same_name_in_two_files(self):
        self.write('a.yaml', {'x': {'executor': 'noop'}})
        self.write('b.yaml', {'x': {'executor': 'noop'}})
        e = self.assertRaises(actions.ActionInvalid, self.catalog().get, 'x')
        self.assertIn('both', str(e))

    def test_unreadable_file_spares_the_others(self):
        self.write('a.yaml', 'x: [unclosed')
        self.write('b.yaml', {'ok': {'executor': 'noop'}})
        catalog = self.catalog()
        self.assertEqual(['ok'], [a.name for a in catalog.list()])
        self.assertEqual(1, len(catalog.errors))

    def test_unknown_action(self):
        self.write('a.yaml', {'ok': {'executor': 'noop'}})
        e = self.assertRaises(
            actions.ActionNotFound, self.catalog().get, 'rm-rf'
        )
        self.assertIn('actions_dir', str(e))
        self.assertIn('ok', str(e))

    def test_missing_directory_is_an_empty_catalog(self):
        self.config(
            actions_dir=os.path.join(self.dir, 'nope'), group='executor'
        )
        self.assertEqual([], self.catalog().list())

    def test_changed_file_is_reread(self):
        self.write('a.yaml', {'one': {'executor': 'noop'}})
        self.assertEqual(['one'], [a.name for a in self.catalog().list()])
        self.write('a.yaml', {'two': {'executor': 'noop'}})
        self.assertEqual(['two'], [a.name for a in self.catalog().list()])
        digest = self.catalog().get('two').definition['digest']
        self.write(
            'a.yaml', {'two': {'executor': 'noop', 'description': 'new'}}
        )
        self.assertNotEqual(
            digest, self.catalog().get('two').definition['digest']
        )


class TestParameters(CatalogTestCase):
    def setUp(self):
        super().setUp()
        self.write(
            'a.yaml',
            {
                'restart': {
                    'executor': 'script',
                    'command': [
                        'systemctl',
                        '--host={var.rack}',
                        'restart',
                        '--',
                        '{unit}',
                        '{host}',
                        '{host.hardware_id}',
                    ],
                    'parameters': {
                        'type': 'object',
                        'properties': {
                            'unit': {'type': 'string', 'maxLength': 40},
                            'now': {'type': 'boolean', 'default': True},
                        },
                    },
                }
            },
        )
        self.action = self.catalog().get('restart')

    def test_only_declared_parameters(self):
        e = self.assertRaises(
            exception.Invalid,
            self.action.validate,
            {'unit': 'x', 'command': 'id'},
        )
        self.assertIn('command', str(e))

    def test_schema_applies(self):
        e = self.assertRaises(
            exception.Invalid, self.action.validate, {'unit': 'x' * 41}
        )
        self.assertIn('unit', str(e))

    def test_template_parameter_without_default_is_required(self):
        e = self.assertRaises(exception.Invalid, self.action.validate, {})
        self.assertIn('unit', str(e))

    def test_defaults_are_filled_in(self):
        self.assertEqual(
            {'unit': 'a', 'now': True}, self.action.validate({'unit': 'a'})
        )

    def test_rendering_is_one_pass(self):
        values = self.action.validate({'unit': '{host} {var.rack}; $(id)'})
        args = actions.driver_arguments(self.action.definition, values, HOST)
        self.assertEqual(
            [
                'systemctl',
                '--host=r7',
                'restart',
                '--',
                '{host} {var.rack}; $(id)',
                'cmp-1',
                'hw-9',
            ],
            args['argv'],
        )

    def test_unknown_host_variable(self):
        values = self.action.validate({'unit': 'a'})
        self.assertRaises(
            exception.InvalidParameterValue,
            actions.driver_arguments,
            self.action.definition,
            values,
            dict(HOST, variables={}),
        )

    def test_ansible_parameters_are_separate_from_extra_vars(self):
        playbook = self.write('p.yml', '- hosts: all\n  tasks: []\n')
        self.write(
            'b.yaml',
            {
                'patch': {
                    'executor': 'ansible',
                    'playbook': os.path.basename(playbook),
                    'extra_vars': {'fixed': 1},
                    'parameters': {
                        'type': 'object',
                        'properties': {'pkg': {'type': 'string'}},
                    },
                }
            },
        )
        action = self.catalog().get('patch')
        args = actions.driver_arguments(
            action.definition, {'pkg': '{{ lookup("pipe", "id") }}'}, HOST
        )
        self.assertEqual(playbook, args['playbook'])
        self.assertEqual({'fixed': 1}, args['extra_vars'])
        self.assertEqual(
            {'pkg': '{{ lookup("pipe", "id") }}'}, args['parameters']
        )


ARGV_PRINTER = 'import json, sys; print(json.dumps(sys.argv[1:]))'


class TestRealProcess(CatalogTestCase):
    """A catalogued script action run by the real script executor: every
    hostile value arrives as exactly one argument and nothing in it runs."""

    def test_hostile_values_are_inert(self):
        marker = os.path.join(self.dir, 'pwned')
        self.write(
            'a.yaml',
            {
                'show-args': {
                    'executor': 'script',
                    'command': [
                        sys.executable,
                        '-c',
                        ARGV_PRINTER,
                        '--value={value}',
                        '--',
                        '{value}',
                    ],
                    'parameters': {
                        'type': 'object',
                        'properties': {'value': {'type': 'string'}},
                        'required': ['value'],
                    },
                }
            },
        )
        action = self.catalog().get('show-args')
        executor = script.ScriptExecutor()
        for template in HOSTILE:
            value = template.format(marker=marker)
            values = action.validate({'value': value})
            args = actions.driver_arguments(action.definition, values, HOST)
            result = executor.run(HOST, args, timeout=30)
            self.assertTrue(result.ok, result.output)
            self.assertEqual(
                [f'--value={value}', '--', value],
                json.loads(result.output.strip().splitlines()[-1]),
                value,
            )
            self.assertFalse(os.path.exists(marker), value)

    def test_over_ssh_the_remote_line_is_quoted(self):
        # The ssh prefix replaced by a local shell that does what sshd
        # does with its arguments: join them and run them with a shell.
        self.config(ssh_command='sh -c', group='executor')
        marker = os.path.join(self.dir, 'pwned')
        self.write(
            'a.yaml',
            {
                'show-args': {
                    'executor': 'script',
                    'ssh': True,
                    'command': [
                        sys.executable,
                        '-c',
                        ARGV_PRINTER,
                        '--',
                        '{value}',
                    ],
                    'parameters': {
                        'type': 'object',
                        'properties': {'value': {'type': 'string'}},
                    },
                }
            },
        )
        action = self.catalog().get('show-args')
        for template in HOSTILE:
            value = template.format(marker=marker)
            args = actions.driver_arguments(
                action.definition, action.validate({'value': value}), HOST
            )
            result = script.ScriptExecutor().run(HOST, args, timeout=30)
            self.assertTrue(result.ok, result.output)
            self.assertEqual(
                ['--', value], json.loads(result.output.strip()), value
            )
            self.assertFalse(os.path.exists(marker), value)
