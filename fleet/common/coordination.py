"""Coordination of several conductors through tooz.

With ``[coordination] backend_url`` set, each conductor is a member of the
group ``fleet-conductors`` (member id: ``CONF.host``) on a tooz backend
(Redis, ZooKeeper, ...), kept alive by heartbeats from a thread, and one
of them, the holder of the lock ``fleet-conductor-leader``, runs the
once-per-cloud periodic work (inventory sync, monitoring polls, audits).
Runs are not coordinated here: they are jobs on a TaskFlow jobboard
(:mod:`fleet.conductor.jobs`). Unset (the default), :func:`get_coordinator`
returns None: this conductor is the only one, and always the leader.

Usage::

    coordination.start(CONF.host)         # conductor start; None if unset
    coordinator = coordination.get_coordinator()
    if is_leader():
        ...                               # once-per-cloud periodic work
    coordinator.live_members()            # {'conductor-1', ...}
    coordination.stop()                   # conductor stop
"""

import threading

from oslo_config import cfg
from oslo_log import log
from tooz import coordination as tooz_coordination

CONF = cfg.CONF
LOG = log.getLogger(__name__)

#: The tooz group of the live conductors.
GROUP = 'fleet-conductors'
#: The lock held by the conductor that runs the once-per-cloud work.
LEADER_LOCK = b'fleet-conductor-leader'

_coordinator = None
_coordinator_lock = threading.Lock()


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


class Coordinator:
    """One conductor's tooz coordinator: membership, heartbeat, locks."""

    def __init__(self, member_id, backend_url, heartbeat_interval=1.0):
        self.member_id = member_id
        self.backend_url = backend_url
        self.heartbeat_interval = heartbeat_interval
        self._coordinator = None
        self._stop = threading.Event()
        self._heart = None
        self._leader_lock = None
        self._leader_mutex = threading.Lock()

    @property
    def started(self):
        return self._coordinator is not None

    def start(self):
        """Connect, join the group and start heartbeating."""
        coordinator = tooz_coordination.get_coordinator(
            self.backend_url, self.member_id.encode()
        )
        coordinator.start(start_heart=False)
        self._coordinator = coordinator
        self._join()
        self._stop.clear()
        self._heart = threading.Thread(
            target=self._beat, name='coordination-heartbeat', daemon=True
        )
        self._heart.start()
        LOG.info(
            'Conductor %s joined group %s on the coordination backend.',
            self.member_id,
            GROUP,
        )

    def stop(self):
        """Leave the group and disconnect (locks still held are lost)."""
        if self._coordinator is None:
            return
        self.resign()
        self._stop.set()
        if self._heart is not None:
            self._heart.join(10)
        coordinator, self._coordinator = self._coordinator, None
        try:
            coordinator.leave_group(GROUP).get()
        except tooz_coordination.ToozError:
            LOG.warning('Cannot leave group %s.', GROUP, exc_info=True)
        try:
            coordinator.stop()
        except tooz_coordination.ToozError:
            LOG.warning('Cannot stop the coordinator.', exc_info=True)

    def _join(self):
        try:
            self._coordinator.create_group(GROUP).get()
        except tooz_coordination.GroupAlreadyExist:
            pass
        try:
            self._coordinator.join_group(GROUP).get()
        except tooz_coordination.MemberAlreadyExist:
            pass

    def _beat(self):
        while not self._stop.wait(self.heartbeat_interval):
            coordinator = self._coordinator
            if coordinator is None:
                return
            try:
                coordinator.heartbeat()
            except Exception:
                LOG.warning('Coordination heartbeat failed.', exc_info=True)

    def heartbeat(self):
        """One heartbeat now (tests; the thread beats on its own)."""
        self._coordinator.heartbeat()

    def live_members(self):
        """Member ids (str) of the live conductors, this one included.

        A backend that dropped this conductor (e.g. after a long pause)
        sees it join again here.
        """
        members = {
            _text(m) for m in self._coordinator.get_members(GROUP).get()
        }
        if self.member_id not in members:
            LOG.warning(
                'Conductor %s was not a member of %s any more; joining.',
                self.member_id,
                GROUP,
            )
            self._join()
            members.add(self.member_id)
        return members

    def is_alive(self, member_id):
        return member_id in self.live_members()

    def is_leader(self):
        """True if this conductor holds (or now takes) the leader lock.

        The leader runs the once-per-cloud periodic work. The lock is kept
        by the heartbeats; a conductor that stalled past the backend's
        lock timeout finds here that it lost it, and stops leading.
        """
        with self._leader_mutex:
            lock = self._leader_lock
            if lock is not None:
                # A Redis lock expires unless extended: extending it
                # fails if it was lost. Other drivers' locks (file,
                # ZooKeeper) last as long as their holder's session.
                heartbeat = getattr(lock, 'heartbeat', None)
                try:
                    if heartbeat is not None:
                        heartbeat()
                    return True
                except Exception:
                    LOG.warning(
                        'Conductor %s lost the leader lock; it stops '
                        'running the once-per-cloud periodic work.',
                        self.member_id,
                    )
                    self._leader_lock = None
                    self._release_quietly(lock)
                    # Another conductor leads by now, or may take the lock
                    # first: try again at the next check, not at once.
                    return False
            lock = self._coordinator.get_lock(LEADER_LOCK)
            try:
                if not lock.acquire(blocking=False):
                    return False
            except Exception:
                LOG.warning('Cannot take the leader lock.', exc_info=True)
                return False
            self._leader_lock = lock
            LOG.info(
                'Conductor %s is the leader: it runs the once-per-cloud '
                'periodic work.',
                self.member_id,
            )
            return True

    def resign(self):
        """Give the leader lock up (conductor stop)."""
        with self._leader_mutex:
            lock, self._leader_lock = self._leader_lock, None
        if lock is not None:
            self._release_quietly(lock)

    @staticmethod
    def _release_quietly(lock):
        try:
            lock.release()
        except Exception:
            LOG.debug('Cannot release lock %s.', lock.name, exc_info=True)


def get_coordinator():
    """The started coordinator of this process, or None (uncoordinated)."""
    return _coordinator


def is_leader():
    """True if this process runs the once-per-cloud periodic work: it
    holds the leader lock, or nothing is coordinated (one conductor)."""
    coordinator = _coordinator
    return coordinator is None or coordinator.is_leader()


def start(member_id=None):
    """Start this process' coordinator if ``[coordination] backend_url``
    is set; return it, or None."""
    global _coordinator
    url = CONF.coordination.backend_url
    if not url:
        return None
    with _coordinator_lock:
        if _coordinator is None:
            coordinator = Coordinator(
                member_id or CONF.host,
                url,
                CONF.coordination.heartbeat_interval,
            )
            coordinator.start()
            _coordinator = coordinator
        return _coordinator


def stop():
    """Stop this process' coordinator, if any."""
    global _coordinator
    with _coordinator_lock:
        coordinator, _coordinator = _coordinator, None
    if coordinator is not None:
        coordinator.stop()
