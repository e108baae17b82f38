"""fleet-api warns when it listens where no other machine reaches it."""

import fixtures

from fleet.api import service
from fleet.tests import base


class TestWarnIfLoopback(base.TestCase):
    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(name='fleet.api'))

    def test_default_host_ip_warns(self):
        self.assertEqual('127.0.0.1', base.CONF.api.host_ip)
        self.assertTrue(service.warn_if_loopback())
        self.assertIn('listens on 127.0.0.1 only', self.log.output)
        self.assertIn('[api] host_ip', self.log.output)

    def test_ipv6_loopback_and_localhost_warn(self):
        for address in ('::1', 'localhost', '127.0.1.1'):
            self.config(host_ip=address, group='api')
            self.assertTrue(service.warn_if_loopback(), address)

    def test_reachable_addresses_do_not_warn(self):
        for address in ('0.0.0.0', '::', '192.0.2.10', 'api.example.org'):
            self.config(host_ip=address, group='api')
            self.assertFalse(service.warn_if_loopback(), address)
        self.assertEqual('', self.log.output)

    def test_all_in_one_does_not_warn(self):
        self.config(all_in_one=True)
        self.assertFalse(service.warn_if_loopback())
        self.assertEqual('', self.log.output)
