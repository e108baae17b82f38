"""The conductor's process metrics and their port."""

import datetime
import socket
from unittest import mock
import urllib.request

from oslo_utils import timeutils
import prometheus_client

from fleet.common import metrics
from fleet.tests import base


def _value(name, labels):
    return prometheus_client.REGISTRY.get_sample_value(name, labels) or 0.0


class TestLag(base.TestCase):
    def test_lag_observed_from_the_notification_timestamp(self):
        labels = {'listener': 'test-lag'}
        before = _value('fleet_notification_lag_seconds_count', labels)
        now = datetime.datetime(2026, 11, 30, 18, 0, 3)
        with mock.patch.object(timeutils, 'utcnow', return_value=now):
            metrics.observe_lag('test-lag', '2026-11-30 18:00:00.000000')
            # Unreadable: ignored, not an error.
            metrics.observe_lag('test-lag', None)
            metrics.observe_lag('test-lag', 'yesterday')
        self.assertEqual(
            before + 1, _value('fleet_notification_lag_seconds_count', labels)
        )
        self.assertEqual(
            1,
            _value(
                'fleet_notification_lag_seconds_bucket',
                dict(labels, le='5.0'),
            )
            - _value(
                'fleet_notification_lag_seconds_bucket',
                dict(labels, le='2.0'),
            ),
        )


class TestServer(base.TestCase):
    def test_off_by_default(self):
        self.assertIsNone(metrics.start_server())

    def test_serves_on_the_port(self):
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        self.config(conductor_port=port, group='metrics')
        self.addCleanup(setattr, metrics, '_server', None)
        with mock.patch.object(metrics, '_server', None):
            self.assertEqual(port, metrics.start_server())
            server, _thread = metrics._server
            self.addCleanup(server.server_close)
            self.addCleanup(server.shutdown)
            metrics.MIGRATIONS.labels(type='live', outcome='completed').inc()
            with urllib.request.urlopen(
                f'http://127.0.0.1:{port}/metrics', timeout=10
            ) as response:
                text = response.read().decode()
        self.assertIn('fleet_instance_migrations_total{', text)
