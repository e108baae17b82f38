"""Per-instance tasks: move one instance off the host and check it landed.

What happens to an instance depends on its Nova ``vm_state``, read when
its turn comes: see :mod:`fleet.conductor.tasks.instance_states`.

Each instance gets a subflow ``LiveMigrateInstance`` -> ``WaitForMigration``
under an :class:`InstanceMigrationRetry`, which applies the run's
``on_instance_failure`` policy: ``retries`` more attempts, then ``then``
(``abort``: the run reverts; ``skip``: the instance stays on the host;
``cold_migrate``: one last attempt as a cold migration, for an ACTIVE or
SHUTOFF instance).

Both tasks are idempotent, so a run resumed after a conductor died never
migrates an instance twice: an instance already off the host is not
migrated again, and a migration this very attempt asked for (recorded in
the run's progress *before* Nova is asked) is waited for, not started
anew. Any other action in flight (a user's snapshot or resize, an earlier
attempt's migration still being aborted) is waited for and never adopted.

Waits poll quickly first (:data:`FIRST_POLL`, doubling up to
``[maintenance] poll_interval``) and, when the conductor listens to Nova's
versioned notifications, wake up at once when one about the instance comes
(:mod:`fleet.conductor.waiters`): the end of a migration is seen within a
round trip of Nova's notification, not at the next poll; polling stays the
fallback for a notification that never comes. Each poll checks the run's
cancel request: a cancel
aborts a live migration in flight (Nova cannot abort a cold one: it is
let finish and confirmed, within ``abort_timeout``) and records where
every instance is.
"""

import time

from oslo_config import cfg
from oslo_log import log
from taskflow import retry

from fleet.common import exception
from fleet.common import metrics
from fleet.conductor import inventory
from fleet.conductor import waiters
from fleet.conductor.tasks import base
from fleet.conductor.tasks import instance_states

CONF = cfg.CONF
LOG = log.getLogger(__name__)

LIVE = 'live-migration'
COLD = 'migration'
OFFLOAD = instance_states.OFFLOAD
#: Migration record states, as Nova reports them.
DONE = {LIVE: ('completed',), COLD: ('confirmed', 'completed')}
FAILED = ('error', 'failed', 'cancelled')
#: Task states of fleet's own actions, by kind of move.
OWN_TASKS = {
    LIVE: ('migrating',),
    COLD: (
        'resize_prep',
        'resize_migrating',
        'resize_migrated',
        'resize_finish',
    ),
    OFFLOAD: ('shelving_offloading',),
}
#: Seconds a started migration may go without a migration record before it
#: counts as not started (Nova creates it in its conductor, asynchronously).
START_GRACE = 60
#: First pause between two polls; it doubles up to poll_interval, so a
#: short migration is seen done quickly without polling a long one hard.
FIRST_POLL = 0.25

#: Progress states of an instance this run leaves on the host on purpose.
SKIPPED = 'skipped'
LEFT = 'left'


def attempts_for(params: dict) -> tuple[int, int]:
    """(live attempts, total attempts) of one instance under ``params``."""
    policy = params.get('on_instance_failure') or {}
    live = int(policy.get('retries', 0)) + 1
    fallback = policy.get('then', 'abort') in ('skip', 'cold_migrate')
    return live, live + (1 if fallback else 0)


def poll_pause(polls: int) -> float:
    """Seconds to wait before poll number ``polls`` (0-based)."""
    interval = CONF.maintenance.poll_interval
    return min(interval, FIRST_POLL * 2 ** min(polls, 16))


def pause(watch: waiters.Watch, polls: int) -> int:
    """Pause before the next poll of the watched instance.

    With a notification listener in this process, the pause ends early
    when a notification about the instance comes; the backoff then starts
    again from :data:`FIRST_POLL`, since Nova's records follow its
    notifications closely (the source marks a live migration
    ``completed`` just after its ``live_migration_post`` notifications).
    Without one, it is a plain :func:`base.sleep`.

    :returns: the number of the next poll (for :func:`poll_pause`).
    """
    seconds = poll_pause(polls)
    if waiters.listening():
        if watch.wait(seconds):
            return 0
        return polls + 1
    base.sleep(seconds)
    return polls + 1


def held_state(dbapi, name: str) -> str:
    """A held host's fleet state, for messages."""
    try:
        return dbapi.get_host(name)['state']
    except exception.FleetException:
        return 'unknown'


class InstanceMigrationRetry(retry.Times):
    """Retries one instance's subflow per the run's policy; a cancelled
    run, or an instance whose state policy says abort, is never
    retried."""

    def on_failure(self, history, *args, **kwargs):
        if history.caused_by(base.ExecutionCancelled) or history.caused_by(
            instance_states.InstanceRefused
        ):
            return retry.REVERT_ALL
        return super().on_failure(history, *args, **kwargs)


class _InstanceTask(base.MaintenanceTask):
    """What the per-instance tasks share: polling and the run's record
    of the instance."""

    def __init__(self, instance_uuid: str, name: str, **kwargs):
        self.instance_uuid = instance_uuid
        super().__init__(name=f'{name}-{instance_uuid}', **kwargs)

    def record(self, execution_uuid: str) -> dict:
        execution = self.dbapi.get_execution(execution_uuid)
        instances = (execution['progress'] or {}).get('instances') or {}
        return instances.get(self.instance_uuid) or {}

    def get(self, uuid: str | None = None) -> dict | None:
        """The instance, or None if it no longer exists."""
        try:
            return self.compute.get_instance(uuid or self.instance_uuid)
        except exception.InstanceNotFound:
            return None

    def place(self, inst: dict | None) -> str:
        if inst is None:
            return 'deleted'
        return f'{inst.get("status")} on {inst.get("host") or "no host"}'


class LiveMigrateInstance(_InstanceTask):
    """Start moving one instance off the host the way its state allows
    (live, cold, offload), or apply its state's policy; wait first for an
    action in flight that is not this attempt's own."""

    def __init__(self, instance_uuid: str, **kwargs):
        super().__init__(instance_uuid, 'LiveMigrateInstance', **kwargs)

    def execute(
        self,
        execution_uuid: str,
        host_name: str,
        params: dict,
        attempt: int,
    ) -> dict:
        uuid = self.instance_uuid
        started = {
            'instance_uuid': uuid,
            'source': host_name,
            'attempt': attempt,
            'started': time.time(),
            'type': LIVE,
            'previous_migration_id': None,
        }
        inst = self.get()
        if inst is not None and instance_states.busy_on(inst, host_name):
            own = self._own_action(execution_uuid, inst, attempt)
            if own is not None:
                self.event(
                    execution_uuid,
                    f'Instance {inst.get("name")} ({uuid}) is already '
                    f'moving by this run\'s attempt {attempt}; waiting for '
                    f'it.',
                )
                return dict(started, **own, state='adopted')
            inst = self._wait_for_task(execution_uuid, inst, host_name)
        if inst is None:
            self.progress(execution_uuid, 'instances', uuid, state='gone')
            self.event(execution_uuid, f'Instance {uuid} no longer exists.')
            return dict(started, state='gone')
        state = instance_states.vm_state(inst)
        started['vm_state'] = state
        if state == 'shelved_offloaded' or not inst.get('host'):
            self.progress(
                execution_uuid,
                'instances',
                uuid,
                name=inst.get('name'),
                source=host_name,
                state='offloaded',
                vm_state=state,
                left_host=True,
            )
            self.event(
                execution_uuid,
                f'Instance {inst.get("name")} ({uuid}) is '
                f'{inst.get("status")}: on no host, nothing to move.',
            )
            return dict(started, state='offloaded')
        if inst['host'] != host_name:
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
        kind = self._kind(execution_uuid, inst, params, attempt)
        if kind in (instance_states.SKIP, instance_states.LEAVE):
            return dict(
                started,
                state=SKIPPED if kind == instance_states.SKIP else LEFT,
            )
        self.check_cancel(execution_uuid)
        latest = None
        if kind in (LIVE, COLD):
            latest = self.compute.get_latest_migration(uuid, kind)
        started.update(
            type=kind, previous_migration_id=latest['id'] if latest else None
        )
        # The intent is recorded before Nova is asked: a conductor that
        # dies after the request finds it, and adopts only what this
        # attempt started (see _own_action).
        self.progress(
            execution_uuid,
            'instances',
            uuid,
            name=inst.get('name'),
            source=host_name,
            state='migrating',
            attempts=attempt,
            type=kind,
            vm_state=state,
            previous_migration_id=started['previous_migration_id'],
        )
        target = params.get('target_host')
        if kind in (LIVE, COLD):
            # Re-checked before each migration: a host retired or handed
            # to a human while the run went on is never a destination.
            held = inventory.ensure_held_services(self.dbapi)
            if target and target in held:
                raise base.MigrationFailed(
                    instance=uuid,
                    reason=f'target host {target} is held out of service '
                    f'by fleet ({held_state(self.dbapi, target)}); choose '
                    f'another target_host or none',
                )
        if kind == LIVE:
            self.compute.live_migrate(uuid, target)
        elif kind == COLD:
            self.compute.cold_migrate(uuid, target)
        else:
            self.compute.shelve_offload(uuid)
        what = {
            LIVE: 'Live migration',
            COLD: 'Cold migration',
            OFFLOAD: 'Shelve-offload',
        }
        self.event(
            execution_uuid,
            f'{what[kind]} of {inst.get("name")} ({uuid}, '
            f'{inst.get("status")}) started (attempt {attempt}).',
        )
        return dict(started, state='started')

    def _kind(self, execution_uuid, inst, params, attempt) -> str:
        """LIVE, COLD, OFFLOAD, SKIP or LEAVE for ``inst`` now; records
        a skip or leave.

        :raises: instance_states.InstanceRefused, MigrationFailed
        """
        uuid = self.instance_uuid
        state = instance_states.vm_state(inst)
        live_attempts, _total = attempts_for(params)
        action = instance_states.state_policy(params, state)
        if action == 'live' and attempt <= live_attempts:
            return LIVE
        if action == 'cold' and attempt <= live_attempts:
            return COLD
        if action in ('live', 'cold'):
            then = params['on_instance_failure']['then']
            if then == 'skip':
                self._leave(
                    execution_uuid,
                    inst,
                    SKIPPED,
                    f'skipped after {live_attempts} failed attempt(s)',
                )
                return instance_states.SKIP
            if state not in ('active', 'stopped'):
                raise base.MigrationFailed(
                    instance=uuid,
                    reason=f'it is {inst.get("status")}, which Nova does '
                    f'not cold-migrate (ACTIVE and SHUTOFF only)',
                )
            return COLD
        if action == OFFLOAD and state == 'shelved':
            return OFFLOAD
        if action in (instance_states.SKIP, instance_states.LEAVE):
            self._leave(
                execution_uuid,
                inst,
                SKIPPED if action == instance_states.SKIP else LEFT,
                f'it is {inst.get("status")} and the policy for {state} '
                f'instances is "{action}"',
            )
            return action
        raise instance_states.InstanceRefused(instance=uuid, state=state)

    def _leave(self, execution_uuid, inst, state, why) -> None:
        self.progress(
            execution_uuid,
            'instances',
            self.instance_uuid,
            name=inst.get('name'),
            source=inst.get('host'),
            state=state,
            vm_state=instance_states.vm_state(inst),
            reason=why,
        )
        self.event(
            execution_uuid,
            f'Instance {inst.get("name")} ({self.instance_uuid}) stays on '
            f'{inst.get("host")}: {why}.',
            level='warning',
            details={'instance_uuid': self.instance_uuid, 'state': state},
        )

    def _own_action(self, execution_uuid, inst, attempt) -> dict | None:
        """The move this very attempt asked Nova for, if ``inst``'s task
        is it (a conductor died between the request and its record)."""
        intent = self.record(execution_uuid)
        kind = intent.get('type')
        if (
            intent.get('state') != 'migrating'
            or intent.get('attempts') != attempt
            or kind not in OWN_TASKS
            or inst.get('task_state') not in OWN_TASKS[kind]
        ):
            return None
        previous = intent.get('previous_migration_id')
        if kind in (LIVE, COLD):
            latest = self.compute.get_latest_migration(
                self.instance_uuid, kind
            )
            if (
                latest is not None
                and latest['id'] != previous
                and latest['status'] in FAILED
            ):
                return None  # ours ended; the task is someone else's
        return {
            'type': kind,
            'previous_migration_id': previous,
            'vm_state': intent.get('vm_state')
            or instance_states.vm_state(inst),
        }

    def _wait_for_task(self, execution_uuid, inst, host_name) -> dict | None:
        """Wait until ``inst`` has no action in flight (a user's, or an
        earlier attempt's being aborted; or a user's resize to this host
        awaiting confirmation), never taking it over.

        :returns: the instance then, or None if it was deleted.
        :raises: MigrationFailed after ``task_wait_timeout``,
            ExecutionCancelled
        """
        timeout = CONF.maintenance.task_wait_timeout
        task = inst.get('task_state') or 'resize awaiting confirmation'
        self.progress(
            execution_uuid,
            'instances',
            self.instance_uuid,
            name=inst.get('name'),
            state='waiting',
            task_state=task,
        )
        self.event(
            execution_uuid,
            f'Instance {inst.get("name")} ({self.instance_uuid}) has an '
            f'action in flight (task {task}); waiting up to {timeout} s '
            f'for it to end.',
        )
        deadline = time.monotonic() + timeout
        polls = 0
        with waiters.watch(self.instance_uuid) as watch:
            while inst is not None and instance_states.busy_on(
                inst, host_name
            ):
                self.check_cancel(execution_uuid)
                if time.monotonic() > deadline:
                    raise base.MigrationFailed(
                        instance=self.instance_uuid,
                        reason=f'its task {task} was still in flight after '
                        f'{timeout} s',
                    )
                polls = pause(watch, polls)
                inst = self.get()
        return inst

    def revert(self, result, execution_uuid: str, *args, **kwargs) -> None:
        # The migration it started is WaitForMigration's to abort; here
        # only the record of the attempt.
        if base.is_failure(result):
            self.progress(
                execution_uuid,
                'instances',
                self.instance_uuid,
                state='cancelled'
                if result.check(base.ExecutionCancelled)
                else 'failed',
                error=result.exception_str,
            )


class WaitForMigration(_InstanceTask):
    """Wait for one instance's move and verify it landed: host changed,
    migration completed (a cold one confirmed), no task in flight. It then
    is in the vm_state it had (ACTIVE, PAUSED or SHUTOFF): Nova keeps it;
    a state someone else changed meanwhile is recorded with a warning,
    not waited for."""

    def __init__(self, instance_uuid: str, **kwargs):
        super().__init__(instance_uuid, 'WaitForMigration', **kwargs)

    def execute(self, execution_uuid: str, started: dict) -> dict:
        try:
            with waiters.watch(self.instance_uuid) as watch:
                return self._wait(execution_uuid, started, watch)
        except base.MigrationFailed:
            metrics.MIGRATIONS.labels(
                type=started.get('type'), outcome='failed'
            ).inc()
            raise

    def _wait(
        self, execution_uuid: str, started: dict, watch: waiters.Watch
    ) -> dict:
        uuid = self.instance_uuid
        if started['state'] in ('gone', SKIPPED, LEFT, 'offloaded'):
            return {'instance_uuid': uuid, 'state': started['state']}
        kind = started['type']
        moved = started['state'] == 'already_moved'
        deadline = time.monotonic() + CONF.maintenance.migration_timeout
        start_deadline = time.monotonic() + START_GRACE
        polls = 0
        confirming = False
        while True:
            self.check_cancel(execution_uuid)
            inst = self.get()
            if inst is None:
                self.progress(execution_uuid, 'instances', uuid, state='gone')
                self.event(
                    execution_uuid,
                    f'Instance {uuid} was deleted while it moved.',
                )
                return {'instance_uuid': uuid, 'state': 'gone'}
            migration = None
            if not moved and kind in (LIVE, COLD):
                migration = self._current(started)
            if migration and migration['status'] in FAILED:
                raise base.MigrationFailed(
                    instance=uuid,
                    reason=f'migration {migration["id"]} ended '
                    f'{migration["status"]}; the instance is '
                    f'{self.place(inst)}',
                )
            if (
                migration
                and migration['status'] == 'finished'
                and instance_states.vm_state(inst) == 'resized'
            ) or (moved and self._unconfirmed(started, inst)):
                # The second case: resumed after a conductor died between
                # the end of this run's cold migration and its
                # confirmation.
                self.compute.confirm_migration(uuid)
                confirming = True
                polls = 0
            elif (
                moved
                and not inst.get('task_state')
                and not (
                    confirming and instance_states.vm_state(inst) == 'resized'
                )
            ):
                # Off the host before this attempt (or by someone else's
                # resize, not fleet's to confirm): nothing to wait for.
                return self._done(execution_uuid, started, None, inst)
            elif self._landed(started, migration, inst):
                return self._done(execution_uuid, started, migration, inst)
            now = time.monotonic()
            if (
                not moved
                and migration is None
                and not inst.get('task_state')
                and now > start_deadline
            ):
                raise base.MigrationFailed(
                    instance=uuid,
                    reason='the move never started or ended without effect '
                    f'(no migration record, no task in flight, the instance '
                    f'is {self.place(inst)})',
                )
            if now > deadline:
                raise base.MigrationFailed(
                    instance=uuid,
                    reason=f'not done after '
                    f'{CONF.maintenance.migration_timeout} s; the instance '
                    f'is {self.place(inst)}',
                )
            polls = pause(watch, polls)

    @staticmethod
    def _busy(inst: dict) -> bool:
        return (
            bool(inst.get('task_state'))
            or instance_states.vm_state(inst) == 'resized'
        )

    def _current(self, started: dict) -> dict | None:
        """The migration record of this attempt, once Nova created it."""
        if started['type'] not in (LIVE, COLD):
            return None
        latest = self.compute.get_latest_migration(
            self.instance_uuid, started['type']
        )
        if latest is None or latest['id'] == started['previous_migration_id']:
            return None
        return latest

    def _unconfirmed(self, started: dict, inst: dict) -> bool:
        """Whether the instance's newest cold migration left the run's
        host and awaits its confirmation (not someone else's resize)."""
        if instance_states.vm_state(inst) != 'resized' or inst.get(
            'task_state'
        ):
            return False
        latest = self.compute.get_latest_migration(self.instance_uuid, COLD)
        return (
            latest is not None
            and latest['status'] == 'finished'
            and latest['source'] == started['source']
        )

    @staticmethod
    def _landed(started: dict, migration: dict | None, inst: dict) -> bool:
        if inst.get('task_state'):
            return False
        state = instance_states.vm_state(inst)
        if started['type'] == OFFLOAD:
            return state == 'shelved_offloaded'
        # Not "back in the state it had": a user may pause or stop it
        # during the move, and that state would never come. Only a
        # confirmation still under way (Nova marks the migration
        # confirmed before the instance) is waited for; _done records
        # the state it landed in.
        return (
            migration is not None
            and migration['status'] in DONE[started['type']]
            and inst['host'] != started['source']
            and state != 'resized'
        )

    def _done(self, execution_uuid, started, migration, inst) -> dict:
        elapsed = time.time() - started['started']
        seconds = round(elapsed, 1)
        state = 'migrated'
        if started['state'] == 'already_moved':
            state = 'already_moved'
        elif started['type'] == OFFLOAD:
            state = 'offloaded'
        if state != 'already_moved':
            # Not a move this attempt made (a resumed run's): its
            # duration would be the conductor's downtime.
            metrics.MIGRATIONS.labels(
                type=started['type'], outcome='completed'
            ).inc()
            metrics.MIGRATION_SECONDS.labels(type=started['type']).observe(
                elapsed
            )
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
            status=inst.get('status'),
            attempts=started['attempt'],
            seconds=seconds,
            type=started['type'],
            left_host=True,
        )
        before = started.get('vm_state')
        changed = (
            before is not None and instance_states.vm_state(inst) != before
        )
        self.event(
            execution_uuid,
            f'Instance {inst.get("name")} ({self.instance_uuid}) is '
            f'{self.place(inst)}'
            + (
                f' (migration {migration["id"]}, {seconds} s)'
                if migration
                else ''
            )
            + (
                f'; it was {before} before the move (changed by someone '
                f'else meanwhile).'
                if changed and state == 'migrated'
                else '.'
            ),
            level='warning' if changed and state == 'migrated' else 'info',
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
        inst = None
        try:
            inst = self._stop(execution_uuid, started)
        except Exception:
            LOG.exception(
                'Run %s: cannot stop the migration of %s.',
                execution_uuid,
                self.instance_uuid,
            )
        cancelled = result.check(base.ExecutionCancelled) is not None
        values = {
            'state': 'cancelled' if cancelled else 'failed',
            'attempts': started.get('attempt'),
            'error': result.exception_str,
        }
        if inst is not None:
            values.update(host=inst.get('host'), status=inst.get('status'))
            if inst.get('host') != started.get('source'):
                values['left_host'] = True
        self.progress(
            execution_uuid, 'instances', self.instance_uuid, **values
        )
        self.event(
            execution_uuid,
            f'Attempt {started.get("attempt")} for instance '
            f'{self.instance_uuid} '
            + ('cancelled' if cancelled else 'failed')
            + f': {result.exception_str}; the instance is '
            f'{self.place(inst)}.',
            level='warning',
        )

    def _stop(self, execution_uuid: str, started: dict) -> dict | None:
        """Stop this attempt's move where Nova can, and wait (up to
        ``abort_timeout``) until the instance is at rest: a live migration
        is aborted (the instance stays on its source); a cold migration
        cannot be, so it is let finish and confirmed; an offload ends by
        itself. A later attempt then never meets this one in flight.

        :returns: the instance as it then is (None if deleted).
        """
        kind = started.get('type')
        if started.get('state') not in ('started', 'adopted'):
            return self.get()
        with waiters.watch(self.instance_uuid) as watch:
            return self._stop_wait(execution_uuid, started, kind, watch)

    def _stop_wait(self, execution_uuid, started, kind, watch):
        deadline = time.monotonic() + CONF.maintenance.abort_timeout
        aborted = False
        polls = 0
        waited = False
        while True:
            inst = self.get()
            if inst is None:
                return None
            migration = self._current(started)
            status = migration['status'] if migration else None
            if kind == LIVE and migration and not aborted:
                aborted = True
                if status not in FAILED + DONE[LIVE]:
                    try:
                        self.compute.abort_migration(
                            self.instance_uuid, migration['id']
                        )
                    except exception.FleetException as e:
                        # It ended meanwhile (Nova: not abortable any
                        # more); where it ended is read below.
                        LOG.warning('Run %s: %s', execution_uuid, e)
                    else:
                        self.event(
                            execution_uuid,
                            f'Abort of migration {migration["id"]} of '
                            f'{self.instance_uuid} requested.',
                        )
            elif kind == COLD and status == 'finished':
                if (
                    instance_states.vm_state(inst) == 'resized'
                    and not inst['task_state']
                ):
                    try:
                        self.compute.confirm_migration(self.instance_uuid)
                    except exception.FleetException as e:
                        LOG.warning('Run %s: %s', execution_uuid, e)
            if not self._busy(inst) and (
                kind == OFFLOAD or migration is not None or waited
            ):
                return inst
            if time.monotonic() > deadline:
                LOG.warning(
                    'Run %s: instance %s still moving after %s s.',
                    execution_uuid,
                    self.instance_uuid,
                    CONF.maintenance.abort_timeout,
                )
                return inst
            polls = pause(watch, polls)
            waited = True


class VerifyHostDrained(base.MaintenanceTask):
    """Check that no instance is left on the host but those the policies
    left there: ``skip``ped ones only for a ``drain`` run (a host with a
    skipped instance is not patched or rebooted), ``leave`` ones always."""

    def execute(
        self, execution_uuid: str, host_name: str, params: dict
    ) -> dict:
        self.check_cancel(execution_uuid)
        execution = self.dbapi.get_execution(execution_uuid)
        instances = (execution['progress'] or {}).get('instances') or {}
        skipped = {
            u for u, i in instances.items() if i.get('state') == SKIPPED
        }
        left_ok = {u for u, i in instances.items() if i.get('state') == LEFT}
        on_host = self.compute.list_instances(host_name)
        stragglers = [i for i in on_host if i['uuid'] not in instances]
        if stragglers:
            # Scheduled to the host after the run listed its instances and
            # before nova-compute was disabled (another drain's migration,
            # a boot): moved now, one by one, as the planned ones were.
            self._move_stragglers(
                execution_uuid, host_name, params, stragglers
            )
            return self.execute(execution_uuid, host_name, params)
        left = [i for i in on_host if i['uuid'] not in skipped | left_ok]
        if left:
            raise base.StepFailed(
                step=self.step_name,
                reason=f'{len(left)} instance(s) this run moved or planned '
                f'are on {host_name} again: '
                + ', '.join(i['uuid'] for i in left[:10]),
            )
        still = {i['uuid'] for i in on_host}
        skipped &= still
        left_ok &= still
        if skipped and params.get('kind') != 'drain':
            raise base.StepFailed(
                step=self.step_name,
                reason=f'{len(skipped)} skipped instance(s) are still on '
                f'{host_name}; it cannot be patched or rebooted (use the '
                f'"leave" policy to accept them)',
            )
        notes = []
        if skipped:
            notes.append(f'{len(skipped)} skipped')
        if left_ok:
            notes.append(f'{len(left_ok)} left by policy')
        self.event(
            execution_uuid,
            f'Host {host_name} is drained'
            + (f' ({", ".join(notes)} instance(s) on it).' if notes else '.'),
        )
        return {'skipped': sorted(skipped), 'left': sorted(left_ok)}

    def _move_stragglers(self, execution_uuid, host_name, params, found):
        self.event(
            execution_uuid,
            f'{len(found)} instance(s) reached {host_name} after the run '
            f'listed its instances, before nova-compute was disabled; moving '
            f'them too: ' + ', '.join(i['uuid'] for i in found[:10]),
            level='warning',
        )
        for inst in found:
            self.check_cancel(execution_uuid)
            uuid = inst['uuid']
            started = LiveMigrateInstance(uuid).execute(
                execution_uuid, host_name, params, 1
            )
            try:
                WaitForMigration(uuid).execute(execution_uuid, started)
            except exception.ComputeError as e:
                # A failed or timed-out move; a cancel or a lost claim is
                # not this check's to turn into a failure.
                raise base.StepFailed(
                    step=self.step_name,
                    reason=f'instance {uuid} reached {host_name} during the '
                    f'run and could not be moved: {e}',
                ) from e

    def revert(self, result, *args, **kwargs) -> None:
        pass  # a check changes nothing
