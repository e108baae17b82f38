"""fleet's versioned notifications: what is emitted has exactly the shape
(event type, priority, payload name, version and fields) of the samples
committed in doc/notification_samples/."""

import datetime
import json
import os
from unittest import mock

from oslo_messaging.notify import _impl_test

from fleet.audits import auditor
from fleet.common import context
from fleet.common import exception
from fleet.common import executions
from fleet.common import rpc
from fleet.common import states
from fleet.conductor import engine
from fleet.notifications import alert
from fleet.notifications import base as notif_base
from fleet.notifications import execution
from fleet.notifications import finding
from fleet.tests import base
from fleet.tests.unit.api import test_alerts
from fleet.tests.unit.audits import test_auditor

ROOT = os.path.dirname(
    os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    )
)
SAMPLES = os.path.join(ROOT, 'doc', 'notification_samples')


def _sample(name):
    with open(os.path.join(SAMPLES, name)) as f:
        return json.load(f)


def _shape(value):
    """Keys (recursively for the payload object), not values."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return type(value).__name__ if value is not None else None


class NotificationsFixtureMixin:
    def setUp(self):
        super().setUp()
        self.config(driver=['test'], group='oslo_messaging_notifications')
        self.useFixture(base.RPCFixture())
        notif_base._notifier = None
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)

    def sent(self):
        return [
            (message, priority)
            for _ctx, message, priority, _retry in _impl_test.NOTIFICATIONS
        ]

    def assert_like_sample(self, message, priority, sample_name):
        sample = _sample(sample_name)
        self.assertEqual(sample['event_type'], message['event_type'])
        self.assertEqual(sample['priority'], priority.upper())
        payload, expected = message['payload'], sample['payload']
        for key in (
            'fleet_object.name',
            'fleet_object.namespace',
            'fleet_object.version',
        ):
            self.assertEqual(expected[key], payload[key])
        self.assertEqual(
            sorted(expected['fleet_object.data']),
            sorted(payload['fleet_object.data']),
        )
        self.assertTrue(message['publisher_id'].startswith('fleet:'))


class TestSamples(NotificationsFixtureMixin, base.DbTestCase):
    def test_every_payload_has_a_sample(self):
        self.assertEqual(
            [
                'alert-raise.json',
                'alert-resolve.json',
                'execution-end.json',
                'execution-start.json',
                'finding-update.json',
            ],
            sorted(os.listdir(SAMPLES)),
        )

    def test_sample_data_is_the_payload_fields(self):
        for name, payload in (
            ('alert-raise.json', alert.AlertPayload),
            ('alert-resolve.json', alert.AlertPayload),
            ('execution-start.json', execution.ExecutionPayload),
            ('execution-end.json', execution.ExecutionPayload),
            ('finding-update.json', finding.FindingPayload),
        ):
            sample = _sample(name)['payload']
            self.assertEqual(payload.NAME, sample['fleet_object.name'])
            self.assertEqual(payload.VERSION, sample['fleet_object.version'])
            self.assertEqual(
                sorted(payload.FIELDS), sorted(sample['fleet_object.data'])
            )

    def _run(self, state, name='c1', **values):
        host = self.create_host(name=name)
        run = self.dbapi.create_execution(
            dict(
                {
                    'kind': 'drain',
                    'state': state,
                    'host_uuid': host['uuid'],
                },
                **values,
            )
        )
        self.dbapi.update_host(host['uuid'], {'execution_uuid': run['uuid']})
        return host, run

    def ends(self):
        return [
            (m, p) for m, p in self.sent() if m['event_type'] == execution.END
        ]

    def test_execution_start_and_end(self):
        _host, run = self._run(
            'running', started_at=datetime.datetime(2026, 11, 21, 10, 0)
        )
        engine._notify_start(run['uuid'])
        executions.finish(self.dbapi, run['uuid'], states.EV_FAIL, 'broke')
        (start, p1), (end, p2) = self.sent()
        self.assert_like_sample(start, p1, 'execution-start.json')
        # A run that did not succeed ends with a warning.
        self.assertEqual('warn', p2.lower()[:4])
        end_sample = _sample('execution-end.json')
        self.assertEqual(end_sample['event_type'], end['event_type'])
        self.assertEqual(
            _shape(end_sample['payload'])['fleet_object.data'].keys(),
            end['payload']['fleet_object.data'].keys(),
        )
        data = end['payload']['fleet_object.data']
        self.assertEqual(('failed', 'broke'), (data['state'], data['result']))
        self.assertTrue(data['finished_at'].endswith('Z'))

    def test_runs_the_api_closes_end_too(self):
        # A run that never reached a conductor's flow still ends with
        # execution.end: a cancel while pending, a rejection, a forced
        # release; each exactly once.
        ctx = context.get_admin_context()
        ctx.user_id = 'op'
        _host, run = self._run('pending', name='c1')
        executions.request_cancel(self.dbapi, None, ctx, run['uuid'])
        _host, run2 = self._run(states.EXEC_AWAITING_APPROVAL, name='c2')
        executions.reject(self.dbapi, ctx, run2['uuid'], 'not now')
        host3, run3 = self._run('running', name='c3')
        executions.release_host(
            self.dbapi,
            self.dbapi.get_host(host3['uuid']),
            'stuck',
            {'actor': 'op'},
        )
        ends = [m['payload']['fleet_object.data'] for m, _p in self.ends()]
        self.assertEqual(
            [
                (run['uuid'], 'cancelled'),
                (run2['uuid'], 'rejected'),
                (run3['uuid'], 'cancelled'),
            ],
            [(d['uuid'], d['state']) for d in ends],
        )

    def test_a_run_that_already_ended_is_not_notified_again(self):
        _host, run = self._run('running')
        executions.finish(self.dbapi, run['uuid'], states.EV_SUCCEED, 'ok')
        self.assertRaises(
            exception.InvalidState,
            executions.finish,
            self.dbapi,
            run['uuid'],
            states.EV_FAIL,
            'late',
        )
        self.assertEqual(1, len(self.ends()))
        self.assertEqual('INFO', self.ends()[0][1].upper())

    def test_emit_never_raises(self):
        class Broken:
            transport = rpc.NOTIFICATION_TRANSPORT

            def info(self, *args):
                raise RuntimeError('bus down')

        notif_base._notifier = Broken()
        self.addCleanup(setattr, notif_base, '_notifier', None)
        notif_base.emit(
            context.get_admin_context(),
            'execution.start',
            execution.ExecutionPayload({}),
        )


class TestAlertNotifications(
    NotificationsFixtureMixin, test_alerts.AlertsTestBase
):
    def test_raise_and_resolve_like_samples(self):
        self.hook(test_alerts.payload(test_alerts.am_alert()))
        # A duplicate raises nothing new.
        self.hook(test_alerts.payload(test_alerts.am_alert()))
        resolved = test_alerts.am_alert(status='resolved')
        resolved['endsAt'] = '2026-11-21T10:30:00Z'
        self.hook(test_alerts.payload(resolved))
        sent = self.sent()
        self.assertEqual(
            ['alert.raise', 'alert.resolve'],
            [m['event_type'] for m, _ in sent],
        )
        self.assert_like_sample(*sent[0], 'alert-raise.json')
        self.assert_like_sample(*sent[1], 'alert-resolve.json')
        data = sent[1][0]['payload']['fleet_object.data']
        self.assertEqual('resolved', data['state'])
        self.assertEqual('2026-11-21T10:30:00Z', data['resolved_at'])


class TestFindingNotifications(
    NotificationsFixtureMixin, test_auditor.AuditTestCase
):
    """finding.update: once per change of result, never for the same
    result found again."""

    def updates(self):
        return [
            (m, p) for m, p in self.sent() if m['event_type'] == finding.UPDATE
        ]

    def data(self, sent):
        return [
            (
                m['payload']['fleet_object.data']['host_name'],
                m['payload']['fleet_object.data']['rule'],
                m['payload']['fleet_object.data']['old_result'],
                m['payload']['fleet_object.data']['result'],
                p,
            )
            for m, p in sent
        ]

    def test_every_change_of_result_once(self):
        self.gather(self.h1)
        auditor.audit(self.dbapi, act=False)
        first = self.updates()
        # A first failure and the first "error"s (cmp-2 has no facts) are
        # news; the first passes and notapplicables are not.
        self.assertEqual(
            [
                ('cmp-1', 'kernel-patch-level', None, 'fail', 'WARN'),
                ('cmp-2', 'kernel-patch-level', None, 'error', 'WARN'),
                ('cmp-2', 'nova-compute-running', None, 'error', 'WARN'),
            ],
            sorted(self.data(first)),
        )
        self.assert_like_sample(*first[0], 'finding-update.json')
        data = first[0][0]['payload']['fleet_object.data']
        self.assertEqual(self.profile['uuid'], data['profile_uuid'])
        self.assertEqual('el9', data['profile_name'])
        self.assertEqual({'value': '5.14.0-427.el9.x86_64'}, data['evidence'])
        self.assertTrue(data['changed_at'].endswith('Z'))
        found = self.findings()[('cmp-1', 'kernel-patch-level')]
        self.assertEqual(found['uuid'], data['uuid'])

        # The same again: nothing sent.
        _impl_test.reset()
        auditor.audit(self.dbapi, act=False)
        self.assertEqual([], self.updates())

        # Other evidence, same result: not a change of result.
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-430.el9.x86_64'})
        self.gather(self.h1)
        auditor.audit(self.dbapi, act=False)
        self.assertEqual([], self.updates())

        # Fixed: fail -> pass, an INFO.
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-503.el9.x86_64'})
        self.gather(self.h1)
        auditor.audit(self.dbapi, act=False)
        self.assertEqual(
            [('cmp-1', 'kernel-patch-level', 'fail', 'pass', 'INFO')],
            self.data(self.updates()),
        )

        # Broken again: pass -> fail.
        _impl_test.reset()
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-362.el9.x86_64'})
        self.gather(self.h1)
        auditor.audit(self.dbapi, act=False)
        self.assertEqual(
            [('cmp-1', 'kernel-patch-level', 'pass', 'fail', 'WARN')],
            self.data(self.updates()),
        )

    def test_notable(self):
        def change(old, new):
            return {'old_result': old, 'new_result': new}

        self.assertFalse(finding.notable(change(None, 'pass')))
        self.assertFalse(finding.notable(change(None, 'notapplicable')))
        self.assertFalse(finding.notable(change('fail', 'fail')))
        self.assertTrue(finding.notable(change(None, 'fail')))
        self.assertTrue(finding.notable(change(None, 'error')))
        self.assertTrue(finding.notable(change('error', 'pass')))
        self.assertTrue(finding.notable(change('pass', 'notapplicable')))

    def test_nothing_built_without_a_transport(self):
        with mock.patch.object(notif_base, 'get_notifier', return_value=None):
            with mock.patch.object(finding, 'FindingPayload') as payload:
                sent = finding.emit_changes(
                    None,
                    [
                        {
                            'finding': {},
                            'old_result': 'pass',
                            'new_result': 'fail',
                        }
                    ],
                )
        self.assertEqual(0, sent)
        payload.assert_not_called()

    def test_a_broken_bus_does_not_break_the_audit(self):
        self.gather(self.h1)
        with mock.patch.object(notif_base, 'get_notifier') as get_notifier:
            get_notifier.return_value.error.side_effect = RuntimeError
            get_notifier.return_value.warning.side_effect = RuntimeError(
                'bus down'
            )
            summary = auditor.audit(self.dbapi, act=False)
        self.assertIn(
            {
                'host': 'cmp-1',
                'profile': 'el9',
                'rule': 'kernel-patch-level',
                'old': None,
                'new': 'fail',
            },
            summary['changes'],
        )
        self.assertEqual(
            'fail', self.findings()[('cmp-1', 'kernel-patch-level')]['result']
        )
