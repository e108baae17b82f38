"""The prometheus monitoring driver against a real local HTTP server
speaking Prometheus's query API (fake_prometheus)."""

import datetime
import threading
from unittest import mock

from fleet.alerts import monitoring
from fleet.common import exception
from fleet.conductor import rpcapi
from fleet.drivers import factory
from fleet.drivers.monitoring import prometheus
from fleet.tests import base
from fleet.tests.unit.drivers.monitoring import fake_prometheus

#: A poll time, on a 60 s boundary.
NOW = 1796054400.0


class PrometheusTestCase(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.server = fake_prometheus.FakePrometheus()
        self.addCleanup(self.server.stop)
        self.config(url=self.server.url, poll_interval=60, group='prometheus')
        self.c1 = self.create_host(name='c1', kind='compute')
        self.c2 = self.create_host(name='c2', kind='compute')

    def metrics(self, host):
        return {
            m['name']: m['value']
            for m in self.dbapi.list_host_metrics(host['uuid'])
        }


class TestRules(base.TestCase):
    def test_parse(self):
        rule = prometheus.parse_rule('disk_used_percent >= 90 : critical')
        self.assertEqual(
            ('disk_used_percent', '>=', 90.0, 'critical'),
            (rule.metric, rule.op, rule.value, rule.severity),
        )
        self.assertTrue(rule.broken(90))
        self.assertFalse(rule.broken(89.9))

    def test_bad_rules_say_what_is_wrong(self):
        for text, words in (
            ('disk_used_percent=90:warning', 'is not'),
            ('disk_full>90:warning', 'unknown metric'),
            ('disk_used_percent>90:urgent', 'severity'),
        ):
            e = self.assertRaises(
                exception.ConfigInvalid, prometheus.parse_rule, text
            )
            self.assertIn(words, str(e))

    def test_bad_rule_fails_at_load(self):
        self.config(thresholds=['cpu>1:warning'], group='prometheus')
        self.assertRaises(
            exception.ConfigInvalid, prometheus.PrometheusMonitoring
        )


class TestHostOf(base.TestCase):
    def test_port_dropped_and_custom_label(self):
        driver = prometheus.PrometheusMonitoring()
        self.assertEqual('c1', driver.host_of({'instance': 'c1:9100'}))
        self.assertEqual('c1', driver.host_of({'instance': 'c1'}))
        self.assertEqual(
            'fd00::1', driver.host_of({'instance': '[fd00::1]:9100'})
        )
        self.assertIsNone(driver.host_of({'job': 'node'}))
        self.config(host_label='nodename', group='prometheus')
        driver = prometheus.PrometheusMonitoring()
        self.assertEqual('c2', driver.host_of({'nodename': 'c2'}))


class TestPoll(PrometheusTestCase):
    def test_values_stored_per_host_with_sample_time(self):
        self.server.set(
            'node_cpu_seconds_total',
            [
                ({'instance': 'c1:9100', 'job': 'node'}, 12.5),
                ({'instance': 'c2:9100', 'job': 'node'}, 80),
                # Not a fleet host: skipped.
                ({'instance': 'stranger:9100', 'job': 'node'}, 1),
            ],
        )
        self.server.set(
            'node_filesystem_avail_bytes', [({'instance': 'c1:9100'}, 55.0)]
        )
        self.server.set(
            'ipmi_temperature_celsius', [({'instance': 'c1:9290'}, 41)]
        )
        driver = prometheus.PrometheusMonitoring()
        self.assertEqual([], driver.poll(now=NOW + 17))
        self.assertEqual(
            {
                'cpu_used_percent': 12.5,
                'disk_used_percent': 55.0,
                'temperature_celsius': 41.0,
            },
            self.metrics(self.c1),
        )
        self.assertEqual({'cpu_used_percent': 80.0}, self.metrics(self.c2))
        (cpu,) = [
            m
            for m in self.dbapi.list_host_metrics(self.c1['uuid'])
            if m['name'] == 'cpu_used_percent'
        ]
        self.assertEqual(
            (
                'percent',
                'prometheus',
                datetime.datetime.fromtimestamp(NOW, datetime.UTC).replace(
                    tzinfo=None
                ),
            ),
            (cpu['unit'], cpu['source'], cpu['sampled_at']),
        )
        # Every query evaluated at the poll time rounded to the interval,
        # the label and window substituted.
        self.assertEqual({NOW}, {at for _q, at in self.server.queries})
        cpu_query = next(
            q for q, _at in self.server.queries if 'node_cpu' in q
        )
        self.assertIn('avg by (instance)', cpu_query)
        self.assertIn('[2m]', cpu_query)
        self.assertEqual(8, len(self.server.queries))

    def test_failing_query_skipped_others_stored(self):
        self.server.set('node_cpu_seconds_total', [({'instance': 'c1'}, 5)])
        self.server.set(
            'node_memory_MemAvailable_bytes', [({'instance': 'c1'}, 30)]
        )
        self.server.fail('node_memory', 503)
        driver = prometheus.PrometheusMonitoring()
        driver.poll(now=NOW)
        self.assertEqual({'cpu_used_percent': 5.0}, self.metrics(self.c1))

    def test_prometheus_down(self):
        self.config(url='http://127.0.0.1:9', group='prometheus')
        driver = prometheus.PrometheusMonitoring()
        self.assertEqual([], driver.poll(now=NOW))
        self.assertEqual({}, self.metrics(self.c1))

    def test_bearer_token_sent(self):
        self.server.token = 'sekrit'
        self.server.set('node_cpu_seconds_total', [({'instance': 'c1'}, 5)])
        driver = prometheus.PrometheusMonitoring()
        driver.poll(now=NOW)
        self.assertEqual({}, self.metrics(self.c1))
        self.config(bearer_token='sekrit', group='prometheus')
        driver = prometheus.PrometheusMonitoring()
        driver.poll(now=NOW)
        self.assertEqual({'cpu_used_percent': 5.0}, self.metrics(self.c1))

    def test_disabled_metric_not_queried(self):
        self.config(power_query='', group='prometheus')
        driver = prometheus.PrometheusMonitoring()
        driver.poll(now=NOW)
        self.assertFalse(
            [q for q, _ in self.server.queries if 'ipmi_dcmi' in q]
        )


class TestThresholds(PrometheusTestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(base.RPCFixture())
        self.config(driver=['noop'], group='oslo_messaging_notifications')
        self.config(
            thresholds=['disk_used_percent>90:critical'], group='prometheus'
        )

    def _poll(self, drivers, now):
        with mock.patch.object(rpcapi.ConductorAPI, 'start_execution'):
            callback = monitoring.make_callback()
            for driver in drivers:
                for signal in driver.poll(now=now):
                    callback(signal)

    def _alert(self):
        alerts = self.dbapi.list_alerts(
            filters={'name': prometheus.ALERT_NAME}
        )
        return alerts

    def test_raised_counted_per_interval_once_then_resolved(self):
        disk = 'node_filesystem_avail_bytes'
        self.server.set(
            disk, [({'instance': 'c1:9100'}, 95), ({'instance': 'c2'}, 10)]
        )
        # Two conductors, each polling twice within one interval, then
        # once in the next.
        drivers = [prometheus.PrometheusMonitoring() for _ in range(2)]
        self._poll(drivers, NOW + 1)
        self._poll(drivers, NOW + 30)
        (alert,) = self._alert()
        self.assertEqual(
            ('c1', 'critical', 'firing', 1),
            (
                alert['host_name'],
                alert['severity'],
                alert['state'],
                alert['count'],
            ),
        )
        self.assertEqual(
            {
                'metric': 'disk_used_percent',
                'rule': 'disk_used_percent>90:critical',
            },
            alert['labels'],
        )
        self._poll(drivers, NOW + 61)
        (alert,) = self._alert()
        self.assertEqual(2, alert['count'])
        # The exporter vanishes: the alert stays (no value is not a good
        # value).
        self.server.set(disk, [({'instance': 'c2'}, 10)])
        self._poll(drivers, NOW + 125)
        self.assertEqual('firing', self._alert()[0]['state'])
        # Back within bounds: resolved.
        self.server.set(disk, [({'instance': 'c1:9100'}, 50)])
        self._poll(drivers, NOW + 185)
        (alert,) = self._alert()
        self.assertEqual(('resolved', 2), (alert['state'], alert['count']))

    def test_restarted_conductor_resolves_an_alert_it_did_not_raise(self):
        disk = 'node_filesystem_avail_bytes'
        self.server.set(disk, [({'instance': 'c1'}, 95)])
        self._poll([prometheus.PrometheusMonitoring()], NOW)
        self.assertEqual('firing', self._alert()[0]['state'])
        self.server.set(disk, [({'instance': 'c1'}, 20)])
        self._poll([prometheus.PrometheusMonitoring()], NOW + 60)
        self.assertEqual('resolved', self._alert()[0]['state'])


class TestLoad(base.TestCase):
    def test_entry_point(self):
        self.config(monitoring=['prometheus'], group='drivers')
        self.assertIsInstance(
            factory.get_driver('monitoring', 'prometheus'),
            prometheus.PrometheusMonitoring,
        )


class TestStartStop(PrometheusTestCase):
    def test_poll_thread_delivers_and_stops(self):
        self.server.set('node_cpu_seconds_total', [({'instance': 'c1'}, 7)])
        self.config(poll_interval=1, group='prometheus')
        driver = prometheus.PrometheusMonitoring()
        # The test reads the database only once the thread has stopped:
        # the in-memory SQLite of unit tests is one connection, which two
        # threads must not use at once.
        polled = threading.Event()
        poll = driver.poll

        def poll_once_noted(now=None):
            try:
                return poll(now)
            finally:
                polled.set()

        driver.poll = poll_once_noted
        driver.start(lambda signal: None)
        self.addCleanup(driver.stop)
        self.assertTrue(polled.wait(60))
        thread = driver._poller
        driver.stop()
        self.assertIsNone(driver._poller)
        self.assertFalse(thread.is_alive())
        self.assertEqual({'cpu_used_percent': 7.0}, self.metrics(self.c1))
