"""``openstack fleet host ...`` end to end: shell, plugin, client, API."""

import datetime
from unittest import mock

from fleet.conductor import rpcapi
from fleet.tests.unit.cli import base


class TestHostCommands(base.CLITestCase):
    def test_list(self):
        self.create_host(name='c1', kind='compute', rack='r1')
        self.create_host(name='s1', kind='switch', rack='r1')
        hosts = self.openstack_json('fleet', 'host', 'list')
        self.assertEqual(['c1', 's1'], [h['Name'] for h in hosts])
        self.assertEqual(
            [
                'UUID',
                'Name',
                'Kind',
                'State',
                'Region',
                'Availability Zone',
                'Rack',
            ],
            list(hosts[0]),
        )
        hosts = self.openstack_json(
            'fleet', 'host', 'list', '--kind', 'switch'
        )
        self.assertEqual(['s1'], [h['Name'] for h in hosts])

    def test_list_long_table(self):
        self.create_host(name='c1', labels={'role': 'gpu'})
        out, _ = self.openstack('fleet', 'host', 'list', '--long')
        self.assertIn('| Labels', out)
        self.assertIn("role='gpu'", out)
        hosts = self.openstack_json('fleet', 'host', 'list', '--long')
        self.assertEqual({'role': 'gpu'}, hosts[0]['Labels'])

    def test_list_pages_limit_marker_sort(self):
        self.config(default_limit=2, group='api')
        made = [self.create_host(name=f'c{i}') for i in range(5)]
        out, _ = self.openstack(
            'fleet', 'host', 'list', '-f', 'value', '-c', 'Name'
        )
        self.assertEqual(['c0', 'c1', 'c2', 'c3', 'c4'], out.split())
        out, _ = self.openstack(
            'fleet', 'host', 'list', '-f', 'value', '-c', 'Name',
            '--limit', '3', '--sort', 'name:desc',
        )  # fmt: skip
        self.assertEqual(['c4', 'c3', 'c2'], out.split())
        out, _ = self.openstack(
            'fleet', 'host', 'list', '-f', 'value', '-c', 'Name',
            '--marker', made[3]['uuid'],
        )  # fmt: skip
        self.assertEqual(['c4'], out.split())

    def test_list_metric_filter_and_sort(self):
        at = datetime.datetime(2026, 11, 30, 18, 0, 0)
        for name, cpu in (('c1', 95.0), ('c2', 50.0), ('c3', None)):
            host = self.create_host(name=name)
            if cpu is not None:
                self.dbapi.set_host_metrics(
                    host['uuid'],
                    {'cpu_used_percent': {'value': cpu, 'sampled_at': at}},
                    'prometheus',
                )
        names = 'fleet', 'host', 'list', '-f', 'value', '-c', 'Name'
        out, _ = self.openstack(
            *names, '--metric-filter', 'cpu_used_percent>90'
        )
        self.assertEqual(['c1'], out.split())
        out, _ = self.openstack(
            *names, '--metric-filter', 'cpu_used_percent:gte:50',
            '--metric-filter', 'cpu_used_percent<=60',
        )  # fmt: skip
        self.assertEqual(['c2'], out.split())
        out, _ = self.openstack(
            *names, '--sort', 'metric:cpu_used_percent:desc'
        )
        self.assertEqual(['c1', 'c2', 'c3'], out.split())
        out, _ = self.openstack(*names, '--sort', 'metric:cpu_used_percent')
        self.assertEqual(['c3', 'c2', 'c1'], out.split())
        # The API's fault, not a traceback.
        _, err = self.openstack(*names, '--metric-filter', 'cpu_util>90', rc=1)
        self.assertIn('Unknown metric', err)
        self.openstack(*names, '--metric-filter', '>90', rc=2)
        self.openstack(*names, '--sort', 'metric:', rc=2)

    def test_create_show(self):
        host = self.openstack_json(
            'fleet', 'host', 'create', 'c9', '--kind', 'storage',
            '--rack', 'r7', '--label', 'a=1', '--label', 'b=x=y',
            '--variable', 'n=3', '--variable', 'name=web',
        )  # fmt: skip
        self.assertEqual('storage', host['kind'])
        self.assertEqual({'a': '1', 'b': 'x=y'}, host['labels'])
        self.assertEqual({'n': 3, 'name': 'web'}, host['variables'])
        self.assertNotIn('links', host)
        shown = self.openstack_json('fleet', 'host', 'show', host['uuid'])
        self.assertEqual(host, shown)
        out, _ = self.openstack(
            'fleet', 'host', 'show', 'c9', '-f', 'value', '-c', 'rack'
        )
        self.assertEqual('r7\n', out)

    def test_set_unset(self):
        self.create_host(name='c1', labels={'keep': '1', 'drop': '2'})
        out, _ = self.openstack(
            'fleet', 'host', 'set', 'c1', '--label', 'new=3',
            '--variable', 'v={"a": 1}', '--owner', 'ops', '--rack', 'r2',
        )  # fmt: skip
        self.assertEqual('', out)
        host = self.openstack_json('fleet', 'host', 'show', 'c1')
        self.assertEqual(
            {'keep': '1', 'drop': '2', 'new': '3'}, host['labels']
        )
        self.assertEqual({'v': {'a': 1}}, host['variables'])
        self.assertEqual(('ops', 'r2'), (host['owner'], host['rack']))
        self.openstack(
            'fleet', 'host', 'unset', 'c1', '--label', 'drop',
            '--label', 'new', '--variable', 'v', '--owner',
        )  # fmt: skip
        host = self.openstack_json('fleet', 'host', 'show', 'c1')
        self.assertEqual({'keep': '1'}, host['labels'])
        self.assertEqual({}, host['variables'])
        self.assertIsNone(host['owner'])

    def test_manage_unmanage(self):
        self.create_host(name='c1')
        self.openstack(
            'fleet', 'host', 'unmanage', 'c1', '--reason', 'RMA 42',
            '--owner', 'dc-ops',
        )  # fmt: skip
        host = self.openstack_json('fleet', 'host', 'show', 'c1')
        self.assertEqual(
            ('unmanaged', 'RMA 42', 'dc-ops'),
            (host['state'], host['state_reason'], host['owner']),
        )
        self.openstack('fleet', 'host', 'manage', 'c1')
        host = self.openstack_json('fleet', 'host', 'show', 'c1')
        self.assertEqual(
            ('active', None), (host['state'], host['state_reason'])
        )

    def test_release(self):
        self.create_host(name='c1')
        with mock.patch.object(rpcapi.ConductorAPI, 'release_host') as cast:
            host = self.openstack_json(
                'fleet', 'host', 'release', 'c1', '--reason', 'stuck run'
            )
        self.assertEqual('unmanaged', host['state'])
        self.assertIn('stuck run', host['state_reason'])
        self.assertIsNone(host['released_execution'])
        cast.assert_called_once_with(mock.ANY, 'c1', 'stuck run')
        _, err = self.openstack(
            '--os-fleet-api-version', '1.4',
            'fleet', 'host', 'release', 'c1', rc=1,
        )  # fmt: skip
        self.assertIn('1.5', err)
        self.assertNotIn('Traceback', err)

    def test_delete(self):
        self.create_host(name='c1')
        self.create_host(name='c2')
        _, err = self.openstack(
            'fleet', 'host', 'delete', 'c1', 'nope', 'c2', rc=1
        )
        self.assertIn('Failed to delete host nope: Host nope could not', err)
        self.assertIn('Failed to delete 1 of 3 hosts.', err)
        self.assertNotIn('Traceback', err)
        self.assertEqual([], self.openstack_json('fleet', 'host', 'list'))

    def test_api_errors_are_one_line(self):
        self.create_host(name='c1')
        _, err = self.openstack('fleet', 'host', 'show', 'nope', rc=1)
        self.assert_one_line_error(
            err, 'Host nope could not be found. (HTTP 404) (Request-ID: req-'
        )
        _, err = self.openstack(
            'fleet', 'host', 'set', 'c1', '--state', 'unmanaged', rc=1
        )
        self.assert_one_line_error(err, 'needs a state_reason', 'HTTP 400')
        _, err = self.openstack('fleet', 'host', 'create', 'bad name!', rc=1)
        self.assert_one_line_error(err, 'Field "name"', 'HTTP 400')

    def test_usage_errors(self):
        self.create_host(name='c1')
        _, err = self.openstack('fleet', 'host', 'set', 'c1', rc=1)
        self.assert_one_line_error(err, 'Nothing to set.')
        _, err = self.openstack('fleet', 'host', 'unset', 'c1', rc=1)
        self.assert_one_line_error(err, 'Nothing to unset.')
        _, err = self.openstack(
            'fleet', 'host', 'set', 'c1', '--label', 'novalue', rc=2
        )
        self.assertIn('expected KEY=VALUE', err)

    def test_unreachable_endpoint(self):
        _, err = self.openstack(
            'fleet', 'host', 'list', endpoint='http://127.0.0.1:9', rc=1
        )
        self.assert_one_line_error(
            err, 'Cannot reach the fleet API at http://127.0.0.1:9'
        )

    def test_api_version_option_and_env(self):
        _, err = self.openstack(
            '--os-fleet-api-version', '1.99', 'fleet', 'host', 'list', rc=1
        )
        self.assert_one_line_error(err, 'Version 1.99 was requested', '406')
        self.openstack(
            '--os-fleet-api-version', '1.0', 'fleet', 'host', 'list'
        )
        self.openstack(
            '--os-fleet-api-version', 'latest', 'fleet', 'host', 'list'
        )
        self.useFixture(
            base.fixtures.EnvironmentVariable('OS_FLEET_API_VERSION', '1.0')
        )
        _, err = self.openstack('fleet', 'execution', 'list', rc=1)
        self.assert_one_line_error(
            err, 'Executions needs fleet API version 1.1', '1.0 was requested'
        )
