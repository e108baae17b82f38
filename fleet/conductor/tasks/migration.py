"""Per-instance tasks: move one instance off the host and check it landed.

Each instance gets a subflow ``LiveMigrateInstance`` -> ``WaitForMigration``
under an :class:`InstanceMigrationRetry`, which applies the run's
``on_instance_failure`` policy: ``retries`` more live-migration attempts,
then ``then``:

* ``abort`` (default): the whole run reverts; the instance stays where it
  is, ACTIVE.
* ``skip``: the instance is left on the host and the run goes on.
* ``cold_migrate``: one last attempt as a cold migration (confirmed).

Both tasks are idempotent, so a run resumed after a conductor died never
migrates an instance twice: an instance already off the host is not
migrated again, and one with a migration in flight is waited for, not
started anew.
"""

import time

from oslo_config import cfg
from oslo_log import log
from taskflow import retry

from fleet.common import exception
from fleet.conductor.tasks import base

CONF = cfg.CONF
LOG = log.getLogger(__name__)

LIVE = 'live-migration'
COLD = 'migration'
#: Migration record states, as Nova reports them.
DONE = {LIVE: ('completed',), COLD: ('finished', 'confirmed', 'completed')}
FAILED = ('error', 'failed', 'cancelled')
#: Instance states in which the migration is over and the instance good.
GOOD = ('ACTIVE',)
#: Seconds a started migration may go without a migration record before it
#: counts as not started (Nova creates it in its conductor, asynchronously).
START_GRACE = 60


def attempts_for(params: dict) -> tuple[int, int]:
    """(live attempts, total attempts) of one instance under ``params``."""
    policy = params.get('on_instance_failure') or {}
    live = int(policy.get('retries', 0)) + 1
    fallback = policy.get('then', 'abort') in ('skip', 'cold_migrate')
    return live, live + (1 if fallback else 0)


class InstanceMigrationRetry(retry.Times):
    """Retries one instance's subflow per the run's policy; a cancelled
    run is never retried."""

    def on_failure(self, history, *args, **kwargs):
        if history.caused_by(base.ExecutionCancelled):
            return retry.REVERT_ALL
        return super().on_failure(history, *args, **kwargs)


class LiveMigrateInstance(base.MaintenanceTask):
    """Start moving one instance off the host (live, or cold as the
    policy's last resort), unless it is already gone or moving."""

    def __init__(self, instance_uuid: str, **kwargs):
        self.instance_uuid = instance_uuid
        super().__init__(name=f'LiveMigrateInstance-{instance_uuid}', **kwargs)

    def execute(
        self,
        execution_uuid: str,
        host_name: str,
        params: dict,
        attempt: int,
    ) -> dict:
        uuid = self.instance_uuid
        live_attempts, _total = attempts_for(params)
        started = {
            'instance_uuid': uuid,
            'source': host_name,
            'attempt': attempt,
            'started': time.time(),
            'type': LIVE,
            'previous_migration_id': None,
        }
        try:
            inst = self.compute.get_instance(uuid)
        except exception.InstanceNotFound:
            self.progress(execution_uuid, 'instances', uuid, state='gone')
            self.event(execution_uuid, f'Instance {uuid} no longer exists.')
            return dict(started, state='gone')
        if inst['host'] != host_name and not inst.get('task_state'):
            # Moved already: by an earlier attempt whose end this
            # conductor did not see, or by someone else.
            self.progress(
                execution_uuid,
                'instances',
                uuid,
                name=inst.get('name'),
                source=host_name,
                destination=inst['host'],
                state='already_moved',
            )
            return dict(started, state='already_moved')
        kind = LIVE
        if attempt > live_attempts:
            then = params['on_instance_failure']['then']
            if then == 'skip':
                self.progress(
                    execution_uuid, 'instances', uuid, state='skipped'
                )
                self.event(
                    execution_uuid,
                    f'Instance {inst.get("name")} ({uuid}) skipped after '
                    f'{live_attempts} failed live migration(s); it stays '
                    f'on {host_name}.',
                    level='warning',
                )
                return dict(started, state='skipped')
            kind = COLD
        latest = self.compute.get_latest_migration(uuid, kind)
        if inst.get('task_state'):
            # In flight (started before a conductor restart): adopt it.
            if latest and latest['status'] not in FAILED + DONE[kind]:
                started['previous_migration_id'] = None
            elif latest:
                started['previous_migration_id'] = latest['id']
            self.event(
                execution_uuid,
                f'Instance {inst.get("name")} ({uuid}) is already '
                f'migrating; waiting for it.',
            )
            return dict(started, type=kind, state='adopted')
        self.check_cancel(execution_uuid)
        started['previous_migration_id'] = latest['id'] if latest else None
        target = params.get('target_host')
        if kind == LIVE:
            self.compute.live_migrate(uuid, target)
        else:
            self.compute.cold_migrate(uuid, target)
        self.progress(
            execution_uuid,
            'instances',
            uuid,
            name=inst.get('name'),
            source=host_name,
            state='migrating',
            attempts=attempt,
            type=kind,
        )
        self.event(
            execution_uuid,
            f'{"Live" if kind == LIVE else "Cold"} migration of '
            f'{inst.get("name")} ({uuid}) started (attempt {attempt}).',
        )
        return dict(started, type=kind, state='started')

    def revert(self, result, execution_uuid: str, *args, **kwargs) -> None:
        # The migration it started is WaitForMigration's to abort; here
        # only the record of the attempt.
        if base.is_failure(result):
            self.progress(
                execution_uuid,
                'instances',
                self.instance_uuid,
                state='failed',
                error=result.exception_str,
            )


class WaitForMigration(base.MaintenanceTask):
    """Wait for one instance's migration and verify it landed: host
    changed, migration completed, instance ACTIVE."""

    def __init__(self, instance_uuid: str, **kwargs):
        self.instance_uuid = instance_uuid
        super().__init__(name=f'WaitForMigration-{instance_uuid}', **kwargs)

    def execute(self, execution_uuid: str, started: dict) -> dict:
        uuid = self.instance_uuid
        if started['state'] in ('gone', 'skipped'):
            return {'instance_uuid': uuid, 'state': started['state']}
        deadline = time.monotonic() + CONF.maintenance.migration_timeout
        start_deadline = time.monotonic() + START_GRACE
        migration = None
        while True:
            if started['state'] != 'already_moved':
                migration = self._current(started)
            inst = self.compute.get_instance(uuid)
            if migration and migration['status'] in FAILED:
                raise base.MigrationFailed(
                    instance=uuid,
                    reason=f'migration {migration["id"]} ended '
                    f'{migration["status"]}; the instance is '
                    f'{inst["status"]} on {inst["host"]}',
                )
            if (
                migration
                and migration['status'] == 'finished'
                and inst['status'] == 'VERIFY_RESIZE'
            ):
                self.compute.confirm_migration(uuid)
            elif (
                started['state'] == 'already_moved'
                and inst['status'] == 'VERIFY_RESIZE'
                and self._unconfirmed(started)
            ):
                # Resumed after a conductor died between the end of this
                # run's cold migration and its confirmation: without it
                # the instance would wait in VERIFY_RESIZE until the
                # timeout fails the run.
                self.compute.confirm_migration(uuid)
            elif self._landed(started, migration, inst):
                return self._done(execution_uuid, started, migration, inst)
            now = time.monotonic()
            if (
                migration is None
                and not inst.get('task_state')
                and (
                    now > start_deadline or started['state'] == 'already_moved'
                )
            ):
                if started['state'] == 'already_moved':
                    if inst['status'] in GOOD:
                        return self._done(execution_uuid, started, None, inst)
                else:
                    raise base.MigrationFailed(
                        instance=uuid,
                        reason='the migration never started (no migration '
                        'record, instance not migrating)',
                    )
            if now > deadline:
                raise base.MigrationFailed(
                    instance=uuid,
                    reason=f'not done after '
                    f'{CONF.maintenance.migration_timeout} s',
                )
            base.sleep(CONF.maintenance.poll_interval)

    def _current(self, started: dict) -> dict | None:
        latest = self.compute.get_latest_migration(
            self.instance_uuid, started['type']
        )
        if latest is None or latest['id'] == started['previous_migration_id']:
            return None
        return latest

    def _unconfirmed(self, started: dict) -> bool:
        """Whether the instance's newest cold migration left the run's
        host and awaits its confirmation (not someone else's resize)."""
        latest = self.compute.get_latest_migration(self.instance_uuid, COLD)
        return (
            latest is not None
            and latest['status'] == 'finished'
            and latest['source'] == started['source']
        )

    @staticmethod
    def _landed(started: dict, migration: dict | None, inst: dict) -> bool:
        return (
            migration is not None
            and migration['status'] in DONE[started['type']]
            and inst['host'] != started['source']
            and inst['status'] in GOOD
            and not inst.get('task_state')
        )

    def _done(self, execution_uuid, started, migration, inst) -> dict:
        seconds = round(time.time() - started['started'], 1)
        state = 'already_moved' if migration is None else 'migrated'
        result = {
            'instance_uuid': self.instance_uuid,
            'state': state,
            'source': started['source'],
            'destination': inst['host'],
            'migration_id': migration['id'] if migration else None,
            'seconds': seconds,
        }
        self.progress(
            execution_uuid,
            'instances',
            self.instance_uuid,
            name=inst.get('name'),
            source=started['source'],
            destination=inst['host'],
            migration_id=result['migration_id'],
            state=state,
            attempts=started['attempt'],
            seconds=seconds,
            type=started['type'],
            left_host=True,
        )
        self.event(
            execution_uuid,
            f'Instance {inst.get("name")} ({self.instance_uuid}) is ACTIVE '
            f'on {inst["host"]}'
            + (
                f' (migration {migration["id"]}, {seconds} s).'
                if migration
                else '.'
            ),
            details=result,
        )
        return result

    def revert(
        self, result, execution_uuid: str, started: dict, *args, **kwargs
    ) -> None:
        if not base.is_failure(result):
            # A finished migration is not undone: the instance is fine
            # where it landed.
            return
        try:
            migration = self._current(started)
            if migration and migration['status'] not in (
                FAILED + DONE[started['type']]
            ):
                # Timed out while still running: stop it so the instance
                # stays, whole, on its source.
                self.compute.abort_migration(
                    self.instance_uuid, migration['id']
                )
        except Exception:
            LOG.exception(
                'Run %s: cannot abort the migration of %s.',
                execution_uuid,
                self.instance_uuid,
            )
        self.progress(
            execution_uuid,
            'instances',
            self.instance_uuid,
            state='failed',
            attempts=started.get('attempt'),
            error=result.exception_str,
        )
        self.event(
            execution_uuid,
            f'Attempt {started.get("attempt")} for instance '
            f'{self.instance_uuid} failed: {result.exception_str}',
            level='warning',
        )


class VerifyHostDrained(base.MaintenanceTask):
    """Check that no instance is left on the host but those the policy
    skipped (e.g. one booted before the service was disabled)."""

    def execute(
        self, execution_uuid: str, host_name: str, params: dict
    ) -> dict:
        self.check_cancel(execution_uuid)
        execution = self.dbapi.get_execution(execution_uuid)
        instances = (execution['progress'] or {}).get('instances') or {}
        skipped = {
            u for u, i in instances.items() if i.get('state') == 'skipped'
        }
        left = [
            i
            for i in self.compute.list_instances(host_name)
            if i['uuid'] not in skipped
        ]
        if left:
            raise base.StepFailed(
                step=self.step_name,
                reason=f'{len(left)} instance(s) not planned by this run are '
                f'on {host_name}: ' + ', '.join(i['uuid'] for i in left[:10]),
            )
        if skipped and params.get('kind') != 'drain':
            raise base.StepFailed(
                step=self.step_name,
                reason=f'{len(skipped)} skipped instance(s) are still on '
                f'{host_name}; it cannot be patched or rebooted',
            )
        self.event(
            execution_uuid,
            f'Host {host_name} is drained'
            + (
                f' ({len(skipped)} skipped instance(s) left).'
                if skipped
                else '.'
            ),
        )
        return {'skipped': sorted(skipped)}

    def revert(self, result, *args, **kwargs) -> None:
        pass  # a check changes nothing
