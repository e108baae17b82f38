"""Wake-ups for tasks that wait on an instance: a notification about it
ends their pause at once instead of at the next poll.

A maintenance task waiting for a migration polls Nova; between two polls
it pauses in :meth:`Watch.wait`. The inventory's notification listener
calls :func:`notify` with the instance of every ``instance.*``
notification it receives; a task watching that instance wakes and polls
Nova right away. Nothing here decides anything: a wake-up only shortens a
pause, and the task still reads Nova (the truth) after it. Without a
listener (``[inventory] listen_notifications`` off, the bus down, the
message delivered to another conductor of the same pool, or lost) every
pause simply lasts its poll interval: polling is the fallback.

Hook point: :func:`notify` is called from
:meth:`fleet.conductor.notifications.InventoryEndpoint.info` (one line,
before the database write, whatever its outcome). A listener that starts
calls :func:`set_listening` so that waits know wake-ups can come.

It is in-process only: the registry is a dict of instance uuid -> count
of notifications seen while someone watches it, under one condition
variable. A notification about an instance nobody watches costs one dict
lookup and is not kept.

Usage::

    with waiters.watch(instance_uuid) as watch:
        while not done():
            watch.wait(pause)       # True if woken by a notification

    waiters.notify(instance_uuid, 'instance.live_migration_post.end')
"""

import contextlib
import threading

_cond = threading.Condition()
#: instance uuid -> [notifications seen, watchers]
_watched: dict = {}
_listening = threading.Event()


def set_listening(on: bool = True) -> None:
    """Say whether a notification listener feeds :func:`notify`."""
    if on:
        _listening.set()
    else:
        _listening.clear()


def listening() -> bool:
    """Whether a notification listener of this process is running."""
    return _listening.is_set()


def notify(instance_uuid: str | None, event_type: str | None = None) -> bool:
    """Something happened to ``instance_uuid``: wake its watchers.

    Called by the notification listener; never raises.

    :returns: whether anyone was watching it.
    """
    if not instance_uuid:
        return False
    with _cond:
        entry = _watched.get(instance_uuid)
        if entry is None:
            return False
        entry[0] += 1
        _cond.notify_all()
        return True


class Watch:
    """One task's watch on one instance (see :func:`watch`)."""

    def __init__(self, instance_uuid: str) -> None:
        self.instance_uuid = instance_uuid
        with _cond:
            entry = _watched.setdefault(instance_uuid, [0, 0])
            entry[1] += 1
            #: Notifications already accounted for: one that came before
            #: the watch was opened is not seen (the task reads Nova after
            #: opening it anyway).
            self._seen = entry[0]
        self._closed = False

    def wait(self, timeout: float) -> bool:
        """Pause up to ``timeout`` seconds, less if a notification about
        the instance came since the last wait (or since the watch was
        opened: none is lost between a poll and this pause).

        :returns: True if woken by a notification, False on timeout.
        """
        if self._closed:
            raise RuntimeError('wait on a closed watch')
        with _cond:
            woken = _cond.wait_for(
                lambda: _watched[self.instance_uuid][0] > self._seen,
                timeout=max(timeout, 0),
            )
            self._seen = _watched[self.instance_uuid][0]
            return bool(woken)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with _cond:
            entry = _watched.get(self.instance_uuid)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] <= 0:
                del _watched[self.instance_uuid]


@contextlib.contextmanager
def watch(instance_uuid: str):
    """Watch ``instance_uuid`` for the duration of the ``with`` block."""
    w = Watch(instance_uuid)
    try:
        yield w
    finally:
        w.close()


def watched() -> set:
    """Instances watched now (for tests and diagnostics)."""
    with _cond:
        return set(_watched)
