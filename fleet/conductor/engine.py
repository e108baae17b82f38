"""Runs maintenance flows in TaskFlow engines, persisted in the database.

Each run has a TaskFlow logbook (its uuid is ``executions.logbook_uuid``)
holding one flow detail; the flow is rebuilt from its factory and saved
arguments, so a conductor that died resumes the run where its persisted
atom states say it was (see :func:`resume`).

Usage::

    engine.init_persistence()            # once, at conductor start
    runner = engine.Runner()
    runner.start(execution)              # new run, in a worker thread
    runner.resume(execution)             # run found pending/running
"""

import contextlib
import os
import threading

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils
from taskflow import engines
from taskflow import states as tf_states
from taskflow.listeners import base as tf_listeners
from taskflow.persistence import backends as tf_backends
from taskflow.persistence import models as tf_models

from fleet.common import context as fleet_context
from fleet.common import coordination
from fleet.common import exception
from fleet.common import executions
from fleet.common import states
from fleet.db import api as db_api
from fleet.drivers import factory
from fleet.notifications import execution as exec_notifications

CONF = cfg.CONF
LOG = log.getLogger(__name__)

#: Runs a conductor may start or resume.
_ACTIVE_STATES = (
    states.EXEC_PENDING,
    states.EXEC_RUNNING,
    states.EXEC_CANCELLING,
)
#: start / resume: take the run whoever owns it (uncoordinated).
ANY_CONDUCTOR = object()

FLOW_FACTORY = 'fleet.conductor.flows.maintenance.get_maintenance_flow'
#: Tasks whose progress is per instance, not per step.
_INSTANCE_TASKS = ('LiveMigrateInstance-', 'WaitForMigration-')
#: current_step while instances move.
MIGRATE_STEP = 'MigrateInstances'

_backend = None
_backend_lock = threading.Lock()


def get_backend():
    """The TaskFlow persistence backend (SQLAlchemy, fleet's database
    unless ``[maintenance] persistence_connection`` names another)."""
    global _backend
    with _backend_lock:
        if _backend is None:
            url = (
                CONF.maintenance.persistence_connection
                or CONF.database.connection
            )
            _backend = tf_backends.fetch({'connection': _sqlite_apart(url)})
        return _backend


def _sqlite_apart(url: str) -> str:
    """TaskFlow's URL for fleet's database URL ``url``.

    On MariaDB / PostgreSQL TaskFlow's tables live in fleet's database.
    A SQLite file (the all-in-one default) is written by one transaction
    at a time and two engines whose transactions read, then write, deadlock
    on it ("database is locked"); so TaskFlow gets a file of its own next
    to fleet's: ``fleet.sqlite`` -> ``fleet-taskflow.sqlite``.
    """
    if not url.startswith('sqlite:///') or url == 'sqlite://':
        return url
    path = url[len('sqlite:///') :]
    if path in ('', ':memory:'):
        return url
    stem, ext = os.path.splitext(path)
    return f'sqlite:///{stem}-taskflow{ext or ".sqlite"}'


def reset_backend():
    """Forget the backend (tests)."""
    global _backend
    with _backend_lock:
        if _backend is not None:
            _backend.close()
        _backend = None


def init_persistence():
    """Create or upgrade TaskFlow's tables (its own alembic history, kept
    apart from fleet's ``fleet_alembic_version``)."""
    with contextlib.closing(get_backend().get_connection()) as conn:
        conn.upgrade()


class ProgressListener(tf_listeners.Listener):
    """Records each step's start and end into the run's progress and the
    failure of a step into its history, as the engine moves on."""

    def __init__(self, engine, execution_uuid):
        super().__init__(engine)
        self.execution_uuid = execution_uuid
        self.dbapi = db_api.get_instance()

    def _task_receiver(self, state, details):
        name = details['task_name']
        try:
            self._record(name, state, details)
        except Exception:
            LOG.exception(
                'Run %s: cannot record progress of %s.',
                self.execution_uuid,
                name,
            )

    def _record(self, name, state, details):
        per_instance = name.startswith(_INSTANCE_TASKS)
        if state == tf_states.FAILURE:
            failure = details.get('result')
            message = getattr(failure, 'exception_str', str(failure))
            # The latest failure is the one that ends the run (an earlier
            # one was retried); MarkExecutionSucceeded overwrites it. A run
            # already ended (e.g. its host released by an admin) keeps
            # the result it ended with.
            try:
                self.dbapi.update_execution(
                    self.execution_uuid,
                    {'result': f'{name}: {message}'},
                    expected_states=_ACTIVE_STATES,
                )
            except exception.InvalidState:
                pass
            if not per_instance:
                # Instance tasks record their failed attempts themselves.
                self.dbapi.add_execution_event(
                    self.execution_uuid,
                    f'{name} failed: {message}',
                    level='error',
                    step=name,
                )
        if per_instance:
            if state == tf_states.RUNNING:
                self.dbapi.update_execution(
                    self.execution_uuid, {'current_step': MIGRATE_STEP}
                )
            return
        now = timeutils.utcnow().isoformat() + 'Z'
        values = {'state': state.lower()}
        if state == tf_states.RUNNING:
            values['started_at'] = now
            self.dbapi.update_execution(
                self.execution_uuid, {'current_step': name}
            )
        elif state in (
            tf_states.SUCCESS,
            tf_states.FAILURE,
            tf_states.REVERTED,
        ):
            values['finished_at'] = now
        self.dbapi.update_execution_progress(
            self.execution_uuid, 'steps', name, values
        )


def _notify(event_type, uuid):
    """execution.start / execution.end; never fails the run."""
    try:
        execution = db_api.get_instance().get_execution(uuid)
        exec_notifications.emit(
            fleet_context.get_admin_context(), event_type, execution
        )
    except Exception:
        LOG.exception('Run %s: cannot notify %s.', uuid, event_type)


class Runner:
    """Starts, resumes and stops the engines of one conductor."""

    def __init__(self, host, coordinator=None):
        self.host = host
        self.dbapi = db_api.get_instance()
        #: None: the process' coordinator (fleet.common.coordination).
        self._coordinator = coordinator
        #: uuid -> the run lock held while the run runs (coordinated).
        self._run_locks = {}
        self._lock = threading.Lock()
        self._engines = {}
        self._threads = {}
        # Runs this conductor suspends on stop: they stay "running" for
        # the next start to resume.
        self._suspending = set()

    def running(self):
        with self._lock:
            return [u for u, t in self._threads.items() if t.is_alive()]

    @staticmethod
    def _store(execution, host_name):
        return {
            'execution_uuid': execution['uuid'],
            'host_name': host_name,
            'params': execution['parameters'],
        }

    @staticmethod
    def _options(execution):
        # One worker per lane: the lanes bound the migrations in flight.
        workers = int(execution['parameters'].get('max_parallel') or 1)
        return {
            'engine': 'parallel',
            'executor': 'threaded',
            'max_workers': max(workers, 1),
        }

    @property
    def coordinator(self):
        return self._coordinator or coordination.get_coordinator()

    def _claim(self, execution, expected_conductor):
        """Coordinated: take the run's lock, then own the run in the
        database if its conductor is still ``expected_conductor``.

        :returns: the run as now stored, or None if another conductor
            holds or owns it (the lock is then not kept).
        """
        coordinator = self.coordinator
        if coordinator is None:
            return execution
        uuid = execution['uuid']
        lock = coordinator.acquire_run_lock(uuid)
        if lock is None:
            LOG.info('Run %s is locked by another conductor.', uuid)
            return None
        try:
            if expected_conductor is ANY_CONDUCTOR:
                expected_conductor = execution['conductor']
            if not self.dbapi.claim_execution(
                uuid,
                expected_conductor,
                self.host,
                expected_states=_ACTIVE_STATES,
            ):
                LOG.info(
                    'Run %s is not active any more or was claimed by '
                    'another conductor.',
                    uuid,
                )
                coordinator.release_run_lock(lock)
                return None
            execution = self.dbapi.get_execution(uuid)
        except Exception:
            coordinator.release_run_lock(lock)
            raise
        with self._lock:
            self._run_locks[uuid] = lock
        return execution

    def _unlock(self, uuid):
        with self._lock:
            lock = self._run_locks.pop(uuid, None)
        coordinator = self.coordinator
        if lock is not None and coordinator is not None:
            coordinator.release_run_lock(lock)

    def _claimed(self, execution, expected_conductor, func):
        claimed = self._claim(execution, expected_conductor)
        if claimed is None:
            return False
        uuid = claimed['uuid']
        try:
            if executions.close_if_idle(
                self.dbapi,
                uuid,
                f'cancelled by request before conductor {self.host} '
                f'started it',
            ):
                self._unlock(uuid)
                _notify(exec_notifications.END, uuid)
                return True
            func(claimed)
        except Exception:
            self._unlock(uuid)
            raise
        return True

    def start(self, execution, expected_conductor=ANY_CONDUCTOR):
        """Build, persist and run the flow of a new run (pending).

        With coordination the run's lock is held until the run ends, and
        the run is started only if its conductor is still
        ``expected_conductor`` (default: as in ``execution``).

        :returns: True if started, False if another conductor has it.
        """
        return self._claimed(execution, expected_conductor, self._start)

    def resume(self, execution, expected_conductor=ANY_CONDUCTOR):
        """Resume a run from its logbook, or start it if it has none.

        :returns: True if resumed, False if another conductor has it
            (coordinated; see :meth:`start`).
        """
        return self._claimed(execution, expected_conductor, self._resume)

    def _start(self, execution):
        uuid = execution['uuid']
        try:
            self._plan(execution)
        except Exception as e:
            # A run that cannot start (its host unknown to the compute
            # driver, the driver or the persistence backend failing, ...)
            # fails now, with the reason in its history, and frees its
            # host: it must not stay pending, held by a conductor that
            # would fail again at each restart.
            LOG.exception('Run %s: cannot start it.', uuid)
            executions.finish(
                self.dbapi,
                uuid,
                states.EV_FAIL,
                f'conductor {self.host} could not start it: {e}',
            )
            self._unlock(uuid)
            _notify(exec_notifications.END, uuid)

    def _plan(self, execution):
        """Plan the run (its instances, its flow, its logbook) and run it
        in a thread."""
        uuid = execution['uuid']
        host = self.dbapi.get_host(execution['host_uuid'])
        instances = sorted(
            i['uuid']
            for i in factory.get_compute().list_instances(host['name'])
        )
        backend = get_backend()
        book = tf_models.LogBook(f'execution-{uuid}')
        with contextlib.closing(backend.get_connection()) as conn:
            conn.save_logbook(book)
        self.dbapi.update_execution(
            uuid,
            {
                'logbook_uuid': book.uuid,
                'conductor': self.host,
                'progress': {
                    'total': len(instances),
                    'steps': {},
                    'instances': {i: {'state': 'pending'} for i in instances},
                },
            },
        )
        engine = engines.load_from_factory(
            FLOW_FACTORY,
            factory_kwargs={
                'execution_uuid': uuid,
                'kind': execution['kind'],
                'instance_uuids': instances,
                'params': execution['parameters'],
            },
            store=self._store(execution, host['name']),
            book=book,
            backend=backend,
            **self._options(execution),
        )
        self.dbapi.add_execution_event(
            uuid,
            f'Run planned by conductor {self.host}: '
            f'{len(instances)} instance(s) to move from {host["name"]}.',
            details={'instances': instances},
        )
        self._spawn(uuid, engine)

    def _resume(self, execution):
        uuid = execution['uuid']
        if not execution['logbook_uuid']:
            return self._start(execution)
        backend = get_backend()
        with contextlib.closing(backend.get_connection()) as conn:
            book = conn.get_logbook(execution['logbook_uuid'])
        flow_detail = next(iter(book), None)
        if flow_detail is None:
            # The conductor died after saving the logbook but before the
            # engine saved its flow: nothing of the run has happened yet.
            return self._start(execution)
        engine = engines.load_from_detail(
            flow_detail, backend=backend, **self._options(execution)
        )
        self.dbapi.update_execution(uuid, {'conductor': self.host})
        self.dbapi.add_execution_event(
            uuid,
            f'Run resumed by conductor {self.host} from its '
            f'persisted flow (state {flow_detail.state}).',
        )
        self._spawn(uuid, engine)

    def _spawn(self, uuid, engine):
        thread = threading.Thread(
            target=self._run,
            args=(uuid, engine),
            name=f'execution-{uuid}',
            daemon=True,
        )
        with self._lock:
            self._engines[uuid] = engine
            self._threads[uuid] = thread
        thread.start()

    def _run(self, uuid, engine):
        _notify(exec_notifications.START, uuid)
        try:
            with ProgressListener(engine, uuid):
                engine.run()
        except Exception:
            # The flow reverted; its lifecycle task recorded the end.
            LOG.info('Run %s ended in failure (see its history).', uuid)
        finally:
            with self._lock:
                self._engines.pop(uuid, None)
            try:
                self._check_closed(uuid)
            finally:
                # Coordinated: another conductor may now take the run
                # (a suspended one) over.
                self._unlock(uuid)
            if uuid not in self._suspending:
                _notify(exec_notifications.END, uuid)

    def _check_closed(self, uuid):
        """A run whose engine stopped must not stay active without a
        record (e.g. a revert that itself failed): it is closed ``failed``
        and its host released, in one transaction."""
        if uuid in self._suspending:
            return
        try:
            execution = self.dbapi.get_execution(uuid)
            if execution['state'] in states.EXEC_FINAL_STATES:
                return
            executions.finish(
                self.dbapi,
                uuid,
                states.EV_FAIL,
                execution['result']
                or 'the flow engine stopped without closing the run (see '
                'the conductor log)',
                note=' Its flow could not revert cleanly; check the host '
                'by hand.',
            )
        except exception.InvalidState:
            return  # it ended meanwhile
        except Exception:
            LOG.exception('Run %s: cannot close it.', uuid)

    def stop(self, timeout=30.0):
        """Suspend every engine (atoms in flight finish) so the runs can
        be resumed by the next conductor start."""
        with self._lock:
            items = list(self._engines.items())
            threads = dict(self._threads)
        for uuid, engine in items:
            self._suspending.add(uuid)
            engine.suspend()
        for uuid, _engine in items:
            threads[uuid].join(timeout)
