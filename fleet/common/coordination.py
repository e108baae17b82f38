"""Coordination of several conductors through tooz.

With ``[coordination] backend_url`` set, each conductor is a member of the
group ``fleet-conductors`` (member id: ``CONF.host``) on a tooz backend
(Redis, ZooKeeper, ...), kept alive by heartbeats from a thread, and holds
the lock ``fleet-execution-<uuid>`` of every run it runs. Unset (the
default), :func:`get_coordinator` returns None and nothing is coordinated:
one conductor, today's behaviour.

Usage::

    coordination.start(CONF.host)         # conductor start; None if unset
    coordinator = coordination.get_coordinator()
    with coordinator.run_lock(uuid) as locked:
        if locked:
            ...                           # no other conductor holds it
    coordinator.live_members()            # {'conductor-1', ...}
    coordination.stop()                   # conductor stop
"""

import contextlib
import threading

from oslo_config import cfg
from oslo_log import log
from tooz import coordination as tooz_coordination

CONF = cfg.CONF
LOG = log.getLogger(__name__)

#: The tooz group of the live conductors.
GROUP = 'fleet-conductors'
_LOCK_PREFIX = 'fleet-execution-'

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

    def acquire_run_lock(self, execution_uuid):
        """The run's lock if this coordinator could take it at once, else
        None (another conductor holds it, or the backend failed)."""
        lock = self._coordinator.get_lock(
            (_LOCK_PREFIX + execution_uuid).encode()
        )
        try:
            if lock.acquire(blocking=False):
                return lock
        except tooz_coordination.ToozError:
            LOG.warning(
                'Cannot take the lock of run %s.',
                execution_uuid,
                exc_info=True,
            )
        return None

    @staticmethod
    def release_run_lock(lock):
        try:
            lock.release()
        except tooz_coordination.ToozError:
            LOG.warning('Cannot release lock %s.', lock.name, exc_info=True)

    @contextlib.contextmanager
    def run_lock(self, execution_uuid):
        """Yield True while holding the run's lock, False (at once) if
        someone else holds it."""
        lock = self.acquire_run_lock(execution_uuid)
        try:
            yield lock is not None
        finally:
            if lock is not None:
                self.release_run_lock(lock)


def get_coordinator():
    """The started coordinator of this process, or None (uncoordinated)."""
    return _coordinator


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
