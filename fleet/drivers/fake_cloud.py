"""A simulated cloud: hosts and instances in memory.

It stands behind the same driver interfaces as Nova (``fake`` inventory
and compute drivers), so every flow runs on it unchanged: it is the
all-in-one default and the base of scale benchmarks.

Usage::

    cloud = fake_cloud.get_cloud()
    cloud.hosts['sim-compute-001']['instances']
"""

import random
import threading

from oslo_config import cfg

CONF = cfg.CONF

_cloud = None
_cloud_lock = threading.Lock()


class SimulatedCloud:
    """Hosts, their nova-compute services and instances, all in memory."""

    def __init__(self, hosts, instances_per_host, migration_seconds=0.0,
                 failure_rate=0.0, seed=0, vcpus=64, memory_mb=262144):
        self.lock = threading.RLock()
        self.migration_seconds = migration_seconds
        self.failure_rate = failure_rate
        self.random = random.Random(seed)
        self.hosts = {}
        self.instances = {}
        for h in range(1, hosts + 1):
            name = f'sim-compute-{h:03d}'
            self.hosts[name] = {
                'name': name,
                'service_id': f'00000000-0000-4000-8000-{h:012d}',
                'status': 'enabled',
                'state': 'up',
                'disabled_reason': None,
                'availability_zone': 'nova',
                'vcpus': vcpus,
                'memory_mb': memory_mb,
            }
            for i in range(1, instances_per_host + 1):
                uuid = f'11111111-0000-4000-8000-{h:06d}{i:06d}'
                self.instances[uuid] = {
                    'uuid': uuid,
                    'name': f'{name}-vm{i}',
                    'host': name,
                    'status': 'ACTIVE',
                    'vcpus': 1,
                    'memory_mb': 512,
                }

    def instances_on(self, host):
        with self.lock:
            return [dict(i) for i in self.instances.values()
                    if i['host'] == host]


def get_cloud():
    """The process-wide simulated cloud, built from ``[fake_cloud]``."""
    global _cloud
    with _cloud_lock:
        if _cloud is None:
            c = CONF.fake_cloud
            _cloud = SimulatedCloud(
                c.hosts, c.instances_per_host, c.migration_seconds,
                c.failure_rate, c.seed, c.vcpus_per_host,
                c.memory_mb_per_host)
        return _cloud


def reset():
    """Forget the simulated cloud (tests)."""
    global _cloud
    with _cloud_lock:
        _cloud = None
