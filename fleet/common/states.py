"""States of hosts and executions, and the transitions between them.

A host's ``state`` says who may act on it:

* ``active``: in production, managed by fleet.
* ``draining``: a run is moving its workload away.
* ``maintenance``: out of production for a run (patch, reboot, replace).
* ``unmanaged``: handed to a human (``state_reason``, ``owner``); fleet
  leaves it alone until it is returned.
* ``failed``: fleet saw it fail and could not fix it.
* ``retired``: kept for history only.

A run (execution) moves through :data:`EXECUTION_MACHINE`, an
``automaton`` finite state machine; :func:`next_state` is the one place
that says which transition an event makes, and
:mod:`fleet.common.executions` the one module that writes a run's state
(and releases its host in the same transaction when the run ends)::

    awaiting approval --approve--> pending --start--> running --succeed-->
        |         |                    |                 |  |     succeeded
      reject    cancel          fail / cancel  fail / cancel  request_cancel
        v         v                    v                 v  v
    rejected  cancelled        failed / cancelled     cancelling
                                                         | fail / cancel
                                                         v
                                                  failed / cancelled

(``start`` on a running or cancelling run keeps its state: a resumed
flow.) :data:`EXEC_TRANSITIONS` is the whole table.

Usage::

    states.next_state(states.EXEC_RUNNING, states.EV_SUCCEED)
    # 'succeeded'; a forbidden event raises InvalidState
"""

from automaton import exceptions as automaton_exc
from automaton import machines

from fleet.common import exception

HOST_ACTIVE = 'active'
HOST_DRAINING = 'draining'
HOST_MAINTENANCE = 'maintenance'
HOST_UNMANAGED = 'unmanaged'
HOST_FAILED = 'failed'
HOST_RETIRED = 'retired'

HOST_STATES = (
    HOST_ACTIVE,
    HOST_DRAINING,
    HOST_MAINTENANCE,
    HOST_UNMANAGED,
    HOST_FAILED,
    HOST_RETIRED,
)

HOST_KINDS = (
    'compute',
    'controller',
    'network',
    'storage',
    'utility',
    'switch',
    'pdu',
)

EXEC_AWAITING_APPROVAL = 'awaiting approval'
EXEC_PENDING = 'pending'
EXEC_RUNNING = 'running'
EXEC_CANCELLING = 'cancelling'
EXEC_SUCCEEDED = 'succeeded'
EXEC_FAILED = 'failed'
EXEC_CANCELLED = 'cancelled'
EXEC_REJECTED = 'rejected'

EXEC_STATES = (
    EXEC_AWAITING_APPROVAL,
    EXEC_PENDING,
    EXEC_RUNNING,
    EXEC_CANCELLING,
    EXEC_SUCCEEDED,
    EXEC_FAILED,
    EXEC_CANCELLED,
    EXEC_REJECTED,
)

#: States in which a run holds its host.
EXEC_ACTIVE_STATES = (
    EXEC_AWAITING_APPROVAL,
    EXEC_PENDING,
    EXEC_RUNNING,
    EXEC_CANCELLING,
)

#: States a run never leaves.
EXEC_FINAL_STATES = (
    EXEC_SUCCEEDED,
    EXEC_FAILED,
    EXEC_CANCELLED,
    EXEC_REJECTED,
)

# Events of the execution state machine.
#: An approver lets a run awaiting approval go (-> pending).
EV_APPROVE = 'approve'
#: An approver refuses it (-> rejected, host released).
EV_REJECT = 'reject'
#: A conductor's flow begins (pending -> running); a resumed run stays
#: running, a run cancelled before it began stays cancelling.
EV_START = 'start'
#: Someone asks a running run to stop (-> cancelling).
EV_REQUEST_CANCEL = 'request_cancel'
#: The flow's last step (-> succeeded, host released).
EV_SUCCEED = 'succeed'
#: A step failed, the run could not start, or a check closed it
#: (-> failed, host released).
EV_FAIL = 'fail'
#: The run stopped on request or by an admin's release (-> cancelled,
#: host released).
EV_CANCEL = 'cancel'

EXEC_EVENTS = (
    EV_APPROVE,
    EV_REJECT,
    EV_START,
    EV_REQUEST_CANCEL,
    EV_SUCCEED,
    EV_FAIL,
    EV_CANCEL,
)

#: (from state, event, to state): every transition a run may make.
EXEC_TRANSITIONS = (
    (EXEC_AWAITING_APPROVAL, EV_APPROVE, EXEC_PENDING),
    (EXEC_AWAITING_APPROVAL, EV_REJECT, EXEC_REJECTED),
    (EXEC_AWAITING_APPROVAL, EV_CANCEL, EXEC_CANCELLED),
    (EXEC_PENDING, EV_START, EXEC_RUNNING),
    (EXEC_PENDING, EV_FAIL, EXEC_FAILED),
    (EXEC_PENDING, EV_CANCEL, EXEC_CANCELLED),
    (EXEC_RUNNING, EV_START, EXEC_RUNNING),
    (EXEC_RUNNING, EV_REQUEST_CANCEL, EXEC_CANCELLING),
    (EXEC_RUNNING, EV_SUCCEED, EXEC_SUCCEEDED),
    (EXEC_RUNNING, EV_FAIL, EXEC_FAILED),
    (EXEC_RUNNING, EV_CANCEL, EXEC_CANCELLED),
    (EXEC_CANCELLING, EV_START, EXEC_CANCELLING),
    (EXEC_CANCELLING, EV_REQUEST_CANCEL, EXEC_CANCELLING),
    (EXEC_CANCELLING, EV_FAIL, EXEC_FAILED),
    (EXEC_CANCELLING, EV_CANCEL, EXEC_CANCELLED),
)


def _build_machine() -> machines.FiniteMachine:
    machine = machines.FiniteMachine()
    for state in EXEC_STATES:
        machine.add_state(state, terminal=state in EXEC_FINAL_STATES)
    for start, event, end in EXEC_TRANSITIONS:
        machine.add_transition(start, end, event)
    machine.default_start_state = EXEC_PENDING
    machine.freeze()
    return machine


#: The execution state machine (frozen: copy it to walk it).
EXECUTION_MACHINE = _build_machine()


def next_state(current: str, event: str, resource_id: str = '') -> str:
    """The state a run in ``current`` moves to on ``event``.

    :raises: InvalidState if the machine forbids it (e.g. ``succeed`` on
        a cancelled run, or anything on a run that has ended).
    """
    machine = EXECUTION_MACHINE.copy()
    try:
        machine.initialize(current)
        machine.process_event(event)
    except (automaton_exc.NotFound, automaton_exc.InvalidState) as e:
        allowed = sorted(sources_of(event))
        raise exception.InvalidState(
            resource='Execution',
            id=resource_id,
            state=current,
            reason=f'"{event}" is allowed only from '
            + (', '.join(allowed) or 'no state'),
        ) from e
    return machine.current_state


def sources_of(event: str) -> tuple:
    """The states from which ``event`` is allowed: the condition a
    database write puts on the run's current state, so that the check and
    the write are one atomic step."""
    return tuple(
        sorted({start for start, ev, _end in EXEC_TRANSITIONS if ev == event})
    )
