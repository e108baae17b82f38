"""``openstack fleet place ...``, ``fleet capacity show`` and ``fleet host
history|variables|replace``, ``host list --label/--variable`` end to end
(API 1.2)."""

from fleet.tests.unit.cli import base


class TestPlaceCommands(base.CLITestCase):
    def test_crud(self):
        rack = self.openstack_json(
            'fleet', 'place', 'create', 'r1', '--kind', 'rack',
            '--label', 'row=a', '--variable', 'ntp=10.0.0.1',
            '--variable', 'mtu=9000', '--description', 'rack one',
        )  # fmt: skip
        self.assertEqual(('rack', 'api'), (rack['kind'], rack['source']))
        self.assertEqual({'ntp': '10.0.0.1', 'mtu': 9000}, rack['variables'])
        az = self.openstack_json(
            'fleet', 'place', 'create', 'az1', '--kind', 'availability_zone'
        )
        rows = self.openstack_json('fleet', 'place', 'list', '--kind', 'rack')
        self.assertEqual(['r1'], [r['Name'] for r in rows])
        rows = self.openstack_json('fleet', 'place', 'list', '--long')
        self.assertEqual(2, len(rows))
        out, _ = self.openstack(
            'fleet', 'place', 'set', 'r1', '--parent', az['uuid'],
            '--variable', 'dns=10.0.0.2', '--unset-variable', 'mtu',
        )  # fmt: skip
        self.assertEqual('', out)
        shown = self.openstack_json('fleet', 'place', 'show', rack['uuid'])
        self.assertEqual(az['uuid'], shown['parent_uuid'])
        self.assertEqual(
            {'ntp': '10.0.0.1', 'dns': '10.0.0.2'}, shown['variables']
        )
        rows = self.openstack_json(
            'fleet', 'place', 'list', '--parent', az['uuid']
        )
        self.assertEqual(['r1'], [r['Name'] for r in rows])
        self.openstack('fleet', 'place', 'delete', 'r1', 'az1')
        self.assertEqual([], self.openstack_json('fleet', 'place', 'list'))

    def test_name_shared_by_kinds(self):
        self.openstack('fleet', 'place', 'create', 'x', '--kind', 'rack')
        self.openstack('fleet', 'place', 'create', 'x', '--kind', 'cell')
        shown = self.openstack_json(
            'fleet', 'place', 'show', 'x', '--kind', 'cell'
        )
        self.assertEqual('cell', shown['kind'])
        self.openstack('fleet', 'place', 'delete', 'x', '--kind', 'rack')
        _, err = self.openstack(
            'fleet', 'place', 'show', 'x', '--kind', 'rack', rc=1
        )
        self.assert_one_line_error(err, 'No rack named x.')

    def test_errors(self):
        _, err = self.openstack('fleet', 'place', 'show', 'nope', rc=1)
        self.assert_one_line_error(err, 'nope', 'HTTP 404')
        _, err = self.openstack('fleet', 'place', 'set', 'nope', rc=1)
        self.assert_one_line_error(err, 'Nothing to set.')
        _, err = self.openstack(
            '--os-fleet-api-version', '1.1', 'fleet', 'place', 'list', rc=1
        )
        self.assert_one_line_error(
            err, 'Places needs fleet API version 1.2', '1.1 was requested'
        )


class TestHostInventoryCommands(base.CLITestCase):
    def setUp(self):
        super().setUp()
        self.create_host(
            name='c1', rack='r1', labels={'gpu': 'yes'},
            variables={'mtu': 1500}, facts={'vcpus': 8, 'memory_mb': 4096,
                                            'disk_gb': 100},
        )  # fmt: skip
        self.create_host(
            name='c2', rack='r1', labels={'gpu': 'no'},
            facts={'vcpus': 8, 'memory_mb': 4096, 'disk_gb': 100},
        )  # fmt: skip

    def test_list_label_variable_filters(self):
        def names(*args):
            rows = self.openstack_json('fleet', 'host', 'list', *args)
            return sorted(r['Name'] for r in rows)

        self.assertEqual(['c1', 'c2'], names('--label', 'gpu'))
        self.assertEqual(['c2'], names('--label', 'gpu=no'))
        self.assertEqual(['c1'], names('--variable', 'mtu'))
        self.assertEqual([], names('--label', 'gpu=no', '--variable', 'mtu'))
        _, err = self.openstack(
            '--os-fleet-api-version', '1.1',
            'fleet', 'host', 'list', '--label', 'gpu', rc=1,
        )  # fmt: skip
        self.assert_one_line_error(
            err, 'needs fleet API version 1.2', '1.1 was requested'
        )

    def test_variables_with_provenance(self):
        self.openstack(
            'fleet', 'place', 'create', 'r1', '--kind', 'rack',
            '--variable', 'mtu=9000', '--variable', 'ntp=10.0.0.1',
        )  # fmt: skip
        rows = self.openstack_json('fleet', 'host', 'variables', 'c1')
        self.assertEqual(
            [
                {'Key': 'mtu', 'Value': 1500, 'Source': 'host'},
                {'Key': 'ntp', 'Value': '10.0.0.1', 'Source': 'rack:r1'},
            ],
            rows,
        )

    def test_history(self):
        self.openstack(
            'fleet', 'host', 'set', 'c1', '--owner', 'ops',
            '--reason', 'swap a fan',
        )  # fmt: skip
        rows = self.openstack_json('fleet', 'host', 'history', 'c1')
        self.assertGreaterEqual(len(rows), 1)
        self.assertIn('swap a fan', [r['Reason'] for r in rows])
        rows = self.openstack_json(
            'fleet', 'host', 'history', 'c1', '--limit', '1', '--long'
        )
        self.assertEqual(1, len(rows))
        self.assertIn('Request ID', rows[0])
        out, _ = self.openstack('fleet', 'host', 'history', 'c1')
        self.assertIn('owner', out)

    def test_replace(self):
        self.create_host(name='c3')
        result = self.openstack_json(
            'fleet', 'host', 'replace', 'c1', 'c3', '--reason', 'bad board',
            '--retire',
        )  # fmt: skip
        self.assertEqual(('c1', 'retired', 'c3'), (
            result['replaced'], result['replaced_state'],
            result['replacement'],
        ))  # fmt: skip
        self.assertIn('rack', result['cloned'])
        host = self.openstack_json('fleet', 'host', 'show', 'c3')
        self.assertEqual(
            ('r1', {'gpu': 'yes'}), (host['rack'], host['labels'])
        )

    def test_show_lists_instances(self):
        host = self.openstack_json('fleet', 'host', 'show', 'c1')
        self.assertEqual([], host['instances'])
        host = self.openstack_json(
            '--os-fleet-api-version', '1.1', 'fleet', 'host', 'show', 'c1'
        )
        self.assertNotIn('instances', host)

    def test_capacity(self):
        view = self.openstack_json('fleet', 'capacity', 'show')
        self.assertEqual(2, view['total']['hosts'])
        self.assertEqual(16, view['total']['total']['vcpus'])
        self.assertNotIn('what_if', view)
        view = self.openstack_json(
            'fleet', 'capacity', 'show', '--without', 'c1'
        )
        self.assertTrue(view['what_if']['fits'])
        self.assertEqual(['c1'], view['what_if']['without'])
        out, _ = self.openstack(
            'fleet', 'capacity', 'show', '--without', 'c1,c2'
        )
        self.assertIn('without c1, c2: fits', out)
        self.assertIn('c1: vcpus 0/8 (free 8)', out)
        self.openstack('fleet', 'host', 'set', 'c2', '--state', 'retired')
        out, _ = self.openstack('fleet', 'capacity', 'show')
        self.assertIn('held by fleet (retired)', out)
        _, err = self.openstack(
            'fleet', 'capacity', 'show', '--without', 'nope', rc=1
        )
        self.assert_one_line_error(err, 'nope', 'HTTP 400')
