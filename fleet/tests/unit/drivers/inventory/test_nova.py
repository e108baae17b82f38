"""The nova inventory driver's paged, incremental server listing."""

import datetime
from unittest import mock

from fleet.drivers.inventory import nova as nova_inventory
from fleet.tests import base


def server(uuid, status='ACTIVE', host='cmp-1'):
    return {
        'id': uuid,
        'name': f'vm-{uuid}',
        'status': status,
        'OS-EXT-STS:task_state': None,
        'OS-EXT-SRV-ATTR:host': host,
        'tenant_id': 'p1',
        'flavor': {'original_name': 'm1', 'vcpus': 2, 'ram': 1024},
    }


class TestListInstances(base.TestCase):
    def setUp(self):
        super().setUp()
        self.adapter = mock.Mock()
        self.adapter.list_server_groups.return_value = [
            {'id': 'g1', 'policy': 'anti-affinity', 'members': ['b']}
        ]
        patcher = mock.patch.object(
            nova_inventory.nova, 'get_adapter', return_value=self.adapter
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        self.driver = nova_inventory.NovaInventory()

    def test_pages_until_an_empty_page(self):
        # Nova capped the first page at 2 though 3 were asked.
        self.adapter.list_servers_page.side_effect = [
            [server('a'), server('b')],
            [server('c', status='DELETED'), server('d', 'SOFT_DELETED')],
            [],
        ]
        since = datetime.datetime(2026, 11, 30, 12, 0)
        pages = list(
            self.driver.list_instances(changes_since=since, page_size=3)
        )
        self.assertEqual(
            [
                mock.call(changes_since=since, limit=3, marker=None),
                mock.call(changes_since=since, limit=3, marker='b'),
                mock.call(changes_since=since, limit=3, marker='d'),
            ],
            self.adapter.list_servers_page.call_args_list,
        )
        flat = [i for p in pages for i in p]
        self.assertEqual(
            [('a', False), ('b', False), ('c', True), ('d', True)],
            [(i['uuid'], i['deleted']) for i in flat],
        )
        self.assertEqual(
            ('g1', 'anti-affinity'),
            (flat[1]['server_group'], flat[1]['server_group_policy']),
        )
        self.assertEqual(
            ('cmp-1', 2, 1024),
            (flat[0]['host'], flat[0]['vcpus'], flat[0]['memory_mb']),
        )

    def test_a_failing_page_raises(self):
        from fleet.common import exception

        self.adapter.list_servers_page.side_effect = [
            [server('a')],
            exception.ComputeError(reason='boom'),
        ]
        pages = self.driver.list_instances()
        self.assertEqual(1, len(next(pages)))
        self.assertRaises(exception.ComputeError, next, pages)

    def test_brief_hosts_skip_placement_and_aggregates(self):
        self.adapter.list_services.return_value = [
            {'host': 'cmp-1', 'id': 7, 'state': 'up', 'status': 'enabled'}
        ]
        hosts = self.driver.list_hosts_brief()
        self.assertEqual(['cmp-1'], [h['name'] for h in hosts])
        self.assertNotIn('aggregates', hosts[0]['facts'])
        self.adapter.list_hypervisors.assert_not_called()
        self.adapter.get_provider_usage.assert_not_called()
        self.adapter.list_aggregates.assert_not_called()
