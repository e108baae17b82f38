"""Latest host metrics and state counts in the database."""

import datetime

from fleet.tests import base

T0 = datetime.datetime(2026, 11, 30, 18, 0, 0)
T1 = T0 + datetime.timedelta(seconds=60)


class TestHostMetrics(base.DbTestCase):
    def test_latest_values_replace_older_and_ignore_late(self):
        host = self.create_host(name='c1')
        written = self.dbapi.set_host_metrics(
            host['uuid'],
            {
                'cpu_used_percent': {
                    'value': 12.5,
                    'unit': 'percent',
                    'sampled_at': T1,
                },
                'memory_used_percent': {
                    'value': 40,
                    'unit': 'percent',
                    'sampled_at': T1,
                },
            },
            'prometheus',
        )
        self.assertEqual(2, written)
        # A late poll's older sample does not overwrite the newer one.
        written = self.dbapi.set_host_metrics(
            host['uuid'],
            {'cpu_used_percent': {'value': 99.0, 'sampled_at': T0}},
            'prometheus',
        )
        self.assertEqual(0, written)
        metrics = self.dbapi.list_host_metrics(host['uuid'])
        self.assertEqual(
            [
                ('cpu_used_percent', 12.5, 'percent', T1),
                ('memory_used_percent', 40.0, 'percent', T1),
            ],
            [
                (m['name'], m['value'], m['unit'], m['sampled_at'])
                for m in metrics
            ],
        )
        self.assertEqual([], self.dbapi.list_host_metrics('no-such-host'))

    def test_count_by_state(self):
        self.create_host(name='c1')
        self.create_host(name='c2')
        counts = self.dbapi.count_by_state()
        self.assertEqual({'active': 2}, counts['hosts'])
        self.assertEqual({}, counts['executions'])
        self.assertEqual({}, counts['alerts'])
