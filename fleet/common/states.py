"""States of hosts and executions, and the transitions between them.

A host's ``state`` says who may act on it:

* ``active``: in production, managed by fleet.
* ``draining``: a run is moving its workload away.
* ``maintenance``: out of production for a run (patch, reboot, replace).
* ``unmanaged``: handed to a human (``state_reason``, ``owner``); fleet
  leaves it alone until it is returned.
* ``failed``: fleet saw it fail and could not fix it.
* ``retired``: kept for history only.
"""

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
