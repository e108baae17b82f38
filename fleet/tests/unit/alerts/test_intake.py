"""fleet.alerts.intake: fingerprints, silences of hosts in maintenance,
one transaction per batch."""

from unittest import mock

from fleet.alerts import intake
from fleet.common import context
from fleet.db.sqlalchemy import alerts as sa_alerts
from fleet.tests import base


def _signal(**kw):
    signal = {
        'source': 'test',
        'name': 'Hot',
        'severity': 'warning',
        'host': 'c1',
        'labels': {'sensor': 'cpu'},
        'status': 'firing',
    }
    signal.update(kw)
    return signal


class TestIntake(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.host = self.create_host(name='c1', kind='compute')
        self.ctx = context.get_admin_context()
        self.rpcapi = mock.Mock()

    def test_fingerprint_is_stable_and_label_order_free(self):
        a = intake.fingerprint('Hot', 'c1', {'a': '1', 'b': '2'})
        b = intake.fingerprint('Hot', 'c1', {'b': '2', 'a': '1'})
        self.assertEqual(a, b)
        self.assertNotEqual(a, intake.fingerprint('Hot', 'c2', {'a': '1'}))

    def test_same_alert_from_two_signals_is_one_alert(self):
        intake.process([_signal()], self.ctx, self.rpcapi)
        results = intake.process([_signal()], self.ctx, self.rpcapi)
        self.assertEqual(1, len(self.dbapi.list_alerts()))
        # No occurrence key: each signal is an occurrence.
        self.assertEqual(2, results[0]['alert']['count'])

    def test_host_held_by_a_run_is_silenced(self):
        self.dbapi.reserve_host('c1', 'e0000000-0000-4000-8000-000000000009')
        result = intake.process([_signal()], self.ctx, self.rpcapi)[0]
        self.assertEqual('silenced', result['alert']['state'])
        self.assertIn('held by run', result['alert']['silence_reason'])

    def test_batch_is_one_transaction(self):
        real = sa_alerts.AlertConnection._ingest_one
        calls = []

        def second_fails(conn, session, signal, now):
            calls.append(signal['name'])
            if len(calls) == 2:
                raise RuntimeError('the database went away')
            return real(conn, session, signal, now)

        with mock.patch.object(
            sa_alerts.AlertConnection, '_ingest_one', second_fails
        ):
            self.assertRaises(
                RuntimeError,
                intake.process,
                [_signal(), _signal(name='Other')],
                self.ctx,
                self.rpcapi,
            )
        self.assertEqual(['Hot', 'Other'], calls)
        # The first alert was written, then rolled back with the batch.
        self.assertEqual([], self.dbapi.list_alerts())

    def test_resolve_of_unknown_alert_is_ignored(self):
        result = intake.process(
            [_signal(status='resolved')], self.ctx, self.rpcapi
        )[0]
        self.assertIsNone(result['alert'])
        self.assertEqual([], self.dbapi.list_alerts())
