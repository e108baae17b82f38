"""The CADF audit trail: one event per write, with who, what, on what and
how it ended; none for reads; no token in it."""

from unittest import mock

import fixtures
from keystonemiddleware.audit import _notifier
from pycadf import cadftaxonomy as taxonomy

from fleet.conductor import rpcapi
from fleet.tests.unit.api import base


class TestAudit(base.KeystoneAPITestCase):
    def make_app(self):
        self.config(enabled=True, group='audit')
        self.notify = self.useFixture(
            fixtures.MockPatchObject(_notifier._MessagingNotifier, 'notify')
        ).mock
        return super().make_app()

    def setUp(self):
        super().setUp()
        self.create_host(name='cmp-1', kind='compute')
        patcher = mock.patch.object(rpcapi.ConductorAPI, 'start_execution')
        patcher.start()
        self.addCleanup(patcher.stop)

    def events(self):
        return [c.args for c in self.notify.call_args_list]

    def test_one_event_per_write(self):
        response = self.request(
            'POST',
            '/v1/executions',
            {'host': 'cmp-1', 'action': 'noop'},
            headers=self.headers_of('admin'),
            version='fleet 1.4',
            status=202,
        )
        events = self.events()
        self.assertEqual(1, len(events))
        _context, event_type, payload = events[0]
        self.assertEqual('audit.http.response', event_type)
        self.assertEqual(taxonomy.ACTION_CREATE, payload['action'])
        self.assertEqual(taxonomy.OUTCOME_SUCCESS, payload['outcome'])
        self.assertEqual('202', payload['reason']['reasonCode'])
        initiator = payload['initiator']
        self.assertEqual('admin-user', initiator['id'])
        self.assertEqual('project-a', initiator['project_id'])
        self.assertEqual(
            response.headers['x-openstack-request-id'],
            initiator['request_id'],
        )
        self.assertNotIn('admin-token', str(payload))
        self.assertEqual(
            'service/fleet/executions', payload['target']['typeURI']
        )
        self.assertEqual('/v1/executions', payload['requestPath'])

    def test_refused_write_is_a_failure(self):
        self.request(
            'POST',
            '/v1/executions',
            {'host': 'cmp-1'},
            headers=self.headers_of('member'),
            version='fleet 1.4',
            status=403,
        )
        ((_c, _t, payload),) = self.events()
        self.assertEqual(taxonomy.OUTCOME_FAILURE, payload['outcome'])
        self.assertEqual('403', payload['reason']['reasonCode'])
        self.assertEqual('member-user', payload['initiator']['id'])

    def test_custom_action(self):
        uuid = self.request(
            'POST',
            '/v1/executions',
            {'host': 'cmp-1'},
            headers=self.headers_of('admin'),
            version='fleet 1.4',
            status=202,
        ).json['uuid']
        self.request(
            'POST',
            f'/v1/executions/{uuid}/cancel',
            headers=self.headers_of('admin'),
            version='fleet 1.4',
            status=202,
        )
        payload = self.events()[-1][2]
        self.assertEqual('update/cancel', payload['action'])
        self.assertEqual(
            'service/fleet/executions/execution/cancel',
            payload['target']['typeURI'],
        )

    def test_reads_are_not_audited(self):
        self.get('/v1/hosts', headers=self.headers_of('observer'), status=200)
        self.assertEqual([], self.events())


class TestAuditOff(base.KeystoneAPITestCase):
    def test_off_by_default(self):
        with mock.patch.object(_notifier._MessagingNotifier, 'notify') as n:
            self.request(
                'POST',
                '/v1/hosts',
                {'name': 'h1'},
                headers=self.headers_of('admin'),
                status=201,
            )
        self.assertFalse(n.called)
