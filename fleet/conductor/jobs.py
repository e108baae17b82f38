"""Runs are jobs on a TaskFlow jobboard, claimed by any conductor.

A conductor told of a new run (RPC ``start_execution``) posts a job for
it; every conductor's :class:`Dispatcher` claims unclaimed jobs (with an
expiry on Redis), runs the run's persisted flow through
:class:`fleet.conductor.engine.Runner`, extends its claims while it works
(Octavia's lease refresh, ``RedisDynamicLoggingConductor`` +
``ExtendExpiryListener``), consumes the job once the run is in a final
state in fleet's database (``executions.finish`` decides that, not the
board), and abandons it when it suspends the run on stop. A conductor that
dies or stalls stops extending: its claim lapses and another conductor
claims the job and resumes the run from its logbook. The stalled one
finds out (:class:`Claim`) and is fenced (:mod:`fleet.conductor.fencing`).

The job's details are JSON-safe: ``{'execution_uuid': ...}``; the flow's
factory arguments live in the run's TaskFlow logbook (fleet's database).

Usage::

    board = jobs.fetch_board()                 # from [jobboard]
    dispatcher = jobs.Dispatcher(host, runner, board)
    dispatcher.start()                         # claim, run, heartbeat
    dispatcher.post(execution_uuid)            # a new run
    dispatcher.stop()                          # suspend, abandon claims
"""

import collections
import contextlib
import threading
import time

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils
from oslo_utils import uuidutils
from taskflow import exceptions as tf_exc
from taskflow import states as tf_states
from taskflow.jobs import backends as tf_job_backends
from taskflow.jobs import base as tf_jobs

from fleet.common import states
from fleet.conductor import fencing
from fleet.db import api as db_api

CONF = cfg.CONF
LOG = log.getLogger(__name__)

_JOB_PREFIX = 'execution-'


# -- the in-process board (the all-in-one, a single conductor) ----------


class MemoryJob(tf_jobs.Job):
    def __init__(self, board, name, uuid=None, details=None):
        super().__init__(board, name, uuid=uuid, details=details)
        self._created_on = timeutils.utcnow()

    @property
    def last_modified(self):
        return self._created_on

    @property
    def created_on(self):
        return self._created_on

    @property
    def state(self):
        return self.board._state_of(self)

    @property
    def priority(self):
        return tf_jobs.JobPriority.NORMAL

    def extend_expiry(self, expiry):
        return self.board._extend(self, expiry)


class MemoryBoard(tf_jobs.JobBoard):
    """TaskFlow's jobboard interface (the part fleet uses) inside one
    process, with Redis's claim expiry semantics. Only for a single
    conductor: nothing outside the process sees it, and it is empty
    after a restart (the conductor posts again the jobs of its active
    runs, see :meth:`Dispatcher.repost_orphans`)."""

    def __init__(self, name='fleet', conf=None, clock=time.monotonic):
        super().__init__(name, conf or {})
        self.clock = clock
        self._jobs = collections.OrderedDict()
        #: job uuid -> (owner, expires at or None)
        self._owners = {}
        self._lock = threading.Lock()
        self._connected = False

    def _owner(self, job):
        owner = self._owners.get(job.uuid)
        if owner is None:
            return None
        who, deadline = owner
        if deadline is not None and self.clock() >= deadline:
            del self._owners[job.uuid]
            return None
        return who

    def _state_of(self, job):
        with self._lock:
            if job.uuid not in self._jobs:
                return tf_states.COMPLETE
            if self._owner(job) is None:
                return tf_states.UNCLAIMED
            return tf_states.CLAIMED

    def _extend(self, job, expiry):
        with self._lock:
            who = self._owner(job)
            if who is None:
                return False
            self._owners[job.uuid] = (who, self.clock() + expiry)
            return True

    @property
    def job_count(self):
        with self._lock:
            return len(self._jobs)

    @property
    def connected(self):
        return self._connected

    def connect(self):
        self._connected = True

    def close(self):
        self._connected = False

    def iterjobs(self, only_unclaimed=False, ensure_fresh=False):
        with self._lock:
            jobs = list(self._jobs.values())
        return tf_jobs.JobBoardIterator(
            self,
            LOG,
            board_fetch_func=lambda ensure_fresh: jobs,
            only_unclaimed=only_unclaimed,
            ensure_fresh=ensure_fresh,
        )

    def wait(self, timeout=None):
        raise NotImplementedError('fleet polls the board')

    def find_owner(self, job):
        with self._lock:
            return self._owner(job)

    def post(
        self,
        name,
        book=None,
        details=None,
        priority=tf_jobs.JobPriority.NORMAL,
    ):
        job = MemoryJob(
            self, name, uuid=uuidutils.generate_uuid(), details=details
        )
        with self._lock:
            self._jobs[job.uuid] = job
        return job

    @tf_jobs.check_who
    def claim(self, job, who, expiry=None):
        with self._lock:
            if job.uuid not in self._jobs:
                raise tf_exc.NotFound(f'Job {job.uuid} not found')
            owner = self._owner(job)
            if owner is not None:
                raise tf_exc.UnclaimableJob(
                    f'Job {job.uuid} already claimed by {owner}'
                )
            deadline = None if expiry is None else self.clock() + expiry
            self._owners[job.uuid] = (who, deadline)

    def _release(self, job, who, remove):
        with self._lock:
            if job.uuid not in self._jobs:
                raise tf_exc.NotFound(f'Job {job.uuid} not found')
            owner = self._owner(job)
            if owner != who:
                raise tf_exc.JobFailure(
                    f'Job {job.uuid} is owned by {owner}, not {who}'
                )
            self._owners.pop(job.uuid, None)
            if remove:
                del self._jobs[job.uuid]

    @tf_jobs.check_who
    def consume(self, job, who):
        self._release(job, who, remove=True)

    @tf_jobs.check_who
    def abandon(self, job, who):
        self._release(job, who, remove=False)

    @tf_jobs.check_who
    def trash(self, job, who):
        self._release(job, who, remove=True)

    def register_entity(self, entity):
        pass


def fetch_board(persistence=None):
    """The connected jobboard named by ``[jobboard]``."""
    opts = CONF.jobboard
    backend = opts.backend
    if backend == 'memory':
        board = MemoryBoard(opts.board_name)
    else:
        if backend == 'redis':
            conf = {
                'host': opts.backend_hosts,
                'port': opts.backend_port,
                'db': opts.backend_db,
                'namespace': opts.board_name,
            }
            if opts.backend_password:
                conf['password'] = opts.backend_password
        elif backend == 'zookeeper':
            conf = {
                'hosts': opts.backend_hosts,
                'path': f'/taskflow/{opts.board_name}',
            }
        else:  # etcd
            conf = {
                'host': opts.backend_hosts,
                'port': opts.backend_port,
                'path': f'/taskflow/{opts.board_name}',
            }
        conf['board'] = backend
        board = tf_job_backends.fetch(
            opts.board_name, conf, persistence=persistence
        )
    board.connect()
    return board


def owner_of(board, job):
    """Who claims ``job`` now, or None (unclaimed, or gone).

    TaskFlow's Redis board raises TypeError for an unclaimed job (it
    decodes the missing owner key); that is "no owner" here.
    """
    try:
        return board.find_owner(job)
    except (tf_exc.NotFound, TypeError):
        return None


def execution_of(job):
    """The run uuid a job is for, or None (not a fleet run's job)."""
    return (job.details or {}).get('execution_uuid')


# -- a conductor's claim on one run --------------------------------------


class Claim:
    """This conductor's claim on one run's job.

    :meth:`check` is the fence: it answers from memory while the claim
    was confirmed recently (less than half its expiry ago, on the
    monotonic clock, which runs on while the process is stopped), and
    asks the board otherwise. Once lost, a claim stays lost.
    """

    def __init__(self, board, job, host, expiry, clock=time.monotonic):
        self.board = board
        self.job = job
        self.host = host
        self.expiry = expiry
        self._clock = clock
        self._confirmed = clock()
        self._lost = False
        self._owner = host
        self._lock = threading.Lock()

    @property
    def execution_uuid(self):
        return execution_of(self.job)

    @property
    def lost(self):
        return self._lost

    def _mark_lost(self, owner):
        if not self._lost:
            self._lost = True
            self._owner = owner
            LOG.warning(
                'Conductor %s lost its claim on run %s (job %s; owner now: '
                '%s): it stops acting on the run; the owner resumes it.',
                self.host,
                self.execution_uuid,
                self.job.uuid,
                owner or 'none',
            )

    def _ask_board(self):
        owner = owner_of(self.board, self.job)
        if owner != self.host:
            self._mark_lost(owner)
            return False
        self._confirmed = self._clock()
        return True

    def check(self):
        """:raises: fencing.ClaimLost if this conductor lost the job."""
        with self._lock:
            if not self._lost and (
                self._clock() - self._confirmed >= self.expiry / 2.0
            ):
                self._ask_board()
            if self._lost:
                raise fencing.ClaimLost(
                    conductor=self.host,
                    execution=self.execution_uuid,
                    owner=self._owner or 'none',
                )

    def refresh(self):
        """Extend the claim if this conductor still owns it.

        :returns: False if the claim is lost.
        """
        with self._lock:
            if self._lost:
                return False
            # A stalled conductor may wake after its claim lapsed (and
            # was maybe taken): never extend a claim not seen as ours.
            if not self._ask_board():
                return False
            extend = getattr(self.job, 'extend_expiry', None)
            if extend is None:
                # ZooKeeper / etcd: the claim lasts as long as the
                # conductor's session; owning it is all there is to check.
                return True
            try:
                if not extend(self.expiry):
                    self._mark_lost(None)
                    return False
            except (tf_exc.JobFailure, tf_exc.NotFound):
                LOG.warning(
                    'Cannot extend the claim on run %s.',
                    self.execution_uuid,
                    exc_info=True,
                )
                return True
            self._confirmed = self._clock()
            return True


# -- a conductor's dispatcher --------------------------------------------


class Dispatcher:
    """Claims jobs, runs them through a Runner, keeps claims alive."""

    def __init__(self, host, runner, board, clock=None):
        self.host = host
        self.runner = runner
        self.board = board
        self.dbapi = db_api.get_instance()
        # The in-process board's clock (tests move it), else monotonic.
        self._clock = clock or getattr(board, 'clock', time.monotonic)
        self._claims = {}
        self._lock = threading.Lock()
        self._claiming = threading.Lock()
        #: Stops claiming new jobs.
        self._stop = threading.Event()
        #: Stops extending the claims held (after the runs stopped).
        self._stop_heart = threading.Event()
        self._threads = []
        runner.on_done = self._done

    @property
    def expiry(self):
        return CONF.jobboard.claim_expiry

    @property
    def refresh_interval(self):
        return CONF.jobboard.claim_refresh_interval or self.expiry / 3.0

    # posting

    def post(self, execution_uuid):
        """Post the run's job, unless the board has one for it already.

        :returns: the job (new or found).
        """
        for job in self.board.iterjobs(ensure_fresh=True):
            if execution_of(job) == execution_uuid:
                return job
        job = self.board.post(
            _JOB_PREFIX + execution_uuid,
            details={'execution_uuid': execution_uuid},
        )
        LOG.info('Run %s posted as job %s.', execution_uuid, job.uuid)
        return job

    def repost_orphans(self):
        """Post a job for each active run that has none (its RPC cast was
        lost, or the in-process board was emptied by a restart). Run by
        the leader only."""
        posted = {
            execution_of(job) for job in self.board.iterjobs(ensure_fresh=True)
        }
        active = self.dbapi.list_executions(
            filters={
                'state': [
                    states.EXEC_PENDING,
                    states.EXEC_RUNNING,
                    states.EXEC_CANCELLING,
                ]
            }
        )
        for execution in active:
            if execution['uuid'] not in posted:
                self.post(execution['uuid'])

    # claiming

    def claims(self):
        with self._lock:
            return dict(self._claims)

    def owns(self, execution_uuid):
        claim = self.claims().get(execution_uuid)
        return claim is not None and not claim.lost

    def claim_once(self):
        """One pass over the board: claim and run what this conductor has
        room for. Also adopts jobs claimed under this conductor's name by
        its previous process (a restart faster than the claim expiry).

        :returns: the run uuids started or resumed.
        """
        # One pass at a time in this process (the poll thread and RPC
        # casts both call it): a job claimed by one pass must not look
        # like this conductor's own unadopted claim to another.
        with self._claiming:
            return self._claim_once()

    def _claim_once(self):
        started = []
        by_run = collections.defaultdict(list)
        for job in self.board.iterjobs(ensure_fresh=True):
            uuid = execution_of(job)
            if uuid is not None:
                by_run[uuid].append(job)
        for uuid, run_jobs in by_run.items():
            if self._stop.is_set():
                break
            # A run posted twice (the leader re-posted it while its cast
            # was being handled) is run through its oldest job only: every
            # conductor picks the same one, and a claim is atomic.
            run_jobs.sort(key=lambda j: (j.created_on, j.uuid))
            job = run_jobs[0]
            for duplicate in run_jobs[1:]:
                self._drop_duplicate(duplicate, uuid)
            if uuid in self.claims():
                continue
            if len(self.claims()) >= CONF.jobboard.max_runs:
                continue
            owner = owner_of(self.board, job)
            if owner is None:
                try:
                    self.board.claim(job, self.host, **self._expiry_arg())
                except (tf_exc.UnclaimableJob, tf_exc.NotFound):
                    continue
            elif owner != self.host:
                continue
            if self._run(job, uuid):
                started.append(uuid)
        return started

    def _drop_duplicate(self, job, uuid):
        try:
            self.board.claim(job, self.host, **self._expiry_arg())
            self.board.consume(job, self.host)
            LOG.info('Run %s: duplicate job %s removed.', uuid, job.uuid)
        except (tf_exc.UnclaimableJob, tf_exc.NotFound, tf_exc.JobFailure):
            pass

    def _expiry_arg(self):
        if isinstance(self.board, MemoryBoard) or (
            CONF.jobboard.backend == 'redis'
        ):
            return {'expiry': self.expiry}
        return {}  # zookeeper / etcd claims end with the session

    def _run(self, job, uuid):
        claim = Claim(self.board, job, self.host, self.expiry, self._clock)
        with self._lock:
            self._claims[uuid] = claim
        try:
            execution = self.dbapi.get_execution(uuid)
        except Exception:
            LOG.warning('Job %s names unknown run %s; consumed.', job, uuid)
            self._finish(claim, consume=True)
            return False
        if execution['state'] in states.EXEC_FINAL_STATES:
            # Its conductor ended it but died before consuming the job.
            self._finish(claim, consume=True)
            return False
        # The Runner hands the job back through on_done (_done) once the
        # run's engine stopped, or at once if it did not start one.
        try:
            return self.runner.resume(execution, claim=claim)
        except Exception:
            LOG.exception('Cannot run run %s.', uuid)
            return False

    def _done(self, uuid, claim):
        """The Runner's engine for ``uuid`` stopped: consume the job if
        the run ended, abandon it otherwise (suspended: another conductor
        resumes it), leave it alone if the claim was lost."""
        if claim is None:
            return
        if claim.lost:
            self._forget(claim)
            return
        try:
            execution = self.dbapi.get_execution(uuid)
            final = execution['state'] in states.EXEC_FINAL_STATES
        except Exception:
            LOG.exception('Run %s: cannot read its state.', uuid)
            final = False
        self._finish(claim, consume=final)

    def _finish(self, claim, consume):
        try:
            if consume:
                self.board.consume(claim.job, self.host)
            else:
                self.board.abandon(claim.job, self.host)
        except (tf_exc.JobFailure, tf_exc.NotFound):
            LOG.warning(
                'Cannot %s the job of run %s (its claim lapsed?).',
                'consume' if consume else 'abandon',
                claim.execution_uuid,
                exc_info=True,
            )
        self._forget(claim)

    def _forget(self, claim):
        with self._lock:
            if self._claims.get(claim.execution_uuid) is claim:
                del self._claims[claim.execution_uuid]

    # heartbeat

    def refresh_claims(self):
        """Extend every claim still held; stop the engines of the lost
        ones (their tasks are fenced anyway)."""
        for uuid, claim in self.claims().items():
            if claim.refresh():
                continue
            self._forget(claim)
            try:
                self.runner.abandon(uuid)
            except Exception:
                LOG.exception('Run %s: cannot stop its engine.', uuid)

    # threads

    def _loop(self, interval, func, stop):
        while not stop.wait(interval):
            try:
                func()
            except Exception:
                LOG.exception('Jobboard %s failed.', func.__name__)

    def start(self):
        self._stop.clear()
        self._stop_heart.clear()
        for interval, func, stop in (
            (self.refresh_interval, self.refresh_claims, self._stop_heart),
            (CONF.jobboard.poll_interval, self.claim_once, self._stop),
        ):
            thread = threading.Thread(
                target=self._loop,
                args=(interval, func, stop),
                name=f'jobboard-{func.__name__}',
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout=30.0):
        """Stop claiming, suspend the runs (the Runner abandons their
        jobs as their engines stop) and close the board. The claims are
        extended until the engines stopped: steps in flight may take
        longer than the claim expiry to end."""
        self._stop.set()
        claimer = [t for t in self._threads if t.name.endswith('claim_once')]
        for thread in claimer:
            thread.join(timeout)  # no new run starts from here on
        self.runner.stop(timeout)
        self._stop_heart.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        for claim in list(self.claims().values()):
            self._finish(claim, consume=False)
        with contextlib.suppress(Exception):
            self.board.close()
