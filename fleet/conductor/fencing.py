"""Fencing: a conductor acts on a run only while it owns the run's job.

A conductor claims a run's job on the jobboard with an expiry that it
keeps extending while it works (:class:`fleet.conductor.jobs.Claim`).
A conductor that stalls (a long GC pause, SIGSTOP, a lost connection to
the board) may find on waking that its claim lapsed and another conductor
resumed the run. From then on it must do nothing more on that run: no
Nova call, no executor run, no database or logbook write. Every such step
asks :func:`check` first; a lost claim raises :class:`ClaimLost`, which
neither reverts the flow nor fails the run (the new owner resumes it).

Usage::

    fencing.register(execution_uuid, claim)   # the run's engine starts
    fencing.check(execution_uuid)             # before a side effect
    fencing.unregister(execution_uuid)        # the run's engine stopped
"""

import threading

from fleet.common import exception

_claims = {}
_lock = threading.Lock()


class ClaimLost(exception.FleetException):
    """This conductor does not own the run's job any more: it stops
    working on the run at once, without reverting anything; the conductor
    that claimed the job resumes the run from its persisted flow."""

    _msg_fmt = (
        'Conductor %(conductor)s lost its claim on run %(execution)s '
        '(owner now: %(owner)s); it stops acting on it.'
    )


def register(execution_uuid, claim):
    with _lock:
        _claims[execution_uuid] = claim


def unregister(execution_uuid, claim=None):
    with _lock:
        if claim is None or _claims.get(execution_uuid) is claim:
            _claims.pop(execution_uuid, None)


def get(execution_uuid):
    with _lock:
        return _claims.get(execution_uuid)


def check(execution_uuid):
    """:raises: ClaimLost if this conductor's claim on the run lapsed.

    A run with no registered claim (a flow run without a jobboard, e.g.
    a task called directly in a test) is not fenced.
    """
    claim = get(execution_uuid)
    if claim is not None:
        claim.check()


def is_lost(execution_uuid):
    """True if the run's claim is known lost (no board round trip)."""
    claim = get(execution_uuid)
    return claim is not None and claim.lost


def still_owned(execution_uuid):
    """Whether this conductor may still write the run's history or
    progress: :func:`check` (which asks the board once the last
    confirmation is older than half the claim expiry, as after a stall)
    without raising. A stalled conductor that wakes mid-step thus writes
    nothing more, even before anything else noticed the lapse.
    """
    try:
        check(execution_uuid)
    except ClaimLost:
        return False
    return True
