"""A runbook's ``limits.max_hosts`` at the one admission point.

:func:`race_runbook_triggers` is also run on MariaDB and PostgreSQL by
``fleet/tests/functional/test_db.py``.
"""

import threading
from unittest import mock

import fixtures

from fleet.alerts import intake
from fleet.alerts import runbooks
from fleet.common import context
from fleet.common import executions
from fleet.common import states
from fleet.tests import base
from fleet.tests.unit.common import test_budget

RUNBOOK = {
    'name': 'mem-drain',
    'enabled': True,
    'match': {'alert_name': 'MemErrors'},
    'threshold_count': 1,
    'threshold_window': 600,
    'cooldown': 0,
    'remediation': {'action': 'maintenance', 'kind': 'drain'},
    'approval': 'automatic',
    'limits': {'max_hosts': 2},
}


def fire(dbapi, names, ctx=None):
    """A firing MemErrors alert per host, recorded without acting."""
    ctx = ctx or context.get_admin_context()
    return [
        intake.process(
            [
                {
                    'source': 'api',
                    'name': 'MemErrors',
                    'severity': 'warning',
                    'host': name,
                    'status': 'firing',
                }
            ],
            ctx,
            mock.Mock(),
            act=False,
        )[0]['alert']
        for name in names
    ]


def race_runbook_triggers(dbapi, names, rpcapi=None, runbook=None):
    """Create the runbook (``max_hosts`` 2), fire its alert on every host
    of ``names``, then evaluate every alert at once, each from its own
    thread (runbooks.evaluate: what a new occurrence does); returns
    ``(decisions, errors)``."""
    runbook = dbapi.create_runbook(dict(runbook or RUNBOOK))
    alerts = fire(dbapi, names)
    rpcapi = rpcapi or mock.Mock()
    barrier = threading.Barrier(len(alerts))
    decisions, errors = [], []

    def trigger(alert):
        ctx = context.get_admin_context()
        barrier.wait()
        try:
            decisions.extend(runbooks.evaluate(alert, ctx, rpcapi))
        except Exception as e:  # reported, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=trigger, args=(a,)) for a in alerts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return runbook, decisions, errors


def check_race(dbapi, runbook, decisions, errors, count):
    """What every database must show after the race (raises
    AssertionError)."""
    assert errors == [], errors
    assert len(decisions) == count, decisions
    assert all(d['action'] == 'execution' for d in decisions), decisions
    runs = dbapi.list_executions()
    got = sorted(r['state'] for r in runs)
    assert got == [states.EXEC_PENDING] * 2 + [states.EXEC_WAITING] * (
        count - 2
    ), got
    for run in runs:
        assert run['parameters']['runbook_limit']['max_hosts'] == 2
        if run['state'] == states.EXEC_WAITING:
            assert run['waiting_reason'].startswith(
                'runbook mem-drain has 2 of 2 allowed hosts in remediation'
            ), run['waiting_reason']


class TestRunbookMaxHosts(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.rpcapi = mock.Mock()
        self.ctx = context.get_admin_context()
        self.addCleanup(executions.set_start_hook, None)

    def test_twenty_triggers_at_once_never_have_three_out(self):
        # Real threads, each with its own connection to one SQLite file.
        tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(base.Database(f'sqlite:///{tmp}/runbooks.sqlite'))
        names = test_budget.make_hosts(self.dbapi, 20, prefix='rb-')
        runbook, decisions, errors = race_runbook_triggers(
            self.dbapi, names, self.rpcapi
        )
        check_race(self.dbapi, runbook, decisions, errors, 20)
        # Only admitted runs were handed to a conductor.
        self.assertEqual(2, self.rpcapi.start_execution.call_count)

    def test_a_waiting_run_goes_when_one_of_the_runbooks_ends(self):
        names = test_budget.make_hosts(self.dbapi, 3, prefix='rb-')
        runbook = self.dbapi.create_runbook(dict(RUNBOOK))
        decisions = []
        for alert in fire(self.dbapi, names):
            decisions.extend(runbooks.evaluate(alert, self.ctx, self.rpcapi))
        self.assertEqual(
            [states.EXEC_PENDING, states.EXEC_PENDING, states.EXEC_WAITING],
            [d['execution_state'] for d in decisions],
        )
        self.assertIn('2 of 2 allowed hosts', decisions[2]['waiting_reason'])
        # The alert's history says the run waits, and why.
        events = self.dbapi.list_alert_events(decisions[2]['alert_uuid'])
        self.assertTrue(
            any('(waiting)' in e['message'] for e in events), events
        )
        started = []
        executions.set_start_hook(lambda uuid: started.append(uuid) or True)
        first = decisions[0]['execution_uuid']
        executions.mark_running(self.dbapi, first)
        executions.finish(self.dbapi, first, states.EV_FAIL, 'it broke')
        self.assertEqual([decisions[2]['execution_uuid']], started)
        self.assertEqual(runbook['uuid'], decisions[2]['runbook_uuid'])

    def test_an_operators_run_does_not_use_the_runbooks_room(self):
        names = test_budget.make_hosts(self.dbapi, 3, prefix='rb-')
        executions.create(
            self.dbapi,
            self.rpcapi,
            None,
            self.dbapi.get_host(names[0]),
            {'kind': 'drain'},
            {'user_id': 'op'},
        )
        self.dbapi.create_runbook(dict(RUNBOOK))
        decisions = []
        for alert in fire(self.dbapi, names[1:]):
            decisions.extend(runbooks.evaluate(alert, self.ctx, self.rpcapi))
        self.assertEqual(
            [states.EXEC_PENDING] * 2,
            [d['execution_state'] for d in decisions],
        )

    def test_approved_runs_beyond_the_limit_wait(self):
        names = test_budget.make_hosts(self.dbapi, 3, prefix='rb-')
        self.dbapi.create_runbook(dict(RUNBOOK, approval='admin'))
        decisions = []
        for alert in fire(self.dbapi, names):
            decisions.extend(runbooks.evaluate(alert, self.ctx, self.rpcapi))
        self.assertEqual(
            [states.EXEC_AWAITING_APPROVAL] * 3,
            [d['execution_state'] for d in decisions],
        )
        ctx = mock.Mock(user_id='op')
        got = [
            executions.approve(
                self.dbapi, self.rpcapi, ctx, d['execution_uuid']
            )['state']
            for d in decisions
        ]
        self.assertEqual(
            [states.EXEC_PENDING, states.EXEC_PENDING, states.EXEC_WAITING],
            got,
        )

    def test_a_runbook_without_a_limit_records_none(self):
        names = test_budget.make_hosts(self.dbapi, 3, prefix='rb-')
        self.dbapi.create_runbook(dict(RUNBOOK, limits={}))
        for alert in fire(self.dbapi, names):
            runbooks.evaluate(alert, self.ctx, self.rpcapi)
        runs = self.dbapi.list_executions()
        self.assertEqual([states.EXEC_PENDING] * 3, [r['state'] for r in runs])
        self.assertNotIn('runbook_limit', runs[0]['parameters'])
