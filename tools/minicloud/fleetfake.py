# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Fake virt driver for fleet's minicloud test bed.

Nova imports compute drivers only from the ``nova.virt`` package, so the
``minicloud`` script copies this file to ``nova/virt/fleetfake.py`` in the
minicloud venv and sets::

    [DEFAULT]
    compute_driver = fleetfake.FleetFakeDriver

    [fleetfake]
    migration_seconds = 2.0

On top of nova's ``FakeDriverWithoutFakeNodes`` (node name = ``[DEFAULT]
host``, stable node uuid in ``$state_path/compute_id``) it:

* persists its guests to ``$state_path/fleetfake-guests.json``, so a
  restarted nova-compute process (a simulated host reboot) still reports its
  instances RUNNING, and they can be live-migrated afterwards;
* forgets a guest on the source host once a live migration completes;
* takes ``migration_seconds`` to live-migrate (an instance's metadata key
  ``fleetfake:migration_seconds`` overrides it for that instance), and
  honours abort and force-complete while a migration runs (like nova's
  FakeLiveMigrateDriver);
* advertises a configurable amount of VCPU / MEMORY_MB / DISK_GB;
* reports an uptime (as the libvirt driver does, in the compute node stats),
  so ``GET /os-hypervisors/detail`` neither fails on it nor makes an RPC
  call to every compute.
"""

import json
import os
import threading
import time

from nova.compute import power_state
from nova.virt import fake
from oslo_config import cfg
from oslo_log import log as logging

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

fleetfake_opts = [
    cfg.FloatOpt(
        'migration_seconds',
        default=0.0,
        min=0.0,
        help='How long a simulated live migration takes.',
    ),
    cfg.IntOpt(
        'vcpus',
        default=32,
        min=1,
        help='VCPUs this fake hypervisor advertises.',
    ),
    cfg.IntOpt(
        'memory_mb',
        default=32768,
        min=1,
        help='Memory (MiB) this fake hypervisor advertises.',
    ),
    cfg.IntOpt(
        'local_gb',
        default=500,
        min=1,
        help='Disk (GiB) this fake hypervisor advertises.',
    ),
    cfg.StrOpt(
        'guests_file',
        help='Where guests are persisted; default '
        '$state_path/fleetfake-guests.json.',
    ),
]
CONF.register_opts(fleetfake_opts, group='fleetfake')

GUESTS_FILE = 'fleetfake-guests.json'
#: Server metadata key that overrides migration_seconds for one instance
#: (tests: a migration that takes long, or never ends until aborted).
MIGRATION_SECONDS_KEY = 'fleetfake:migration_seconds'
_STARTED = time.monotonic()


class _Migration:
    """State of one running live migration, shared with abort/complete."""

    def __init__(self):
        self.abort = False
        self.complete = False


class FleetFakeDriver(fake.FakeDriverWithoutFakeNodes):
    """A fake hypervisor that keeps its guests across process restarts."""

    def __init__(self, virtapi, read_only=False):
        # FakeDriver sizes its Resources from these attributes.
        self.vcpus = CONF.fleetfake.vcpus
        self.memory_mb = CONF.fleetfake.memory_mb
        self.local_gb = CONF.fleetfake.local_gb
        super().__init__(virtapi, read_only)
        self._guests_lock = threading.Lock()
        # instance uuid -> {'name', 'state', 'vcpus', 'memory_mb', 'root_gb'}
        self._guests = {}
        self._migrations = {}

    # -- persistence -------------------------------------------------------

    def _guests_path(self):
        return CONF.fleetfake.guests_file or os.path.join(
            CONF.state_path, GUESTS_FILE
        )

    def _load_guests(self):
        path = self._guests_path()
        try:
            with open(path) as f:
                guests = json.load(f)
        except FileNotFoundError:
            return
        except ValueError:
            LOG.error('Ignoring unreadable guests file %s', path)
            return
        for uuid, guest in guests.items():
            self._guests[uuid] = guest
            self.instances[uuid] = fake.FakeInstance(
                guest['name'], guest['state'], uuid
            )
            self.resources.claim(
                vcpus=guest['vcpus'],
                mem=guest['memory_mb'],
                disk=guest['root_gb'],
            )
        LOG.info('Restored %d guest(s) from %s', len(guests), path)

    def _save(self):
        """Write the guests this hypervisor runs, atomically."""
        with self._guests_lock:
            guests = {}
            for uuid, inst in self.instances.items():
                known = self._guests.get(uuid, {})
                guests[uuid] = {
                    'name': inst.name,
                    'state': inst.state,
                    'vcpus': known.get('vcpus', 0),
                    'memory_mb': known.get('memory_mb', 0),
                    'root_gb': known.get('root_gb', 0),
                }
            self._guests = guests
            path = self._guests_path()
            tmp = path + '.tmp'
            with open(tmp, 'w') as f:
                json.dump(guests, f, indent=1, sort_keys=True)
            os.replace(tmp, path)

    def _remember_flavor(self, instance):
        flavor = instance.flavor
        self._guests[instance.uuid] = {
            'vcpus': flavor.vcpus,
            'memory_mb': flavor.memory_mb,
            'root_gb': flavor.root_gb,
        }

    # -- host --------------------------------------------------------------

    def get_host_uptime(self):
        """What ``uptime`` prints, with the process lifetime as the host's."""
        minutes = int((time.monotonic() - _STARTED) // 60)
        try:
            with open('/proc/loadavg') as f:
                load = ', '.join(f.read().split()[:3])
        except OSError:
            load = '0.00, 0.00, 0.00'
        return ' %s up %d:%02d,  0 users,  load average: %s' % (
            time.strftime('%H:%M:%S'),
            minutes // 60,
            minutes % 60,
            load,
        )

    def get_available_resource(self, nodename):
        resources = super().get_available_resource(nodename)
        if resources:
            resources['stats'] = {'uptime': self.get_host_uptime()}
        return resources

    # -- lifecycle ---------------------------------------------------------

    def init_host(self, host):
        super().init_host(host)
        self._load_guests()

    def spawn(
        self,
        context,
        instance,
        image_meta,
        injected_files,
        admin_password,
        allocations,
        network_info=None,
        block_device_info=None,
        power_on=True,
        accel_info=None,
    ):
        super().spawn(
            context,
            instance,
            image_meta,
            injected_files,
            admin_password,
            allocations,
            network_info=network_info,
            block_device_info=block_device_info,
            power_on=power_on,
            accel_info=accel_info,
        )
        self._remember_flavor(instance)
        self._save()

    def destroy(
        self,
        context,
        instance,
        network_info,
        block_device_info=None,
        destroy_disks=True,
        destroy_secrets=True,
    ):
        super().destroy(
            context,
            instance,
            network_info,
            block_device_info=block_device_info,
            destroy_disks=destroy_disks,
            destroy_secrets=destroy_secrets,
        )
        self._save()

    def power_off(self, instance, timeout=0, retry_interval=0):
        super().power_off(
            instance, timeout=timeout, retry_interval=retry_interval
        )
        self._save()

    def power_on(
        self,
        context,
        instance,
        network_info,
        block_device_info=None,
        accel_info=None,
        share_info=None,
    ):
        super().power_on(
            context,
            instance,
            network_info,
            block_device_info=block_device_info,
            accel_info=accel_info,
            share_info=share_info,
        )
        self._save()

    def unrescue(self, context, instance):
        super().unrescue(context, instance)
        self._save()

    def finish_revert_migration(
        self,
        context,
        instance,
        network_info,
        migration,
        block_device_info=None,
        power_on=True,
    ):
        super().finish_revert_migration(
            context,
            instance,
            network_info,
            migration,
            block_device_info=block_device_info,
            power_on=power_on,
        )
        self._remember_flavor(instance)
        self._save()

    def resume_state_on_host_boot(
        self,
        context,
        instance,
        network_info,
        share_info,
        block_device_info=None,
    ):
        # A rebooted host brings back the guests it ran.
        if instance.uuid in self.instances:
            self.instances[instance.uuid].state = power_state.RUNNING
            self._save()

    # -- live migration ----------------------------------------------------

    def live_migration(
        self,
        context,
        instance,
        dest,
        post_method,
        recover_method,
        block_migration=False,
        migrate_data=None,
    ):
        migration = _Migration()
        self._migrations[instance.uuid] = migration
        seconds = self._migration_seconds(instance)
        deadline = time.monotonic() + seconds
        LOG.info(
            'Live-migrating to %s for %.1fs', dest, seconds, instance=instance
        )
        try:
            while (
                not migration.abort
                and not migration.complete
                and time.monotonic() < deadline
            ):
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        finally:
            self._migrations.pop(instance.uuid, None)
        if migration.abort:
            LOG.info('Live migration aborted', instance=instance)
            recover_method(
                context,
                instance,
                dest,
                migrate_data,
                migration_status='cancelled',
            )
        else:
            post_method(context, instance, dest, block_migration, migrate_data)

    @staticmethod
    def _migration_seconds(instance):
        """``migration_seconds``, or the instance's own from its metadata
        key ``fleetfake:migration_seconds``."""
        try:
            value = (instance.metadata or {}).get(MIGRATION_SECONDS_KEY)
            if value is not None:
                return max(0.0, float(value))
        except Exception:  # noqa: BLE001 - a test bed: fall back
            LOG.warning('Unreadable %s', MIGRATION_SECONDS_KEY)
        return CONF.fleetfake.migration_seconds

    def finish_migration(
        self,
        context,
        migration,
        instance,
        disk_info,
        network_info,
        image_meta,
        resize_instance,
        allocations,
        block_device_info=None,
        power_on=True,
    ):
        # A cold-migrated guest is persisted on its new host like a new one.
        super().finish_migration(
            context,
            migration,
            instance,
            disk_info,
            network_info,
            image_meta,
            resize_instance,
            allocations,
            block_device_info=block_device_info,
            power_on=power_on,
        )
        self._remember_flavor(instance)
        self._save()

    def live_migration_force_complete(self, instance):
        migration = self._migrations.get(instance.uuid)
        if migration is not None:
            migration.complete = True

    def live_migration_abort(self, instance):
        migration = self._migrations.get(instance.uuid)
        if migration is not None:
            migration.abort = True

    def post_live_migration(
        self, context, instance, block_device_info, migrate_data=None
    ):
        # Runs on the source once the guest runs on the destination: the
        # source must forget it (and cleanup() insists it is gone).
        self.destroy(
            context,
            instance,
            network_info=None,
            block_device_info=block_device_info,
        )

    def post_live_migration_at_destination(
        self,
        context,
        instance,
        network_info,
        block_migration=False,
        block_device_info=None,
    ):
        # FakeDriver spawns the guest here, which persists it.
        super().post_live_migration_at_destination(
            context,
            instance,
            network_info,
            block_migration=block_migration,
            block_device_info=block_device_info,
        )
