"""fleet.client's places, capacity, host inventory calls (API 1.2),
alerts, runbooks and approvals (API 1.3) against a real fleet API."""

from requests_mock.contrib import fixture as rm_fixture

from fleet.client import client as fleet_client
from fleet.client import exceptions
from fleet.tests import base
from fleet.tests.unit.client import fixtures

RUNBOOK = {
    'name': 'disk',
    'match': {'alert_name': 'DiskFailing'},
    'remediation': {'action': 'maintenance', 'kind': 'drain'},
    'approval': 'admin',
}


PROFILE = {
    'name': 'el9',
    'rules': [
        {
            'name': 'kernel',
            'check': {'type': 'kernel_version', 'op': '>=', 'version': '6.1'},
        }
    ],
}


class TestResourcesAgainstAPI(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.api = self.useFixture(fixtures.APIServer())
        self.client = fleet_client.Client(endpoint=self.api.url)

    def test_places_and_variables(self):
        self.create_host(name='c1', rack='r1', variables={'a': 1})
        place = self.client.places.create(
            'r1', 'rack', variables={'a': 0, 'b': 2}
        )
        self.assertEqual(place, self.client.places.get('r1'))
        self.assertEqual(
            ['r1'], [p['name'] for p in self.client.places.list(kind='rack')]
        )
        self.assertRaises(TypeError, self.client.places.list, rack='r1')
        place = self.client.places.update('r1', variables={'b': None})
        self.assertEqual({'a': 0}, place['variables'])
        view = self.client.hosts.variables('c1')
        self.assertEqual({'a': 1}, view['variables'])
        self.assertEqual({'a': 'host'}, view['sources'])
        self.client.places.delete(place['uuid'])
        self.assertEqual([], self.client.places.list())

    def test_host_filters_history_replace(self):
        self.create_host(name='c1', rack='r1', labels={'gpu': 'yes'})
        self.create_host(name='c2', labels={'gpu': 'no'})
        self.assertEqual(
            ['c1'],
            [h['name'] for h in self.client.hosts.list(labels={'gpu': 'yes'})],
        )
        self.assertEqual(2, len(self.client.hosts.list(labels={'gpu': None})))
        self.client.hosts.update('c2', owner='ops')
        history = self.client.hosts.history('c2')
        self.assertEqual('update', history[0]['action'])
        result = self.client.hosts.replace('c1', 'c2', retire=True)
        self.assertEqual('retired', result['replaced']['state'])
        self.assertEqual('r1', result['replacement']['rack'])

    def test_audit_profile_catalog(self):
        # The catalog calls runbooks and audit profiles share: a bare
        # list is wrapped in the profile catalog's own key, a boolean
        # filter reaches the API as it reads it, and a wrong filter names
        # the collection.
        counts = self.client.audit_profiles.import_([PROFILE])
        self.assertEqual(1, counts['created'])
        disabled = dict(PROFILE, name='old', enabled=False)
        self.client.audit_profiles.create(disabled)
        self.assertEqual(
            ['old'],
            [
                p['name']
                for p in self.client.audit_profiles.list(enabled=False)
            ],
        )
        exported = self.client.audit_profiles.export()
        self.assertEqual(
            ['el9', 'old'], sorted(p['name'] for p in exported['profiles'])
        )
        replaced = self.client.audit_profiles.replace(
            'old', dict(disabled, description='kept for reference')
        )
        self.assertEqual('kept for reference', replaced['description'])
        counts = self.client.audit_profiles.import_(
            {'profiles': [PROFILE]}, replace=True
        )
        self.assertEqual(1, counts['deleted'])
        error = self.assertRaises(
            TypeError, self.client.audit_profiles.list, rule='kernel'
        )
        self.assertIn('Unknown profile filter', str(error))
        self.client.audit_profiles.delete('el9')
        self.assertEqual([], self.client.audit_profiles.list())

    def test_capacity(self):
        self.create_host(name='c1', facts={'vcpus': 4})
        view = self.client.capacity.get()
        self.assertEqual(4, view['total']['free']['vcpus'])
        view = self.client.capacity.get(without=['c1'])
        self.assertEqual(['c1'], view['what_if']['without'])

    def test_alerts_runbooks_approval(self):
        self.create_host(name='c1')
        runbook = self.client.runbooks.create(RUNBOOK)
        self.assertEqual(
            runbook['uuid'], self.client.runbooks.get('disk')['uuid']
        )
        self.assertEqual(1, len(self.client.runbooks.list(enabled=True)))
        self.assertEqual([], self.client.runbooks.list(enabled=False))
        result = self.client.alerts.create('DiskFailing', host='c1')
        alert = result['alert']
        run = result['decisions'][0]['execution_uuid']
        self.assertEqual(
            [alert['uuid']],
            [a['uuid'] for a in self.client.alerts.list(host='c1')],
        )
        self.assertEqual(
            'acknowledged',
            self.client.alerts.acknowledge(alert['uuid'])['state'],
        )
        silenced = self.client.alerts.silence(
            alert['uuid'], reason='known', duration=60
        )
        self.assertEqual('silenced', silenced['state'])
        self.assertEqual(
            'firing', self.client.alerts.unsilence(alert['uuid'])['state']
        )
        self.assertEqual(
            1, len(self.client.runbooks.dry_run('disk')['decisions'])
        )
        self.assertEqual(
            'rejected', self.client.executions.reject(run)['state']
        )
        catalog = self.client.runbooks.export()
        self.assertEqual(['disk'], [r['name'] for r in catalog['runbooks']])
        self.assertEqual(
            {'created': 0, 'updated': 1, 'deleted': 0},
            self.client.runbooks.import_(catalog['runbooks']),
        )
        self.assertEqual(
            {'created': 0, 'updated': 0, 'deleted': 1},
            self.client.runbooks.import_({'runbooks': []}, replace=True),
        )

    def test_versions_needed(self):
        old = fleet_client.Client(endpoint=self.api.url, api_version='1.2')
        for call, what in (
            (old.alerts.list, 'Alerts'),
            (old.runbooks.export, 'Runbooks'),
            (lambda: old.executions.approve('x'), 'Approving executions'),
        ):
            e = self.assertRaises(exceptions.FleetClientError, call)
            self.assertIn(f'{what} needs fleet API version 1.3', str(e))
        old = fleet_client.Client(endpoint=self.api.url, api_version='1.1')
        for call, what in (
            (old.places.list, 'Places'),
            (old.capacity.get, 'Capacity'),
            (lambda: old.hosts.history('c1'), 'Host history'),
            (lambda: old.hosts.variables('c1'), 'Host variables'),
            (lambda: old.hosts.replace('c1', 'c2'), 'Host replacement'),
            (
                lambda: old.hosts.list(labels={'a': 'b'}),
                'Filtering hosts by label or variable',
            ),
        ):
            e = self.assertRaises(exceptions.FleetClientError, call)
            self.assertIn(f'{what} needs fleet API version 1.2', str(e))
        self.assertEqual([], old.hosts.list())


class TestResourcesMocked(base.TestCase):
    URL = 'http://fleet.test:9880'

    def test_older_server_says_so_before_asking(self):
        mock = self.useFixture(rm_fixture.Fixture())

        def hosts(request, context):
            if request.headers['OpenStack-API-Version'] != 'fleet 1.2':
                context.status_code = 406
                context.headers['OpenStack-API-Maximum-Version'] = '1.2'
                return {'errors': [{'status': 406, 'detail': 'too new'}]}
            return {'hosts': []}

        mock.get(self.URL + '/v1/hosts', json=hosts)
        client = fleet_client.Client(endpoint=self.URL)
        self.assertEqual([], client.hosts.list(labels={'a': None}))
        self.assertEqual('1.2', client.api_version)
        self.assertEqual(['a'], mock.last_request.qs['label'])
        e = self.assertRaises(exceptions.FleetClientError, client.alerts.list)
        self.assertIn('supports at most 1.2', str(e))
