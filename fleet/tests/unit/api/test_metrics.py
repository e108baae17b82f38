"""GET /metrics (fleet's own metrics) and GET /v1/hosts/{host}/metrics."""

import datetime

from prometheus_client.parser import text_string_to_metric_families

from fleet.api import metrics as api_metrics
from fleet.tests.unit.api import base

V17 = 'fleet 1.7'


def _samples(text):
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


class TestFleetMetrics(base.APITestCase):
    def test_states_counted_by_the_database(self):
        self.create_host(name='c1')
        host = self.create_host(name='c2')
        self.dbapi.create_execution(
            {
                'uuid': 'e0000000-0000-4000-8000-000000000001',
                'kind': 'maintenance',
                'state': 'running',
                'host_uuid': host['uuid'],
            }
        )
        response = self.get('/metrics')
        self.assertTrue(response.content_type.startswith('text/plain'))
        samples = _samples(response.text)
        self.assertEqual(2, samples[('fleet_hosts', (('state', 'active'),))])
        # Every host state is reported, 0 included: a rate() over it
        # never sees a series vanish.
        self.assertEqual(
            0, samples[('fleet_hosts', (('state', 'maintenance'),))]
        )
        self.assertEqual(1, samples[('fleet_runs', (('state', 'running'),))])

    def test_query_parameter_refused(self):
        response = self.get('/metrics?x=1', status=400)
        self.assert_fault(response, 400, 'no query parameter')

    def test_off(self):
        self.config(enabled=False, group='metrics')
        self.assert_fault(self.get('/metrics', status=404), 404, 'enabled')

    def test_queue_depth_not_on_the_fake_bus(self):
        self.config(monitoring=['nova'], group='drivers')
        self.assertEqual(
            {}, api_metrics.queue_depths({'nova-monitoring': 'pool'})
        )


class TestScrapeToken(base.KeystoneAPITestCase):
    def test_bearer_token_instead_of_keystone(self):
        self.config(scrape_token='s3cret', group='metrics')
        ok = self.get('/metrics', headers={'Authorization': 'Bearer s3cret'})
        self.assertIn('fleet_hosts', ok.text)
        wrong = self.get(
            '/metrics', headers={'Authorization': 'Bearer nope'}, status=401
        )
        self.assert_fault(wrong, 401, 'scrape_token')
        # A bearer token does not smuggle an identity past Keystone.
        spoofed = self.get(
            '/metrics',
            headers={'Authorization': 'Bearer nope', 'X-Roles': 'admin'},
            status=401,
        )
        self.assert_fault(spoofed, 401)

    def test_no_token_configured(self):
        response = self.get(
            '/metrics', headers={'Authorization': 'Bearer x'}, status=401
        )
        self.assert_fault(response, 401, 'none is set')
        # The Keystone path still works.
        self.get('/metrics', headers=self.headers_of('observer'))


class TestHostMetrics(base.APITestCase):
    def test_latest_values(self):
        host = self.create_host(name='c1')
        at = datetime.datetime(2026, 11, 30, 18, 0, 0)
        self.dbapi.set_host_metrics(
            host['uuid'],
            {
                'cpu_used_percent': {
                    'value': 12.5,
                    'unit': 'percent',
                    'sampled_at': at,
                }
            },
            'prometheus',
        )
        body = self.get('/v1/hosts/c1/metrics', version=V17).json
        self.assertEqual(
            {
                'metrics': [
                    {
                        'name': 'cpu_used_percent',
                        'value': 12.5,
                        'unit': 'percent',
                        'source': 'prometheus',
                        'sampled_at': '2026-11-30T18:00:00Z',
                    }
                ]
            },
            body,
        )
        by_uuid = self.get(f'/v1/hosts/{host["uuid"]}/metrics', version=V17)
        self.assertEqual(body, by_uuid.json)

    def test_before_1_7_and_unknown_host(self):
        self.create_host(name='c1')
        self.assert_fault(
            self.get('/v1/hosts/c1/metrics', version='fleet 1.5', status=404),
            404,
            '1.7',
        )
        self.assert_fault(
            self.get('/v1/hosts/nope/metrics', version=V17, status=404), 404
        )
        self.assert_fault(
            self.get('/v1/hosts/c1/metrics?x=1', version=V17, status=400),
            400,
        )
