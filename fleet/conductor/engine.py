"""Runs maintenance flows in TaskFlow engines, persisted in the database.

Each run has a TaskFlow logbook (its uuid is ``executions.logbook_uuid``)
holding one flow detail; the flow is rebuilt from its factory and saved
arguments, so a conductor that died resumes the run where its persisted
atom states say it was (see :func:`resume`).

Usage::

    engine.init_persistence()            # once, at conductor start
    runner = engine.Runner(host)
    runner.start(execution)              # new run, in a worker thread
    runner.resume(execution, claim)      # a claimed job's run (see jobs)

With a claim (:class:`fleet.conductor.jobs.Claim`) the run is fenced:
its tasks, its progress records and its logbook writes stop as soon as
this conductor has lost the claim (:mod:`fleet.conductor.fencing`).
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

from fleet.common import exception
from fleet.common import executions
from fleet.common import states
from fleet.conductor import fencing
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


class _FencedConnection:
    """A persistence connection that refuses to write a run's logbook once
    its conductor lost the claim: a stalled conductor must not overwrite
    the atom states of the conductor that resumed the run."""

    _WRITES = frozenset(
        (
            'save_logbook',
            'update_flow_details',
            'update_atom_details',
            'destroy_logbook',
            'clear_all',
        )
    )

    def __init__(self, connection, claim):
        self._connection = connection
        self._claim = claim

    def __getattr__(self, name):
        attr = getattr(self._connection, name)
        if name in self._WRITES:
            claim = self._claim

            def fenced(*args, **kwargs):
                claim.check()
                return attr(*args, **kwargs)

            return fenced
        return attr


class _FencedBackend:
    """A persistence backend whose connections are fenced by ``claim``."""

    def __init__(self, backend, claim):
        self._backend = backend
        self._claim = claim

    def get_connection(self):
        return _FencedConnection(self._backend.get_connection(), self._claim)

    def __getattr__(self, name):
        return getattr(self._backend, name)


class ProgressListener(tf_listeners.Listener):
    """Records each step's start and end into the run's progress and the
    failure of a step into its history, as the engine moves on."""

    def __init__(self, engine, execution_uuid):
        super().__init__(engine)
        self.execution_uuid = execution_uuid
        self.dbapi = db_api.get_instance()

    def _task_receiver(self, state, details):
        name = details['task_name']
        if not fencing.still_owned(self.execution_uuid):
            return  # the run is another conductor's now
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


def _notify_start(uuid):
    """execution.start; never fails the run."""
    try:
        execution = db_api.get_instance().get_execution(uuid)
    except Exception:
        LOG.exception('Run %s: cannot read it to notify its start.', uuid)
        return
    executions.notify(exec_notifications.START, execution)


class Runner:
    """Starts, resumes and stops the engines of one conductor.

    Runs are claimed elsewhere (:class:`fleet.conductor.jobs.Dispatcher`);
    ``on_done(uuid, claim)`` is called once a run's engine stopped (or a
    run closed before its flow began), so that its job is consumed or
    abandoned.
    """

    def __init__(self, host):
        self.host = host
        self.dbapi = db_api.get_instance()
        self._lock = threading.Lock()
        self._engines = {}
        self._threads = {}
        self._claims = {}
        #: Called with (uuid, claim) when a run's engine stopped.
        self.on_done = None
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
        # At least two, for the pre-checks that run side by side (a lane
        # is a linear flow: more workers never start more migrations).
        workers = int(execution['parameters'].get('max_parallel') or 1)
        return {
            'engine': 'parallel',
            'executor': 'threaded',
            'max_workers': max(workers, 2),
        }

    def _backend(self, uuid):
        backend = get_backend()
        claim = self._claims.get(uuid)
        if claim is None:
            return backend
        return _FencedBackend(backend, claim)

    def _own(self, execution, claim):
        """Record this conductor as the run's conductor (the job's claim
        is what makes it the owner; the column says who it is).

        :returns: the run as now stored, or None if it is not active.
        """
        uuid = execution['uuid']
        if claim is not None:
            claim.check()
        if not self.dbapi.claim_execution(
            uuid,
            execution['conductor'],
            self.host,
            expected_states=_ACTIVE_STATES,
        ):
            LOG.info('Run %s is not active any more.', uuid)
            return None
        return self.dbapi.get_execution(uuid)

    def _claimed(self, execution, claim, func):
        uuid = execution['uuid']
        if claim is not None:
            with self._lock:
                self._claims[uuid] = claim
            fencing.register(uuid, claim)
        try:
            owned = self._own(execution, claim)
            if owned is None:
                self._ended(uuid)
                return False
            if executions.close_if_idle(
                self.dbapi,
                uuid,
                f'cancelled by request before conductor {self.host} '
                f'started it',
            ):
                self._ended(uuid)
                return True
            func(owned)
        except fencing.ClaimLost:
            self._ended(uuid)
            return False
        except Exception:
            self._ended(uuid)
            raise
        return True

    def _release(self, uuid):
        with self._lock:
            claim = self._claims.pop(uuid, None)
        if claim is not None:
            fencing.unregister(uuid, claim)

    def start(self, execution, claim=None):
        """Build, persist and run the flow of a new run (pending).

        :param claim: this conductor's claim on the run's job, if any:
            the run is then fenced by it.
        :returns: True if its engine runs or the run was closed
            (cancelled before it began, failed to start); False if it is
            not active any more or the claim was lost.
        """
        return self._claimed(execution, claim, self._start)

    def resume(self, execution, claim=None):
        """Resume a run from its logbook, or start it if it has none.

        :returns: see :meth:`start`.
        """
        return self._claimed(execution, claim, self._resume)

    def _start(self, execution):
        uuid = execution['uuid']
        try:
            self._plan(execution)
        except fencing.ClaimLost:
            raise
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
            self._ended(uuid)

    def _plan(self, execution):
        """Plan the run (its instances, its flow, its logbook) and run it
        in a thread."""
        uuid = execution['uuid']
        fencing.check(uuid)
        host = self.dbapi.get_host(execution['host_uuid'])
        instances = sorted(
            i['uuid']
            for i in factory.get_compute().list_instances(host['name'])
        )
        backend = self._backend(uuid)
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
        backend = self._backend(uuid)
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
        _notify_start(uuid)
        try:
            with ProgressListener(engine, uuid):
                engine.run()
        except Exception:
            if not fencing.is_lost(uuid):
                # The flow reverted; its lifecycle task recorded the end.
                LOG.info('Run %s ended in failure (see its history).', uuid)
        finally:
            with self._lock:
                self._engines.pop(uuid, None)
            if fencing.is_lost(uuid):
                # Another conductor owns the run now: no closing, no
                # notification, no record; it resumes the run.
                LOG.warning(
                    'Run %s: engine stopped on conductor %s, which lost '
                    'its claim; nothing more is done here.',
                    uuid,
                    self.host,
                )
            else:
                # A run that ended was notified by executions.finish.
                self._check_closed(uuid)
            self._ended(uuid)

    def _ended(self, uuid):
        """The run's engine stopped (or never started): let go of its
        claim and tell the dispatcher."""
        with self._lock:
            claim = self._claims.get(uuid)
        self._release(uuid)
        if self.on_done is not None:
            try:
                self.on_done(uuid, claim)
            except Exception:
                LOG.exception('Run %s: cannot hand its job back.', uuid)

    def abandon(self, uuid):
        """Stop the engine of a run whose claim was lost: atoms in flight
        end (their side effects done, their results not recorded), nothing
        new starts."""
        with self._lock:
            engine = self._engines.get(uuid)
        if engine is not None:
            try:
                engine.suspend()
            except fencing.ClaimLost:
                pass  # the engine's own state write is fenced too

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
