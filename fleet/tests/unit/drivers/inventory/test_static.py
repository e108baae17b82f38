"""The static inventory driver and its merge with the simulated cloud."""

import os
import tempfile

from fleet.common import exception
from fleet.conductor import inventory
from fleet.drivers.inventory import static
from fleet.tests import base

DOC = """
places:
  - {kind: region, name: RegionOne, variables: {ntp: 10.0.0.1}}
  - {kind: rack, name: r12, labels: {row: '3'}, variables: {pdu: pdu-12}}
hosts:
  - name: tor-r12
    kind: switch
    region: RegionOne
    rack: r12
    labels: {vendor: arista}
    variables: {mgmt_ip: 10.1.12.1}
  - name: sim-compute-001
    rack: r12
    labels: {gpu: 'yes'}
"""


class TestStatic(base.DbTestCase):
    def write(self, text):
        fd, path = tempfile.mkstemp(suffix='.yaml')
        with os.fdopen(fd, 'w') as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        self.config(static_file=path, group='inventory')
        return path

    def test_load(self):
        self.write(DOC)
        driver = static.StaticInventory()
        driver.validate_config()
        self.assertEqual(
            ['tor-r12', 'sim-compute-001'],
            [h['name'] for h in driver.list_hosts()],
        )
        self.assertEqual('compute', driver.list_hosts()[1]['kind'])
        self.assertEqual(2, len(driver.list_places()))

    def test_bad_kind(self):
        self.write('hosts: [{name: x, kind: toaster}]')
        e = self.assertRaises(
            exception.ConfigInvalid, static.StaticInventory().validate_config
        )
        self.assertIn('toaster', str(e))

    def test_missing_file(self):
        self.config(static_file='/nonexistent.yaml', group='inventory')
        self.assertRaises(
            exception.ConfigInvalid, static.StaticInventory().validate_config
        )

    def test_merge_with_fake(self):
        self.write(DOC)
        self.config(inventory=['fake', 'static'], group='drivers')
        counts = inventory.sync()
        self.assertEqual(4, counts['created'])
        self.assertEqual({'created': 2, 'updated': 0}, counts['places'])
        switch = self.dbapi.get_host('tor-r12')
        self.assertEqual(
            ('static', 'switch', 'r12'),
            (switch['source'], switch['kind'], switch['rack']),
        )
        # fake owns the compute; static fills its rack and adds a label.
        cmp1 = self.dbapi.get_host('sim-compute-001')
        self.assertEqual(
            ('fake', 'r12', {'gpu': 'yes'}),
            (cmp1['source'], cmp1['rack'], cmp1['labels']),
        )
        self.assertEqual(3, counts['instances']['created'])
        # An operator's label survives the next sync.
        self.dbapi.update_host(
            'tor-r12', {'labels': {'vendor': 'arista', 'owner': 'netops'}}
        )
        inventory.sync()
        self.assertEqual(
            {'vendor': 'arista', 'owner': 'netops'},
            self.dbapi.get_host('tor-r12')['labels'],
        )
