"""Inventory of the simulated cloud (see fleet.drivers.fake_cloud).

It reads the simulated cloud the way the ``nova`` driver reads Nova: the
services, then the servers page by page through
:meth:`~fleet.drivers.fake_cloud.SimulatedCloud.list_servers` (which
pages, filters on changes-since and shows deleted servers as Nova does),
each turned into an instance by the ``nova`` driver's own code.
"""

from fleet.drivers import base
from fleet.drivers import fake_cloud
from fleet.drivers.inventory import nova

#: Disk of a simulated host (GiB).
HOST_DISK_GB = 2048


class FakeInventory(base.InventoryDriver):
    reports_instances = True
    instance_changes = True

    def list_hosts(self):
        cloud = fake_cloud.get_cloud()
        with cloud.lock:
            return [
                {
                    'name': h['name'],
                    'kind': 'compute',
                    'region': 'RegionOne',
                    'availability_zone': h['availability_zone'],
                    'nova_service_id': h['service_id'],
                    'nova_service_state': h['state'],
                    'nova_service_status': h['status'],
                    'nova_disabled_reason': h['disabled_reason'],
                    'facts': {
                        'vcpus': h['vcpus'],
                        'memory_mb': h['memory_mb'],
                        'disk_gb': HOST_DISK_GB,
                    },
                }
                for h in cloud.hosts.values()
            ]

    def list_instances(self, changes_since=None, page_size=1000):
        cloud = fake_cloud.get_cloud()
        marker = None
        while True:
            servers = cloud.list_servers(
                changes_since=changes_since, limit=page_size, marker=marker
            )
            if not servers:
                return
            marker = servers[-1]['id']
            page = []
            for server in servers:
                inst = nova.instance_of(server)
                inst['server_group'] = inst['server_group_policy'] = None
                inst['host'] = server['OS-EXT-SRV-ATTR:host']
                inst['deleted'] = server['status'] in nova.DELETED_STATUSES
                page.append(inst)
            yield page
