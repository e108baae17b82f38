"""Inventory of the simulated cloud (see fleet.drivers.fake_cloud)."""

from fleet.drivers import base
from fleet.drivers import fake_cloud

#: Disk of a simulated host and of a simulated instance (GiB).
HOST_DISK_GB = 2048
INSTANCE_DISK_GB = 10


class FakeInventory(base.InventoryDriver):
    reports_instances = True

    def list_hosts(self):
        cloud = fake_cloud.get_cloud()
        with cloud.lock:
            # One pass over the instances: a scale benchmark has 200,000.
            by_host = {}
            for inst in cloud.instances.values():
                by_host.setdefault(inst['host'], []).append(
                    {
                        'uuid': inst['uuid'],
                        'name': inst['name'],
                        'status': fake_cloud.status_of(inst),
                        'task_state': inst['task_state'],
                        'vcpus': inst['vcpus'],
                        'memory_mb': inst['memory_mb'],
                        'disk_gb': INSTANCE_DISK_GB,
                    }
                )
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
                    'instances': by_host.get(h['name'], []),
                }
                for h in cloud.hosts.values()
            ]
