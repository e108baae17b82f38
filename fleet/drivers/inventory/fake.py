"""Inventory of the simulated cloud (see fleet.drivers.fake_cloud)."""

from fleet.drivers import base
from fleet.drivers import fake_cloud


class FakeInventory(base.InventoryDriver):
    def list_hosts(self):
        cloud = fake_cloud.get_cloud()
        with cloud.lock:
            return [{
                'name': h['name'],
                'kind': 'compute',
                'region': 'RegionOne',
                'availability_zone': h['availability_zone'],
                'nova_service_id': h['service_id'],
                'nova_service_state': h['state'],
                'nova_service_status': h['status'],
                'nova_disabled_reason': h['disabled_reason'],
                'facts': {'vcpus': h['vcpus'],
                          'memory_mb': h['memory_mb']},
            } for h in cloud.hosts.values()]
