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


V19 = 'fleet 1.9'
AT = datetime.datetime(2026, 11, 30, 18, 0, 0)


class TestHostListByMetric(base.APITestCase):
    """GET /v1/hosts?metric=... and sort_key=metric:<name> (1.9)."""

    def setUp(self):
        super().setUp()
        # c3 has no CPU value at all; c2 and c4 tie.
        self.values = {'c1': 95.0, 'c2': 50.0, 'c3': None, 'c4': 50.0}
        for name, cpu in self.values.items():
            host = self.create_host(name=name)
            metrics = {
                'power_watts': {'value': 300.0, 'unit': 'W', 'sampled_at': AT}
            }
            if cpu is not None:
                metrics['cpu_used_percent'] = {
                    'value': cpu,
                    'unit': 'percent',
                    'sampled_at': AT,
                }
            self.dbapi.set_host_metrics(host['uuid'], metrics, 'prometheus')

    def names(self, query, version=V19):
        body = self.get(f'/v1/hosts?{query}', version=version).json
        return [h['name'] for h in body['hosts']]

    def test_unknown_metric_refused(self):
        for query in (
            'metric=cpu_util:gt:90',
            'metric=cpu_util',
            'metric=',
            'sort_key=metric:cpu_util',
            'sort_key=metric:',
        ):
            response = self.get(f'/v1/hosts?{query}', version=V19, status=400)
            self.assert_fault(response, 400, 'cpu_used_percent')

    def test_bad_comparison_or_number_refused(self):
        for value, detail in (
            ('cpu_used_percent:gt', '<op>'),
            ('cpu_used_percent:ge:1', '<op>'),
            ('cpu_used_percent:GT:1', '<op>'),
            ('cpu_used_percent:gt:', 'decimal number'),
            ('cpu_used_percent:gt:nan', 'decimal number'),
            ('cpu_used_percent:gt:inf', 'decimal number'),
            ('cpu_used_percent:gt:0x10', 'decimal number'),
            ('cpu_used_percent:gt: 1', 'decimal number'),
            ('cpu_used_percent:gt:1:2', 'decimal number'),
            ('cpu_used_percent:gt:1e999', 'decimal number'),
            ('cpu_used_percent:gt:' + '9' * 400, 'decimal number'),
        ):
            response = self.get(
                '/v1/hosts', params={'metric': value}, version=V19, status=400
            )
            self.assert_fault(response, 400, detail)

    def test_duplicated_parameters_refused(self):
        response = self.get(
            '/v1/hosts?metric=cpu_used_percent:gt:1'
            '&metric=cpu_used_percent:gt:2',
            version=V19,
            status=400,
        )
        self.assert_fault(response, 400, 'twice')
        response = self.get(
            '/v1/hosts?metric=cpu_used_percent&metric=cpu_used_percent',
            version=V19,
            status=400,
        )
        self.assert_fault(response, 400, 'twice')
        response = self.get(
            '/v1/hosts?sort_key=metric:cpu_used_percent'
            '&sort_key=metric:power_watts',
            version=V19,
            status=400,
        )
        self.assert_fault(response, 400, 'sort_key')

    def test_not_before_1_9(self):
        for query in (
            'metric=cpu_used_percent',
            'sort_key=metric:power_watts',
        ):
            response = self.get(
                f'/v1/hosts?{query}', version='fleet 1.8', status=400
            )
            self.assert_fault(response, 400)

    def test_filters(self):
        self.assertEqual(['c1'], self.names('metric=cpu_used_percent:gt:90'))
        self.assertEqual(
            ['c1', 'c2', 'c4'], self.names('metric=cpu_used_percent:gte:50')
        )
        self.assertEqual([], self.names('metric=cpu_used_percent:gt:95'))
        # A host without a value matches no comparison, not even "< 0".
        self.assertEqual(
            ['c2', 'c4'], self.names('metric=cpu_used_percent:lt:95')
        )
        self.assertEqual([], self.names('metric=cpu_used_percent:lte:-1e3'))
        # Only "has a value" finds the host that has none.
        self.assertEqual(
            ['c1', 'c2', 'c4'], self.names('metric=cpu_used_percent')
        )
        # A range: both hold.
        self.assertEqual(
            ['c2', 'c4'],
            self.names(
                'metric=cpu_used_percent:gte:50&metric=cpu_used_percent:lt:95'
            ),
        )
        # A metric no host has: nothing, not an error.
        self.assertEqual([], self.names('metric=temperature_celsius'))
        # With the other filters.
        self.assertEqual(
            ['c2'], self.names('metric=power_watts:gt:299.5&name=c2')
        )

    def test_sort_null_first_ascending_ties_by_id(self):
        self.assertEqual(
            ['c3', 'c2', 'c4', 'c1'],
            self.names('sort_key=metric:cpu_used_percent'),
        )
        self.assertEqual(
            ['c1', 'c4', 'c2', 'c3'],
            self.names('sort_key=metric:cpu_used_percent&sort_dir=desc'),
        )
        # Every host ties on power: the id decides.
        self.assertEqual(
            ['c1', 'c2', 'c3', 'c4'], self.names('sort_key=metric:power_watts')
        )

    def test_paging_follows_next_links_exactly_once(self):
        for query, expected in (
            ('sort_key=metric:cpu_used_percent', ['c3', 'c2', 'c4', 'c1']),
            (
                'sort_key=metric:cpu_used_percent&sort_dir=desc',
                ['c1', 'c4', 'c2', 'c3'],
            ),
            (
                # A repeated filter survives the next link.
                'metric=cpu_used_percent:gte:50&metric=cpu_used_percent:lt:95'
                '&sort_key=metric:cpu_used_percent&sort_dir=desc',
                ['c4', 'c2'],
            ),
        ):
            seen = []
            url = f'/v1/hosts?{query}&limit=1'
            while url:
                body = self.get(url, version=V19).json
                seen.extend(h['name'] for h in body['hosts'])
                url = body.get('next', '').replace('http://localhost', '')
                self.assertLessEqual(len(seen), 5, query)
            self.assertEqual(expected, seen, query)

    def test_marker_of_a_host_without_the_metric(self):
        c3 = self.get('/v1/hosts/c3', version=V19).json['uuid']
        self.assertEqual(
            ['c2', 'c4', 'c1'],
            self.names(f'sort_key=metric:cpu_used_percent&marker={c3}'),
        )
        self.assertEqual(
            [],
            self.names(
                f'sort_key=metric:cpu_used_percent&sort_dir=desc&marker={c3}'
            ),
        )

    def test_with_a_label_filter(self):
        # Label filters are matched in Python: the metric sort and filter
        # go through that path too.
        self.dbapi.update_host('c4', {'labels': {'rack': 'r1'}})
        self.dbapi.update_host('c3', {'labels': {'rack': 'r1'}})
        self.dbapi.update_host('c1', {'labels': {'rack': 'r1'}})
        self.assertEqual(
            ['c1', 'c4', 'c3'],
            self.names(
                'label=rack=r1&sort_key=metric:cpu_used_percent&sort_dir=desc'
            ),
        )
        self.assertEqual(
            ['c1', 'c4'], self.names('label=rack=r1&metric=cpu_used_percent')
        )
