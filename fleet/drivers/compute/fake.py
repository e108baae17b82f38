"""Compute driver of the simulated cloud (:mod:`fleet.drivers.fake_cloud`).

It answers as :class:`fleet.drivers.compute.nova.NovaCompute` does, so a
maintenance flow runs unchanged on it: requests return at once and take
effect ``[fake_cloud] api_delay`` later, migrations take
``[fake_cloud] migration_seconds``, fail with ``[fake_cloud] failure_rate``
(drawn from a generator seeded with ``[fake_cloud] seed``), never land on a
disabled or down compute service, and are refused (ComputeConflict) in the
instance states Nova refuses them in.

Usage::

    compute = factory.get_compute()          # [drivers] compute = fake
    compute.disable_service('sim-compute-001', 'fleet: run ...')
    compute.live_migrate(instance_uuid)
"""

from oslo_utils import timeutils

from fleet.common import exception
from fleet.drivers import base
from fleet.drivers import fake_cloud

_INSTANCE_KEYS = (
    'uuid',
    'name',
    'status',
    'vm_state',
    'host',
    'task_state',
    'vcpus',
    'memory_mb',
)


def _service(host: dict) -> dict:
    # A running simulated compute heartbeats continuously: its last
    # heartbeat is now. One that is down, or whose service was stopped
    # (``heartbeat_stopped``: Nova still says "up" for service_down_time),
    # keeps the time of its last heartbeat (``heartbeat_at``, or None).
    if host['state'] == 'down' or host.get('heartbeat_stopped'):
        updated_at = host.get('heartbeat_at')
    else:
        updated_at = timeutils.utcnow().isoformat()
    return {
        'id': host['service_id'],
        'host': host['name'],
        'status': host['status'],
        'state': host['state'],
        'disabled_reason': host['disabled_reason'],
        'updated_at': updated_at,
    }


def _migration(record: dict | None) -> dict | None:
    if record is None:
        return None
    return {
        'id': record['id'],
        'instance_uuid': record['instance_uuid'],
        'status': record['status'],
        'source': record['source'],
        'dest': record['dest'],
        'created_at': record['created_at'],
        'migration_type': record['migration_type'],
    }


class FakeCompute(base.ComputeDriver):
    """:class:`~fleet.drivers.base.ComputeDriver` on the simulated cloud."""

    @property
    def cloud(self) -> fake_cloud.SimulatedCloud:
        # Looked up on each call: tests reset the cloud between cases.
        return fake_cloud.get_cloud()

    def _host(self, host: str) -> dict:
        try:
            return self.cloud.hosts[host]
        except KeyError as e:
            raise exception.HostNotFound(host=host) from e

    def _instance(self, uuid: str) -> dict:
        try:
            return self.cloud.instances[uuid]
        except KeyError as e:
            raise exception.InstanceNotFound(instance=uuid) from e

    def get_service(self, host: str) -> dict:
        with self.cloud.lock:
            return _service(self._host(host))

    def disable_service(self, host: str, reason: str) -> dict:
        with self.cloud.lock:
            record = self._host(host)
            record['status'] = 'disabled'
            record['disabled_reason'] = reason
            return _service(record)

    def enable_service(self, host: str) -> dict:
        with self.cloud.lock:
            record = self._host(host)
            record['status'] = 'enabled'
            record['disabled_reason'] = None
            return _service(record)

    def list_services(self) -> list[dict]:
        with self.cloud.lock:
            return [_service(h) for h in self.cloud.hosts.values()]

    def list_instances(self, host: str) -> list[dict]:
        self._host(host)
        return [
            {k: i.get(k) for k in _INSTANCE_KEYS}
            for i in self.cloud.instances_on(host)
        ]

    def get_instance(self, uuid: str) -> dict:
        with self.cloud.lock:
            inst = self.cloud.view(self._instance(uuid))
            return {k: inst.get(k) for k in _INSTANCE_KEYS}

    def live_migrate(self, uuid: str, target_host: str | None = None) -> None:
        self.cloud.start_migration(uuid, target_host, fake_cloud.LIVE)

    def cold_migrate(self, uuid: str, target_host: str | None = None) -> None:
        self.cloud.start_migration(uuid, target_host, fake_cloud.COLD)

    def confirm_migration(self, uuid: str) -> None:
        self.cloud.confirm_resize(uuid)

    def shelve_offload(self, uuid: str) -> None:
        self.cloud.shelve_offload(uuid)

    def get_latest_migration(
        self, uuid: str, migration_type: str = 'live-migration'
    ) -> dict | None:
        with self.cloud.lock:
            self._instance(uuid)
        return _migration(self.cloud.latest_migration(uuid, migration_type))

    def abort_migration(self, uuid: str, migration_id) -> None:
        self.cloud.abort_migration(uuid, int(migration_id))

    def get_host_capacity(self, host: str) -> dict:
        with self.cloud.lock:
            record = self._host(host)
            vcpus_used, memory_used = self.cloud.used(host)
            return {
                'vcpus': record['vcpus'],
                'vcpus_used': vcpus_used,
                'memory_mb': record['memory_mb'],
                'memory_mb_used': memory_used,
            }
