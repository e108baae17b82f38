"""The conductor RPC API end to end: the client in rpcapi, a real
oslo.messaging RPC server on the in-process fake:// transport, and the
manager behind it."""

import threading

import oslo_messaging as messaging

from fleet.common import context
from fleet.common import exception
from fleet.common import rpc
from fleet.conductor import manager
from fleet.conductor import rpcapi
from fleet.drivers import fake_cloud
from fleet.tests import base

CONF = base.CONF


class TestConductorRPC(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(base.RPCFixture())
        self.config(rpc_timeout=5, group='conductor')
        self.manager = manager.ConductorManager('conductor-1')
        target = messaging.Target(
            topic=CONF.conductor.topic, server='conductor-1'
        )
        server = rpc.get_server(target, [self.manager])
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)
        self.api = rpcapi.ConductorAPI()
        self.context = context.RequestContext(
            user_id='rey', project_id='ops', roles=['admin']
        )

    def test_ping(self):
        self.assertEqual('conductor-1', self.api.ping(self.context))

    def test_context_crosses_rpc(self):
        seen = []

        def ping(ctx):
            seen.append(ctx)
            return 'pong'

        self.manager.ping = ping
        self.assertEqual('pong', self.api.ping(self.context))
        self.assertIsInstance(seen[0], context.RequestContext)
        self.assertEqual('rey', seen[0].user_id)
        self.assertEqual(['admin'], seen[0].roles)
        self.assertEqual(self.context.request_id, seen[0].request_id)

    def test_sync_inventory(self):
        counts = self.api.sync_inventory(self.context)
        self.assertEqual(
            {'created': 3, 'updated': 0, 'stale': 0},
            {k: counts[k] for k in ('created', 'updated', 'stale')},
        )
        self.assertEqual(3, counts['instances']['created'])
        self.assertEqual(
            3, len(self.dbapi.list_hosts(filters={'source': 'fake'}))
        )
        counts = self.api.sync_inventory(self.context)
        self.assertEqual(
            {'created': 0, 'updated': 0, 'stale': 0},
            {k: counts[k] for k in ('created', 'updated', 'stale')},
        )

    def test_hold_host_service_is_cast_to_the_manager(self):
        self.api.sync_inventory(self.context)
        self.dbapi.update_host('sim-compute-002', {'state': 'retired'})
        done = threading.Event()
        real = self.manager.hold_host_service

        def hold(ctx, host):
            try:
                real(ctx, host)
            finally:
                done.set()

        self.manager.hold_host_service = hold
        self.api.hold_host_service(self.context, 'sim-compute-002')
        self.assertTrue(done.wait(10))
        service = fake_cloud.get_cloud().hosts['sim-compute-002']
        self.assertEqual('fleet: host retired', service['disabled_reason'])

    def test_fleet_exceptions_come_back_as_themselves(self):
        self.config(inventory=['nope'], group='drivers')
        e = self.assertRaises(
            exception.DriverLoadError, self.api.sync_inventory, self.context
        )
        self.assertIn('fleet.inventory', str(e))

    def test_cancel_and_release_casts_reach_the_manager(self):
        seen = []
        done = threading.Event()

        def record(name):
            def method(ctx, **kwargs):
                seen.append((name, kwargs))
                if len(seen) == 2:
                    done.set()

            return method

        self.manager.cancel_execution = record('cancel_execution')
        self.manager.release_host = record('release_host')
        self.api.cancel_execution(self.context, 'run-1')
        self.api.release_host(self.context, 'cmp-1', 'RMA')
        self.assertTrue(done.wait(5))
        # Casts may be served by two worker threads, in either order.
        self.assertEqual(
            [
                ('cancel_execution', {'execution_uuid': 'run-1'}),
                ('release_host', {'host_name': 'cmp-1', 'reason': 'RMA'}),
            ],
            sorted(seen, key=lambda call: call[0]),
        )
