"""/v1/alerts and the Alertmanager webhook: dedup, occurrences, silences,
runbooks acting through the executions path, approval, 400/401."""

from unittest import mock

from fleet.alerts import states as alert_states
from fleet.common import states
from fleet.conductor import rpcapi
from fleet.tests.unit.api import base

V = 'fleet 1.3'
HOOK = '/v1/webhooks/alertmanager'
HOOK_TOKEN = 'unit-webhook-token'


def am_alert(
    name='NovaComputeDown',
    host='cmp-1',
    starts='10:00:00',
    status='firing',
    fingerprint='fp1',
    **labels,
):
    return {
        'status': status,
        'labels': dict(
            alertname=name,
            instance=f'{host}:9100',
            severity='critical',
            **labels,
        ),
        'annotations': {'summary': f'{name} on {host}'},
        'startsAt': f'2026-11-21T{starts}Z',
        'endsAt': '0001-01-01T00:00:00Z',
        'generatorURL': 'http://prometheus/graph',
        'fingerprint': fingerprint,
    }


def payload(*alerts):
    return {
        'version': '4',
        'groupKey': '{}:{alertname="NovaComputeDown"}',
        'status': 'firing',
        'receiver': 'fleet',
        'groupLabels': {},
        'commonLabels': {},
        'commonAnnotations': {},
        'externalURL': 'http://alertmanager',
        'alerts': list(alerts),
    }


RUNBOOK = {
    'name': 'compute-down-drain',
    'match': {'alert_name': 'NovaComputeDown', 'host_kind': 'compute'},
    'threshold': {'count': 3, 'window': 600},
    'cooldown': 3600,
    'remediation': {
        'action': 'maintenance',
        'kind': 'drain',
        'parameters': {'max_parallel': 1},
    },
    'approval': 'automatic',
}


class AlertsTestBase(base.APITestCase):
    def setUp(self):
        super().setUp()
        self.host = self.create_host(
            name='cmp-1', kind='compute', availability_zone='az1'
        )
        patcher = mock.patch.object(rpcapi.ConductorAPI, 'start_execution')
        self.start = patcher.start()
        self.addCleanup(patcher.stop)

    def hook(self, body, status=200, headers=None, **kw):
        # The webhook takes its own token only.
        self.config(webhook_token=HOOK_TOKEN, group='alerts')
        if headers is None:
            headers = {'Authorization': f'Bearer {HOOK_TOKEN}'}
        return self.request(
            'POST', HOOK, body, status=status, headers=headers, **kw
        )

    def runbook(self, **changes):
        body = dict(RUNBOOK, **changes)
        return self.request(
            'POST', '/v1/runbooks', body, version=V, status=201
        ).json


class TestWebhook(AlertsTestBase):
    def test_dedup_and_occurrences(self):
        result = self.hook(payload(am_alert())).json['results'][0]
        self.assertFalse(result['duplicate'])
        alert = result['alert']
        self.assertEqual('firing', alert['state'])
        self.assertEqual('cmp-1', alert['host_name'])
        self.assertEqual(self.host['uuid'], alert['host_uuid'])
        self.assertEqual('critical', alert['severity'])
        self.assertEqual(1, alert['count'])
        # Alertmanager re-sends the same firing alert: not counted again.
        again = self.hook(payload(am_alert())).json['results'][0]
        self.assertTrue(again['duplicate'])
        self.assertEqual(alert['uuid'], again['alert']['uuid'])
        self.assertEqual(1, again['alert']['count'])
        # A new startsAt is a new occurrence of the same alert.
        third = self.hook(payload(am_alert(starts='10:05:00'))).json
        self.assertEqual(2, third['results'][0]['alert']['count'])
        self.assertEqual(1, len(self.dbapi.list_alerts()))

    def test_resolve_then_fire_again(self):
        uuid = self.hook(payload(am_alert())).json['results'][0]['alert'][
            'uuid'
        ]
        resolved = am_alert(status='resolved')
        resolved['endsAt'] = '2026-11-21T10:03:00Z'
        body = self.hook(payload(resolved)).json['results'][0]
        self.assertEqual('resolved', body['alert']['state'])
        self.assertIsNotNone(body['alert']['resolved_at'])
        body = self.hook(payload(am_alert(starts='10:10:00'))).json
        self.assertEqual('firing', body['results'][0]['alert']['state'])
        kinds = [
            e['kind']
            for e in self.get(f'/v1/alerts/{uuid}', version=V).json['history']
        ]
        self.assertEqual(['occurrence', 'resolved', 'occurrence'], kinds)

    def test_bad_payloads_are_400_and_store_nothing(self):
        good = am_alert()
        bads = [
            'not json',
            {'alerts': [good]},
            dict(payload(good), version='3'),
            payload(good, {'status': 'firing', 'labels': {}}),
            payload(good, dict(good, startsAt='yesterday')),
            payload(good, dict(good, status='burning')),
            payload(good, dict(good, labels={'alertname': 'X', 'n': 1})),
        ]
        for bad in bads:
            response = self.hook(bad, status=400)
            self.assert_fault(response, 400)
        self.assertEqual([], self.dbapi.list_alerts())

    def test_too_many_alerts(self):
        self.config(max_webhook_alerts=2, group='alerts')
        alerts = [am_alert(fingerprint=f'f{i}') for i in range(3)]
        response = self.hook(payload(*alerts), status=400)
        self.assert_fault(response, 400, 'max_webhook_alerts')
        self.assertEqual([], self.dbapi.list_alerts())

    def test_bearer_token(self):
        for headers in (
            {},
            {'Authorization': 'Bearer wrong'},
            {'Authorization': 'Basic czNjcmV0'},
        ):
            response = self.hook(payload(am_alert()), 401, headers=headers)
            self.assert_fault(response, 401)
        self.assertEqual([], self.dbapi.list_alerts())
        self.hook(payload(am_alert()))
        self.assertEqual(1, len(self.dbapi.list_alerts()))

    def test_unknown_host_is_kept(self):
        body = self.hook(payload(am_alert(host='nowhere'))).json
        alert = body['results'][0]['alert']
        self.assertIsNone(alert['host_uuid'])
        self.assertEqual('nowhere', alert['host_name'])


class TestRunbookActs(AlertsTestBase):
    def fire(self, n, start=0, **kw):
        out = None
        for i in range(start, start + n):
            out = self.hook(payload(am_alert(starts=f'10:{i:02d}:00', **kw)))
        return out.json['results'][0]

    def test_run_of_a_catalogued_action(self):
        # The shipped catalog's noop action: the run records it and its
        # definition, as POST /v1/executions would.
        self.runbook(
            threshold={'count': 1, 'window': 600},
            remediation={
                'action': 'maintenance',
                'parameters': {'action': 'noop'},
            },
        )
        self.fire(1)
        (run,) = self.dbapi.list_executions()
        self.assertEqual('drain_patch_reboot', run['kind'])
        self.assertEqual('noop', run['parameters']['action'])
        self.assertEqual(
            'noop', run['parameters']['action_definition']['executor']
        )

    def test_threshold_then_one_run_then_silenced(self):
        rb = self.runbook()
        result = self.fire(2)
        self.assertEqual('none', result['decisions'][0]['action'])
        self.assertIn('threshold 3', result['decisions'][0]['reason'])
        self.assertEqual([], self.dbapi.list_executions())
        result = self.fire(1, start=2)
        decision = result['decisions'][0]
        self.assertEqual('execution', decision['action'])
        runs = self.dbapi.list_executions()
        self.assertEqual(1, len(runs))
        run = runs[0]
        self.assertEqual(states.EXEC_PENDING, run['state'])
        self.assertEqual('drain', run['kind'])
        self.assertEqual(1, run['parameters']['max_parallel'])
        self.assertEqual(rb['uuid'], run['requested_by']['runbook_uuid'])
        self.assertEqual(
            result['alert']['uuid'], run['requested_by']['alert_uuid']
        )
        self.start.assert_called_once_with(mock.ANY, run['uuid'])
        self.assertEqual(
            run['uuid'], self.dbapi.get_host('cmp-1')['execution_uuid']
        )
        # The host is held by the run: its alerts are silenced.
        result = self.fire(1, start=3)
        self.assertEqual('silenced', result['alert']['state'])
        self.assertEqual([], result['decisions'])
        self.assertEqual(1, len(self.dbapi.list_executions()))

    def test_duplicates_do_not_reach_threshold(self):
        self.runbook()
        for _ in range(5):
            result = self.hook(payload(am_alert())).json['results'][0]
        self.assertEqual(1, result['alert']['count'])
        self.assertEqual([], self.dbapi.list_executions())

    def test_cooldown(self):
        self.runbook()
        self.fire(3)
        run = self.dbapi.list_executions()[0]
        # The run ends and frees the host.
        self.dbapi.update_execution(run['uuid'], {'state': 'succeeded'})
        self.dbapi.release_host('cmp-1', run['uuid'])
        result = self.fire(1, start=10)
        self.assertEqual('firing', result['alert']['state'])
        self.assertIn('cooldown', result['decisions'][0]['reason'])
        self.assertEqual(1, len(self.dbapi.list_executions()))

    def test_approval_and_reject(self):
        self.runbook(approval='admin')
        self.fire(3)
        run = self.dbapi.list_executions()[0]
        self.assertEqual(states.EXEC_AWAITING_APPROVAL, run['state'])
        self.start.assert_not_called()
        path = f'/v1/executions/{run["uuid"]}'
        # Not below 1.3.
        self.request(
            'POST', path + '/approve', version='fleet 1.1', status=404
        )
        body = self.request(
            'POST',
            path + '/reject',
            {'reason': 'not tonight'},
            version=V,
            status=202,
        ).json
        self.assertEqual(states.EXEC_REJECTED, body['state'])
        self.assertIn('not tonight', body['result'])
        self.assertIsNone(self.dbapi.get_host('cmp-1')['execution_uuid'])
        self.request('POST', path + '/approve', version=V, status=409)
        self.start.assert_not_called()

    def test_approval_and_approve(self):
        self.runbook(approval='admin')
        self.fire(3)
        run = self.dbapi.list_executions()[0]
        body = self.request(
            'POST',
            f'/v1/executions/{run["uuid"]}/approve',
            version=V,
            status=202,
        ).json
        self.assertEqual(states.EXEC_PENDING, body['state'])
        self.start.assert_called_once_with(mock.ANY, run['uuid'])

    def test_limit_per_az(self):
        # limits.max_hosts is enforced at the admission point: the
        # runbook's second run in the zone is recorded and waits, with
        # the reason, instead of being dropped.
        self.create_host(name='cmp-2', kind='compute', availability_zone='az1')
        self.dbapi.update_host('cmp-1', {'availability_zone': 'az1'})
        self.runbook(limits={'max_hosts': 1, 'per': 'availability_zone'})
        for i in range(3):
            self.hook(
                payload(
                    am_alert(
                        host='cmp-2', fingerprint='fp2', starts=f'09:0{i}:00'
                    )
                )
            )
        result = self.fire(3)
        decision = result['decisions'][0]
        self.assertEqual('execution', decision['action'])
        self.assertEqual(states.EXEC_WAITING, decision['execution_state'])
        self.assertEqual(
            'runbook compute-down-drain has 1 of 1 allowed hosts in '
            'remediation in availability_zone az1 (cmp-2)',
            decision['waiting_reason'],
        )
        self.assertEqual(
            [states.EXEC_PENDING, states.EXEC_WAITING],
            [r['state'] for r in self.dbapi.list_executions()],
        )

    def test_handoff(self):
        self.runbook(
            remediation={'action': 'handoff', 'owner': 'rey'},
            threshold={'count': 1, 'window': 60},
        )
        result = self.fire(1)
        self.assertEqual('handoff', result['decisions'][0]['action'])
        host = self.dbapi.get_host('cmp-1')
        self.assertEqual(states.HOST_UNMANAGED, host['state'])
        self.assertEqual('rey', host['owner'])
        self.assertEqual([], self.dbapi.list_executions())


class TestAlertsAPI(AlertsTestBase):
    def post_alert(self, status=200, **body):
        body.setdefault('name', 'DiskFailing')
        return self.request(
            'POST', '/v1/alerts', body, version=V, status=status
        )

    def test_needs_1_3(self):
        self.request('GET', '/v1/alerts', version='fleet 1.1', status=404)
        self.request('GET', '/v1/runbooks', status=404)
        self.assertIn('alerts', self.get('/v1/', version=V).json['resources'])

    def test_post_list_show(self):
        alert = self.post_alert(host='cmp-1', severity='critical').json[
            'alert'
        ]
        self.assertEqual('api', alert['source'])
        self.assertEqual(1, alert['count'])
        # Each post without an occurrence_id is a new occurrence.
        again = self.post_alert(host='cmp-1', severity='critical').json
        self.assertEqual(2, again['alert']['count'])
        # The same occurrence_id twice is counted once.
        self.post_alert(host='cmp-1', severity='critical', occurrence_id='x')
        same = self.post_alert(
            host='cmp-1', severity='critical', occurrence_id='x'
        ).json
        self.assertTrue(same['duplicate'])
        self.assertEqual(3, same['alert']['count'])
        listed = self.get('/v1/alerts?state=firing&host=cmp-1', version=V)
        self.assertEqual(
            [alert['uuid']], [a['uuid'] for a in listed.json['alerts']]
        )
        shown = self.get(f'/v1/alerts/{alert["uuid"]}', version=V).json
        self.assertEqual(3, len(shown['history']))
        self.request('GET', '/v1/alerts?state=on', version=V, status=400)

    def test_post_validation(self):
        for body in (
            {},
            {'name': ''},
            {'name': 'x', 'status': 'meh'},
            {'name': 'x', 'extra': 1},
        ):
            self.request('POST', '/v1/alerts', body, version=V, status=400)
        self.assertEqual([], self.dbapi.list_alerts())

    def test_acknowledge_and_silence(self):
        uuid = self.post_alert(host='cmp-1').json['alert']['uuid']
        path = f'/v1/alerts/{uuid}'
        body = self.request(
            'POST',
            path + '/acknowledge',
            {'comment': 'on it'},
            version=V,
            status=200,
        ).json
        self.assertEqual(alert_states.ACKNOWLEDGED, body['state'])
        self.assertEqual('noauth', body['acknowledged_by'])
        self.request('POST', path + '/acknowledge', version=V, status=409)
        self.request('POST', path + '/silence', {}, version=V, status=400)
        body = self.request(
            'POST',
            path + '/silence',
            {'reason': 'known, ticket 12', 'duration': 600},
            version=V,
            status=200,
        ).json
        self.assertEqual('silenced', body['state'])
        self.assertEqual('known, ticket 12', body['silence_reason'])
        self.assertIsNotNone(body['silenced_until'])
        # A new occurrence while silenced stays silenced.
        again = self.post_alert(host='cmp-1').json['alert']
        self.assertEqual('silenced', again['state'])
        body = self.request(
            'POST', path + '/unsilence', version=V, status=200
        ).json
        self.assertEqual('firing', body['state'])
        self.request('POST', path + '/bogus', version=V, status=404)

    def test_host_in_maintenance_is_silenced(self):
        self.dbapi.update_host('cmp-1', {'state': 'maintenance'})
        alert = self.post_alert(host='cmp-1').json['alert']
        self.assertEqual('silenced', alert['state'])
        self.assertIn('maintenance', alert['silence_reason'])
        self.dbapi.update_host('cmp-1', {'state': 'active'})
        alert = self.post_alert(host='cmp-1').json['alert']
        self.assertEqual('firing', alert['state'])


class TestWebhookBehindKeystone(base.KeystoneAPITestCase):
    """With keystonemiddleware in the pipeline: the webhook takes its
    bearer token only, never a Keystone token."""

    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(rpcapi.ConductorAPI, 'start_execution')
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_keystone_token_is_not_enough(self):
        # Alerts feed automatic runbooks: without its own token the
        # webhook is off, whoever calls, an admin's Keystone token too.
        for headers in (
            {},
            self.headers_of('member'),
            self.headers_of('admin'),
        ):
            response = self.request(
                'POST', HOOK, payload(am_alert()), status=403, headers=headers
            )
            self.assert_fault(response, 403, 'webhook_token')
        self.assertEqual([], self.dbapi.list_alerts())

    def test_bearer_token_bypasses_keystone(self):
        self.config(webhook_token='s3cret', group='alerts')
        forged = {'X-Roles': 'admin', 'X-Identity-Status': 'Confirmed'}
        response = self.request(
            'POST', HOOK, payload(am_alert()), status=401, headers=forged
        )
        self.assert_fault(response, 401, 'Bearer')
        # A Keystone token is not the webhook's token.
        self.request(
            'POST',
            HOOK,
            payload(am_alert()),
            status=401,
            headers=self.headers_of('admin'),
        )
        self.assertEqual([], self.dbapi.list_alerts())
        self.request(
            'POST',
            HOOK,
            payload(am_alert()),
            status=200,
            headers={'Authorization': 'Bearer s3cret'},
        )
        # Only the webhook bypasses Keystone.
        self.request(
            'GET',
            '/v1/alerts',
            status=401,
            version=V,
            headers={'Authorization': 'Bearer s3cret'},
        )
        self.assertEqual(1, len(self.dbapi.list_alerts()))
