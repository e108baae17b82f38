"""The execution state machine: every allowed transition, and every
other (state, event) pair refused."""

import itertools

from automaton import exceptions as automaton_exc

from fleet.common import exception
from fleet.common import states
from fleet.tests import base

ALLOWED = {
    (states.EXEC_AWAITING_APPROVAL, states.EV_APPROVE): states.EXEC_WAITING,
    (states.EXEC_AWAITING_APPROVAL, states.EV_REJECT): states.EXEC_REJECTED,
    (states.EXEC_AWAITING_APPROVAL, states.EV_CANCEL): states.EXEC_CANCELLED,
    (states.EXEC_WAITING, states.EV_ADMIT): states.EXEC_PENDING,
    (states.EXEC_WAITING, states.EV_FAIL): states.EXEC_FAILED,
    (states.EXEC_WAITING, states.EV_CANCEL): states.EXEC_CANCELLED,
    (states.EXEC_PENDING, states.EV_START): states.EXEC_RUNNING,
    (states.EXEC_PENDING, states.EV_FAIL): states.EXEC_FAILED,
    (states.EXEC_PENDING, states.EV_CANCEL): states.EXEC_CANCELLED,
    (states.EXEC_RUNNING, states.EV_START): states.EXEC_RUNNING,
    (states.EXEC_RUNNING, states.EV_REQUEST_CANCEL): states.EXEC_CANCELLING,
    (states.EXEC_RUNNING, states.EV_SUCCEED): states.EXEC_SUCCEEDED,
    (states.EXEC_RUNNING, states.EV_FAIL): states.EXEC_FAILED,
    (states.EXEC_RUNNING, states.EV_CANCEL): states.EXEC_CANCELLED,
    (states.EXEC_CANCELLING, states.EV_START): states.EXEC_CANCELLING,
    (
        states.EXEC_CANCELLING,
        states.EV_REQUEST_CANCEL,
    ): states.EXEC_CANCELLING,
    (states.EXEC_CANCELLING, states.EV_FAIL): states.EXEC_FAILED,
    (states.EXEC_CANCELLING, states.EV_CANCEL): states.EXEC_CANCELLED,
}


class TestExecutionMachine(base.TestCase):
    def test_allowed_transitions(self):
        for (state, event), target in ALLOWED.items():
            self.assertEqual(
                target, states.next_state(state, event), (state, event)
            )

    def test_every_other_transition_is_forbidden(self):
        refused = 0
        for state, event in itertools.product(
            states.EXEC_STATES, states.EXEC_EVENTS
        ):
            if (state, event) in ALLOWED:
                continue
            self.assertRaises(
                exception.InvalidState, states.next_state, state, event, 'r'
            )
            refused += 1
        # 9 states x 8 events, less the allowed ones.
        self.assertEqual(9 * 8 - len(ALLOWED), refused)

    def test_a_cancelled_run_cannot_succeed(self):
        # The race a force-release opens: the flow's last step must not
        # turn a run an admin ended into a success.
        e = self.assertRaises(
            exception.InvalidState,
            states.next_state,
            states.EXEC_CANCELLED,
            states.EV_SUCCEED,
            'run-1',
        )
        self.assertEqual(
            'Execution run-1 is cancelled: "succeed" is allowed only from '
            'running',
            str(e),
        )
        self.assertEqual(409, e.code)

    def test_final_states_are_terminal(self):
        for state in states.EXEC_FINAL_STATES:
            for event in states.EXEC_EVENTS:
                self.assertRaises(
                    exception.InvalidState, states.next_state, state, event
                )

    def test_sources_of_match_the_table(self):
        self.assertEqual(
            (
                states.EXEC_CANCELLING,
                states.EXEC_PENDING,
                states.EXEC_RUNNING,
                states.EXEC_WAITING,
            ),
            states.sources_of(states.EV_FAIL),
        )
        self.assertEqual(
            (states.EXEC_RUNNING,), states.sources_of(states.EV_SUCCEED)
        )

    def test_the_machine_is_frozen(self):
        self.assertRaises(
            automaton_exc.FrozenMachine,
            states.EXECUTION_MACHINE.add_state,
            'limbo',
        )
