"""A simulated cloud: hosts and instances in memory.

It stands behind the same driver interfaces as Nova (``fake`` inventory
and compute drivers), so every flow runs on it unchanged: it is the
all-in-one default and the base of scale benchmarks.

Usage::

    cloud = fake_cloud.get_cloud()
    cloud.hosts['sim-compute-001']['instances']
"""

import copy
import random
import threading

from oslo_config import cfg
from oslo_utils import timeutils

CONF = cfg.CONF

_cloud = None
_cloud_lock = threading.Lock()


class SimulatedCloud:
    """Hosts, their nova-compute services and instances, all in memory."""

    def __init__(
        self,
        hosts,
        instances_per_host,
        migration_seconds=0.0,
        failure_rate=0.0,
        seed=0,
        vcpus=64,
        memory_mb=262144,
        kernel='5.14.0-427.el9.x86_64',
    ):
        self.lock = threading.RLock()
        self.migration_seconds = migration_seconds
        self.failure_rate = failure_rate
        # A simulation, not cryptography: repeatable from its seed.
        self.random = random.Random(seed)  # noqa: S311
        self.hosts = {}
        self.instances = {}
        self.migrations = []
        self.migration_seq = 0
        #: What each host is (the "fake" facts driver's source), created
        #: on first use for any host name, so that the simulated facts
        #: also serve hosts of a real cloud in tests.
        self.facts = {}
        self.kernel = kernel
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
                    'task_state': None,
                    'vcpus': 1,
                    'memory_mb': 512,
                }

    def instances_on(self, host):
        with self.lock:
            return [
                dict(i) for i in self.instances.values() if i['host'] == host
            ]

    # Migrations: they behave as Nova's do as seen through its API (the
    # call returns at once; a migration record moves from "running" to
    # "completed" or "error"; a failed one leaves the instance ACTIVE on
    # its source), so the flows cannot tell the simulated cloud from Nova.

    def used(self, host):
        """(vcpus, memory_mb) of the instances on ``host`` (and those
        migrating to it, which already hold resources there)."""
        with self.lock:
            vcpus = memory = 0
            for inst in self.instances.values():
                if host in (inst['host'], inst.get('migrating_to')):
                    vcpus += inst['vcpus']
                    memory += inst['memory_mb']
            return vcpus, memory

    def _pick_destination(self, inst, target_host):
        candidates = [target_host] if target_host else sorted(self.hosts)
        best = None
        for name in candidates:
            host = self.hosts.get(name)
            if (
                host is None
                or name == inst['host']
                or host['status'] != 'enabled'
                or host['state'] != 'up'
            ):
                continue
            vcpus, memory = self.used(name)
            if (
                vcpus + inst['vcpus'] > host['vcpus']
                or memory + inst['memory_mb'] > host['memory_mb']
            ):
                continue
            # Spread, as Nova's default weighers do.
            if best is None or vcpus < best[1]:
                best = (name, vcpus)
        return best[0] if best else None

    def start_migration(self, uuid, target_host=None, kind='live-migration'):
        """Start a migration of instance ``uuid``; returns its record.

        With no valid destination the record ends in ``error`` at once, as
        Nova's does when its scheduler finds no host.
        """
        with self.lock:
            inst = self.instances[uuid]
            self.migration_seq += 1
            dest = self._pick_destination(inst, target_host)
            migration = {
                'id': self.migration_seq,
                'instance_uuid': uuid,
                'migration_type': kind,
                'source': inst['host'],
                'dest': dest,
                'status': 'running' if dest else 'error',
                'created_at': timeutils.utcnow().isoformat(),
            }
            self.migrations.append(migration)
            if dest is None:
                return dict(migration)
            inst['status'] = (
                'MIGRATING' if kind == 'live-migration' else 'RESIZE'
            )
            inst['task_state'] = 'migrating'
            inst['migrating_to'] = dest
            fail = self.random.random() < self.failure_rate
        if self.migration_seconds <= 0:
            self._finish_migration(migration, fail)
        else:
            timer = threading.Timer(
                self.migration_seconds,
                self._finish_migration,
                (migration, fail),
            )
            timer.daemon = True
            timer.start()
        return dict(migration)

    def _finish_migration(self, migration, fail):
        with self.lock:
            if migration['status'] != 'running':
                return  # aborted meanwhile
            inst = self.instances[migration['instance_uuid']]
            inst.pop('migrating_to', None)
            inst['task_state'] = None
            if fail:
                migration['status'] = 'error'
                inst['status'] = 'ACTIVE'
                return
            inst['host'] = migration['dest']
            if migration['migration_type'] == 'live-migration':
                inst['status'] = 'ACTIVE'
                migration['status'] = 'completed'
            else:
                inst['status'] = 'VERIFY_RESIZE'
                migration['status'] = 'finished'

    def abort_migration(self, migration_id):
        with self.lock:
            for migration in self.migrations:
                if (
                    migration['id'] == migration_id
                    and migration['status'] == 'running'
                ):
                    migration['status'] = 'cancelled'
                    inst = self.instances[migration['instance_uuid']]
                    inst.pop('migrating_to', None)
                    inst['task_state'] = None
                    inst['status'] = 'ACTIVE'

    def confirm_resize(self, uuid):
        with self.lock:
            inst = self.instances[uuid]
            if inst['status'] == 'VERIFY_RESIZE':
                inst['status'] = 'ACTIVE'
                for migration in self.migrations:
                    if (
                        migration['instance_uuid'] == uuid
                        and migration['status'] == 'finished'
                    ):
                        migration['status'] = 'confirmed'

    def latest_migration(self, uuid, kind):
        with self.lock:
            found = [
                m
                for m in self.migrations
                if m['instance_uuid'] == uuid and m['migration_type'] == kind
            ]
            return dict(found[-1]) if found else None

    # Facts: what the hosts are. A host's facts change only through the
    # "fake" executor, as a real host's do only through a patch.

    def _default_facts(self):
        kernel = self.kernel
        return {
            'os': {
                'name': 'Rocky Linux',
                'version': '9.4',
                'family': 'RedHat',
            },
            'kernel': kernel,
            'packages': {
                'kernel': kernel.rsplit('.', 1)[0]
                if kernel.endswith('.x86_64')
                else kernel,
                'openssh-server': '8.7p1-38.el9',
                'openstack-nova-compute': '30.0.0-1.el9',
            },
            'services': {
                'nova-compute': {'state': 'running', 'enabled': True},
                'sshd': {'state': 'running', 'enabled': True},
            },
            'config': {'/etc/nova/nova.conf': {'DEFAULT': {'debug': 'false'}}},
        }

    def facts_of(self, host):
        """A copy of the facts of ``host`` (any name)."""
        with self.lock:
            if host not in self.facts:
                self.facts[host] = self._default_facts()
            return copy.deepcopy(self.facts[host])

    def update_facts(self, host, updates):
        """Merge ``updates`` into the facts of ``host`` (mappings are
        merged key by key, anything else replaced)."""

        def merge(into, new):
            for key, value in new.items():
                if isinstance(value, dict) and isinstance(into.get(key), dict):
                    merge(into[key], value)
                else:
                    into[key] = copy.deepcopy(value)

        with self.lock:
            if host not in self.facts:
                self.facts[host] = self._default_facts()
            merge(self.facts[host], updates)
            return copy.deepcopy(self.facts[host])


def get_cloud():
    """The process-wide simulated cloud, built from ``[fake_cloud]``."""
    global _cloud
    with _cloud_lock:
        if _cloud is None:
            c = CONF.fake_cloud
            _cloud = SimulatedCloud(
                c.hosts,
                c.instances_per_host,
                c.migration_seconds,
                c.failure_rate,
                c.seed,
                c.vcpus_per_host,
                c.memory_mb_per_host,
                c.kernel,
            )
        return _cloud


def reset():
    """Forget the simulated cloud (tests)."""
    global _cloud
    with _cloud_lock:
        _cloud = None
