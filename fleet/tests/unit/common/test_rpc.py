"""Tests of the RPC plumbing."""

import datetime

from fleet.common import context
from fleet.common import rpc
from fleet.tests import base


class TestRPC(base.TestCase):
    def test_init_and_cleanup(self):
        rpc.cleanup()
        self.addCleanup(rpc.cleanup)
        rpc.init(base.CONF)
        transport = rpc.TRANSPORT
        self.assertIsNotNone(transport)
        self.assertIsNotNone(rpc.NOTIFICATION_TRANSPORT)
        rpc.init(base.CONF)
        self.assertIs(transport, rpc.TRANSPORT)
        rpc.cleanup()
        self.assertIsNone(rpc.TRANSPORT)
        self.assertIsNone(rpc.NOTIFICATION_TRANSPORT)


class TestRequestContextSerializer(base.TestCase):
    def test_context_round_trip(self):
        serializer = rpc.RequestContextSerializer()
        ctx = context.RequestContext(
            user_id='rey', project_id='ops', roles=['reader'], is_admin=False
        )
        back = serializer.deserialize_context(
            serializer.serialize_context(ctx)
        )
        self.assertIsInstance(back, context.RequestContext)
        self.assertEqual('rey', back.user_id)
        self.assertEqual('ops', back.project_id)
        self.assertEqual(['reader'], back.roles)
        self.assertEqual(ctx.request_id, back.request_id)

    def test_entities_become_json_primitives(self):
        serializer = rpc.RequestContextSerializer()
        when = datetime.datetime(2026, 1, 2, 3, 4, 5)
        entity = serializer.serialize_entity(
            None, {'at': when, 'ids': ('a', 'b')}
        )
        self.assertEqual(
            {'at': '2026-01-02T03:04:05.000000', 'ids': ['a', 'b']}, entity
        )


class TestContext(base.TestCase):
    def test_admin_context(self):
        ctx = context.get_admin_context()
        self.assertTrue(ctx.is_admin)
        self.assertEqual(['admin', 'member', 'reader'], ctx.roles)

    def test_policy_values_carry_project(self):
        ctx = context.RequestContext(project_id='p1', roles=['reader'])
        values = ctx.to_policy_values()
        self.assertEqual('p1', values['project_id'])
        self.assertEqual(['reader'], values['roles'])
