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

    awaiting approval --approve--> waiting --admit--> pending
        |         |                  |       (budgets: fleet.common.budget)
      reject    cancel         fail / cancel
        v         v                  v
    rejected  cancelled      failed / cancelled

    pending --start--> running --succeed--> succeeded
        |                 |  |
  fail / cancel  fail / cancel  request_cancel
        v                 v  v
  failed / cancelled     cancelling --fail / cancel--> failed / cancelled

A new run is recorded ``waiting`` and admitted at once when every
disruption budget has room; otherwise it waits, holding its host, with a
``waiting_reason``, until a run's end or the conductor's periodic
re-check admits it.
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
#: Recorded, holding its host, but not admitted: a disruption budget
#: (fleet.common.budget) has no room for it yet (``waiting_reason``).
EXEC_WAITING = 'waiting'
EXEC_PENDING = 'pending'
EXEC_RUNNING = 'running'
EXEC_CANCELLING = 'cancelling'
EXEC_SUCCEEDED = 'succeeded'
EXEC_FAILED = 'failed'
EXEC_CANCELLED = 'cancelled'
EXEC_REJECTED = 'rejected'

EXEC_STATES = (
    EXEC_AWAITING_APPROVAL,
    EXEC_WAITING,
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
    EXEC_WAITING,
    EXEC_PENDING,
    EXEC_RUNNING,
    EXEC_CANCELLING,
)

#: States in which a run's host counts as out of service for the
#: disruption budgets: it was admitted and has not ended.
EXEC_ADMITTED_STATES = (
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
#: An approver lets a run awaiting approval go (-> waiting, then
#: admitted through the budgets like any other run).
EV_APPROVE = 'approve'
#: The admission point found room in every disruption budget
#: (waiting -> pending).
EV_ADMIT = 'admit'
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
    EV_ADMIT,
    EV_REJECT,
    EV_START,
    EV_REQUEST_CANCEL,
    EV_SUCCEED,
    EV_FAIL,
    EV_CANCEL,
)

#: (from state, event, to state): every transition a run may make.
EXEC_TRANSITIONS = (
    (EXEC_AWAITING_APPROVAL, EV_APPROVE, EXEC_WAITING),
    (EXEC_AWAITING_APPROVAL, EV_REJECT, EXEC_REJECTED),
    (EXEC_AWAITING_APPROVAL, EV_CANCEL, EXEC_CANCELLED),
    (EXEC_WAITING, EV_ADMIT, EXEC_PENDING),
    (EXEC_WAITING, EV_FAIL, EXEC_FAILED),
    (EXEC_WAITING, EV_CANCEL, EXEC_CANCELLED),
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


# Plans (rolling maintenance, fleet.conductor.plans).
#: Starting hosts as the budgets allow.
PLAN_RUNNING = 'running'
#: Paused by an operator: starts nothing; running hosts finish.
PLAN_PAUSED = 'paused'
#: Paused by a firing blocking alert; goes on by itself once it resolves.
PLAN_BLOCKED = 'blocked'
#: Every host done.
PLAN_SUCCEEDED = 'succeeded'
#: Stopped after too many failed hosts (``state_reason`` says which).
PLAN_FAILED = 'failed'
#: Cancelled by an operator: nothing new starts, waiting runs are
#: cancelled, running hosts finish.
PLAN_CANCELLED = 'cancelled'

PLAN_STATES = (
    PLAN_RUNNING,
    PLAN_PAUSED,
    PLAN_BLOCKED,
    PLAN_SUCCEEDED,
    PLAN_FAILED,
    PLAN_CANCELLED,
)
PLAN_FINAL_STATES = (PLAN_SUCCEEDED, PLAN_FAILED, PLAN_CANCELLED)
PLAN_ACTIVE_STATES = (PLAN_RUNNING, PLAN_PAUSED, PLAN_BLOCKED)
