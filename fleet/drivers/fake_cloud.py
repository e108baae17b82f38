"""A simulated cloud: hosts and instances in memory.

It stands behind the same driver interfaces as Nova (``fake`` inventory
and compute drivers), so every flow runs on it unchanged: it is the
all-in-one default and the base of scale benchmarks.

It is asynchronous the way Nova is, as seen through its API, so that the
flows meet Nova's races here first:

* a migration request returns at once with the instance's ``task_state``
  set; its migration record appears ``api_delay`` later, runs for
  ``migration_seconds`` and ends ``completed`` (live), ``finished``
  (cold: the instance then waits in VERIFY_RESIZE for a confirmation) or
  ``error`` (no valid host, or a failure drawn with ``failure_rate``);
* an abort, a confirmation and a shelve-offload are accepted at once and
  take effect ``api_delay`` later; until an abort took effect the
  migration is still ``running`` and the instance still ``migrating``;
* instances have Nova's ``vm_state`` (active, paused, stopped, suspended,
  rescued, shelved, shelved_offloaded, error, resized) and ``task_state``,
  and Nova's API status is derived from both; an action is refused (as
  Nova answers 409) in a state Nova refuses it in;
* every change to an instance stamps its ``updated_at`` (to the second,
  as Nova's DATETIME columns keep it), a deleted instance stays listed
  with status DELETED until :meth:`SimulatedCloud.archive_deleted` (as
  ``nova-manage db archive_deleted_rows``), and
  :meth:`SimulatedCloud.list_servers` lists them the way
  ``GET /servers/detail`` does: newest first, paged by ``limit`` (at
  most Nova's default ``[api] max_limit``) and ``marker``, with
  ``changes-since`` returning deleted servers too.

Tests drive time by hand: with ``cloud.manual = True`` nothing happens
until :meth:`SimulatedCloud.advance` moves the cloud's clock.

Usage::

    cloud = fake_cloud.get_cloud()
    cloud.hosts['sim-compute-001']['instances']
    cloud.manual = True
    cloud.start_migration(uuid)
    cloud.advance(1.0)          # the record appears, the migration runs
"""

import copy
import heapq
import itertools
import random
import threading

from oslo_config import cfg
from oslo_utils import timeutils
from oslo_utils import uuidutils

from fleet.common import exception

CONF = cfg.CONF

_cloud = None
_cloud_lock = threading.Lock()

LIVE = 'live-migration'
COLD = 'migration'

#: Nova's API status of (vm_state, task_state), as nova.api.openstack.common
#: maps them (the subset fleet meets).
_STATUS = {
    'active': {
        None: 'ACTIVE',
        'migrating': 'MIGRATING',
        'resize_prep': 'RESIZE',
        'resize_migrating': 'RESIZE',
        'resize_finish': 'RESIZE',
        'image_snapshot': 'ACTIVE',
        'rebooting': 'REBOOT',
    },
    'paused': {None: 'PAUSED', 'migrating': 'MIGRATING'},
    'stopped': {
        None: 'SHUTOFF',
        'resize_prep': 'RESIZE',
        'resize_migrating': 'RESIZE',
        'resize_finish': 'RESIZE',
    },
    'resized': {None: 'VERIFY_RESIZE'},
    'suspended': {None: 'SUSPENDED'},
    'rescued': {None: 'RESCUE'},
    'shelved': {None: 'SHELVED'},
    'shelved_offloaded': {None: 'SHELVED_OFFLOADED'},
    'error': {None: 'ERROR'},
}
#: vm_state of a status given in ``[fake_cloud] instance_states``.
VM_STATES = {
    status[None]: vm_state
    for vm_state, status in _STATUS.items()
    if vm_state != 'resized'
}
#: vm_states Nova accepts each action in (nova.compute.api
#: check_instance_state), always with no task in flight.
ALLOWED = {
    LIVE: ('active', 'paused'),
    COLD: ('active', 'stopped'),
    'shelve_offload': ('shelved',),
    'confirm_resize': ('resized',),
}
#: Live migration states an abort is accepted in (microversion >= 2.65).
ABORTABLE = ('queued', 'preparing', 'running')
#: Nova's default [api] max_limit: the most servers a page holds.
MAX_LIMIT = 1000


def _stamp():
    """Now, to the second: what Nova's DATETIME columns keep."""
    return timeutils.utcnow().replace(microsecond=0)


def status_of(inst: dict) -> str:
    """Nova's API status of a simulated instance."""
    if inst['vm_state'] == 'deleted':
        return 'DELETED'
    states = _STATUS.get(inst['vm_state'], {})
    return states.get(inst['task_state'], states.get(None, 'UNKNOWN'))


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
        api_delay=0.0,
        instance_states=('ACTIVE',),
        kernel='5.14.0-427.el9.x86_64',
    ):
        self.lock = threading.RLock()
        self.migration_seconds = migration_seconds
        self.failure_rate = failure_rate
        self.api_delay = api_delay
        # A simulation, not cryptography: repeatable from its seed.
        self.random = random.Random(seed)  # noqa: S311
        self.hosts = {}
        self.instances = {}
        #: Deleted instances Nova still lists with changes-since (until
        #: archive_deleted), by uuid.
        self.deleted = {}
        #: Every listed uuid, live or deleted, oldest first (Nova sorts
        #: servers by created_at then id: creation order), and where each
        #: stands in that list (a marker's position).
        self._order = []
        self._position = {}
        self.projects = ('project-a', 'project-b')
        self.migrations = []
        self.migration_seq = 0
        #: True: time moves only through advance() (tests).
        self.manual = False
        #: The clock of a manual cloud, in seconds.
        self.now = 0.0
        self._due = []
        self._seq = itertools.count()
        states = [VM_STATES.get(s.upper(), 'active') for s in instance_states]
        states = states or ['active']
        #: What each host is (the "fake" facts driver's source), created
        #: on first use for any host name, so that the simulated facts
        #: also serve hosts of a real cloud in tests.
        self.facts = {}
        self.kernel = kernel
        created = _stamp()
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
                vm_state = states[(i - 1) % len(states)]
                self.instances[uuid] = {
                    'uuid': uuid,
                    'name': f'{name}-vm{i}',
                    'host': None if vm_state == 'shelved_offloaded' else name,
                    'vm_state': vm_state,
                    'task_state': None,
                    'vcpus': 1,
                    'memory_mb': 512,
                    'project_id': self.projects[i % len(self.projects)],
                    'created_at': created,
                    'updated_at': created,
                }
                self._listed(uuid)

    # -- time ---------------------------------------------------------------

    def later(self, delay, func, *args):
        """Run ``func(*args)`` ``delay`` seconds from now: at once if the
        delay is 0 (not manual), on a timer thread, or when
        :meth:`advance` reaches it (manual)."""
        with self.lock:
            if self.manual:
                heapq.heappush(
                    self._due, (self.now + delay, next(self._seq), func, args)
                )
                return
        if delay <= 0:
            func(*args)
            return
        timer = threading.Timer(delay, func, args)
        timer.daemon = True
        timer.start()

    def advance(self, seconds=0.0):
        """Move a manual cloud's clock by ``seconds`` and run what is due
        by then, in order (what they schedule too, if due)."""
        with self.lock:
            target = self.now + seconds
            while self._due and self._due[0][0] <= target:
                when, _seq, func, args = heapq.heappop(self._due)
                # What it schedules counts from its own time.
                self.now = max(self.now, when)
                func(*args)
            self.now = target

    def settle(self):
        """Run everything scheduled, however far in the future."""
        with self.lock:
            while self._due:
                self.advance(max(0.0, self._due[0][0] - self.now))

    def _listed(self, uuid):
        self._position[uuid] = len(self._order)
        self._order.append(uuid)

    @staticmethod
    def touch(inst):
        """Stamp a change to ``inst``, as every instance.save() in Nova
        does (call with the lock held)."""
        inst['updated_at'] = _stamp()

    # -- servers: created and deleted as through Nova's API -------------------

    def create_instance(
        self, host, name=None, vm_state='active', vcpus=1, memory_mb=512
    ):
        """A new server on ``host`` (already built): returns its uuid."""
        with self.lock:
            if host not in self.hosts:
                raise exception.ComputeError(
                    reason=f'Compute host {host} could not be found.'
                )
            uuid = uuidutils.generate_uuid()
            now = _stamp()
            self.instances[uuid] = {
                'uuid': uuid,
                'name': name or f'{host}-{uuid[:8]}',
                'host': host,
                'vm_state': vm_state,
                'task_state': None,
                'vcpus': vcpus,
                'memory_mb': memory_mb,
                'project_id': self.projects[0],
                'created_at': now,
                'updated_at': now,
            }
            self._listed(uuid)
            return uuid

    def delete_instance(self, uuid):
        """Delete a server: as Nova's compute manager does, it is saved
        with vm_state ``deleted`` (stamping ``updated_at``), then
        soft-deleted in the database, where ``changes-since`` still finds
        it.

        :raises: InstanceNotFound
        """
        with self.lock:
            inst = self.instances.pop(uuid, None)
            if inst is None:
                raise exception.InstanceNotFound(instance=uuid)
            inst.update(vm_state='deleted', task_state=None)
            inst.pop('migrating_to', None)
            self.touch(inst)
            inst['deleted_at'] = inst['updated_at']
            self.deleted[uuid] = inst

    def archive_deleted(self):
        """Forget deleted servers for good (``nova-manage db
        archive_deleted_rows``): changes-since no longer shows them.

        :returns: how many were archived.
        """
        with self.lock:
            count = len(self.deleted)
            self.deleted = {}
            self._order = [u for u in self._order if u in self.instances]
            self._position = {u: i for i, u in enumerate(self._order)}
            return count

    def server_view(self, inst):
        """An instance as ``GET /servers/detail`` shows it (the keys
        fleet reads, microversion 2.47+ embedded flavor)."""
        return {
            'id': inst['uuid'],
            'name': inst['name'],
            'status': status_of(inst),
            'OS-EXT-STS:vm_state': inst['vm_state'],
            'OS-EXT-STS:task_state': inst['task_state'],
            'OS-EXT-SRV-ATTR:host': inst['host'],
            'tenant_id': inst.get('project_id'),
            'flavor': {
                'original_name': f'm1.{inst["vcpus"]}c{inst["memory_mb"]}',
                'vcpus': inst['vcpus'],
                'ram': inst['memory_mb'],
                'disk': 10,
                'ephemeral': 0,
            },
            'created': inst['created_at'].isoformat() + 'Z',
            'updated': inst['updated_at'].isoformat() + 'Z',
        }

    def list_servers(self, changes_since=None, limit=None, marker=None):
        """``GET /servers/detail?all_tenants=1``, one page, as Nova
        answers it: newest first (created_at desc, id desc); at most
        ``limit`` servers, never more than :data:`MAX_LIMIT`; after the
        server ``marker`` (which may be a deleted one); without
        ``changes_since`` only servers not deleted, with it every server
        whose ``updated_at`` is at or after it, deleted ones included
        (status DELETED).

        :param changes_since: a naive UTC datetime, or None.
        :raises: ComputeError: a marker Nova does not know (its 400).
        """
        limit = MAX_LIMIT if limit is None else min(limit, MAX_LIMIT)
        page = []
        with self.lock:
            if marker is None:
                index = len(self._order) - 1
            else:
                if marker not in self._position:
                    raise exception.ComputeError(
                        reason=f'marker [{marker}] not found'
                    )
                index = self._position[marker] - 1
            while index >= 0 and len(page) < limit:
                uuid = self._order[index]
                index -= 1
                inst = self.instances.get(uuid)
                if inst is None:
                    if changes_since is None:
                        continue
                    inst = self.deleted.get(uuid)
                    if inst is None:
                        continue
                if (
                    changes_since is not None
                    and inst['updated_at'] < changes_since
                ):
                    continue
                page.append(self.server_view(inst))
        return page

    # -- reads ----------------------------------------------------------------

    def view(self, inst):
        """An instance as the API shows it (a copy, with its status)."""
        return dict(inst, status=status_of(inst))

    def instances_on(self, host):
        with self.lock:
            return [
                self.view(i)
                for i in self.instances.values()
                if i['host'] == host
            ]

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

    def latest_migration(self, uuid, kind):
        with self.lock:
            found = [
                m
                for m in self.migrations
                if m['instance_uuid'] == uuid and m['migration_type'] == kind
            ]
            return dict(found[-1]) if found else None

    # -- actions: each checks what Nova's API checks, then acts later --------

    def _instance(self, uuid):
        try:
            return self.instances[uuid]
        except KeyError as e:
            raise exception.InstanceNotFound(instance=uuid) from e

    def _check_state(self, inst, action):
        if inst['task_state'] is not None or (
            inst['vm_state'] not in ALLOWED[action]
        ):
            raise exception.ComputeConflict(
                reason=f'Cannot \'{action}\' instance {inst["uuid"]} while '
                f'it is in vm_state {inst["vm_state"]}, task_state '
                f'{inst["task_state"]}'
            )

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

    def start_migration(self, uuid, target_host=None, kind=LIVE):
        """Accept a migration of instance ``uuid``, as Nova's API does:
        the task state is set now, the record appears ``api_delay`` later
        (with no valid destination it ends ``error`` then, as Nova's does
        when its scheduler finds no host).

        :raises: InstanceNotFound, ComputeConflict
        """
        with self.lock:
            inst = self._instance(uuid)
            self._check_state(inst, kind)
            if target_host is not None and target_host not in self.hosts:
                raise exception.ComputeError(
                    reason=f'Compute host {target_host} could not be found.'
                )
            inst['task_state'] = 'migrating' if kind == LIVE else 'resize_prep'
            self.touch(inst)
        self.later(
            self.api_delay, self._create_record, uuid, target_host, kind
        )

    def _create_record(self, uuid, target_host, kind):
        with self.lock:
            inst = self.instances.get(uuid)
            if inst is None:
                return
            self.migration_seq += 1
            dest = self._pick_destination(inst, target_host)
            migration = {
                'id': self.migration_seq,
                'instance_uuid': uuid,
                'migration_type': kind,
                'source': inst['host'],
                'dest': dest,
                'status': 'error',
                'created_at': timeutils.utcnow().isoformat(),
            }
            self.migrations.append(migration)
            if dest is None:
                inst['task_state'] = None
                self.touch(inst)
                return
            migration['status'] = 'running' if kind == LIVE else 'migrating'
            if kind == COLD:
                inst['task_state'] = 'resize_migrating'
                self.touch(inst)
            inst['migrating_to'] = dest
            fail = self.random.random() < self.failure_rate
        self.later(
            self.migration_seconds, self._finish_migration, migration, fail
        )

    def _finish_migration(self, migration, fail):
        with self.lock:
            if migration['status'] not in ('running', 'migrating'):
                return
            if migration.get('aborting'):
                return  # the abort wins; it ends the migration
            inst = self.instances.get(migration['instance_uuid'])
            if inst is None:
                return
            inst.pop('migrating_to', None)
            inst['task_state'] = None
            self.touch(inst)
            if fail:
                migration['status'] = 'error'
                return
            inst['host'] = migration['dest']
            if migration['migration_type'] == LIVE:
                # vm_state is kept: a paused instance lands paused.
                migration['status'] = 'completed'
            else:
                inst['resized_from'] = inst['vm_state']
                inst['vm_state'] = 'resized'
                migration['status'] = 'finished'

    def abort_migration(self, uuid, migration_id):
        """Accept an abort of a live migration; it takes effect
        ``api_delay`` later (the migration then ends ``cancelled`` and
        the instance stays on its source).

        :raises: MigrationNotFound, ComputeConflict (a cold migration, or
            one no longer abortable: Nova's 400/409)
        """
        with self.lock:
            inst = self._instance(uuid)
            found = [
                m
                for m in self.migrations
                if m['id'] == migration_id and m['instance_uuid'] == uuid
            ]
            if not found:
                raise exception.MigrationNotFound(
                    migration=migration_id, instance=uuid
                )
            migration = found[0]
            if (
                migration['migration_type'] != LIVE
                or inst['task_state'] != 'migrating'
                or migration['status'] not in ABORTABLE
            ):
                raise exception.ComputeConflict(
                    reason=f'Migration {migration_id} of instance {uuid} '
                    f'is {migration["migration_type"]} in state '
                    f'{migration["status"]}; it cannot be aborted'
                )
            migration['aborting'] = True
        self.later(self.api_delay, self._finish_abort, migration)

    def _finish_abort(self, migration):
        with self.lock:
            if migration['status'] not in ABORTABLE:
                return
            migration['status'] = 'cancelled'
            inst = self.instances.get(migration['instance_uuid'])
            if inst is not None:
                inst.pop('migrating_to', None)
                inst['task_state'] = None
                self.touch(inst)

    def confirm_resize(self, uuid):
        """Accept the confirmation of a finished cold migration; the
        instance returns to its former vm_state ``api_delay`` later.

        :raises: InstanceNotFound, ComputeConflict
        """
        with self.lock:
            inst = self._instance(uuid)
            self._check_state(inst, 'confirm_resize')
            finished = [
                m
                for m in self.migrations
                if m['instance_uuid'] == uuid and m['status'] == 'finished'
            ]
            if not finished:
                raise exception.ComputeConflict(
                    reason=f'no finished migration of instance {uuid} '
                    f'to confirm'
                )
            finished[-1]['status'] = 'confirming'
        self.later(self.api_delay, self._confirmed, uuid, finished[-1])

    def _confirmed(self, uuid, migration):
        with self.lock:
            inst = self.instances.get(uuid)
            migration['status'] = 'confirmed'
            if inst is not None and inst['vm_state'] == 'resized':
                inst['vm_state'] = inst.pop('resized_from', 'active')
                self.touch(inst)

    def shelve_offload(self, uuid):
        """Accept a shelve-offload of a shelved instance; it leaves its
        host ``api_delay`` later.

        :raises: InstanceNotFound, ComputeConflict
        """
        with self.lock:
            inst = self._instance(uuid)
            self._check_state(inst, 'shelve_offload')
            inst['task_state'] = 'shelving_offloading'
            self.touch(inst)
        self.later(self.api_delay, self._offloaded, uuid)

    def _offloaded(self, uuid):
        with self.lock:
            inst = self.instances.get(uuid)
            if inst is not None:
                inst.update(
                    host=None, vm_state='shelved_offloaded', task_state=None
                )
                self.touch(inst)

    def start_task(self, uuid, task_state, seconds):
        """A user's action in flight (snapshot, reboot, ...): the task
        state is set for ``seconds`` (tests, demos)."""
        with self.lock:
            inst = self._instance(uuid)
            inst['task_state'] = task_state
            self.touch(inst)
        self.later(seconds, self._end_task, uuid, task_state)

    def _end_task(self, uuid, task_state):
        with self.lock:
            inst = self.instances.get(uuid)
            if inst is not None and inst['task_state'] == task_state:
                inst['task_state'] = None
                self.touch(inst)

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
                c.api_delay,
                c.instance_states,
                c.kernel,
            )
        return _cloud


def reset():
    """Forget the simulated cloud (tests)."""
    global _cloud
    with _cloud_lock:
        _cloud = None
