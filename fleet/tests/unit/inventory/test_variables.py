"""Variable inheritance region -> AZ -> cell -> rack -> host."""

from fleet.inventory import variables
from fleet.tests import base


def _place(kind, name, **variables_):
    return {
        'kind': kind,
        'name': name,
        'uuid': f'{kind}-{name}',
        'variables': variables_,
    }


class TestResolve(base.TestCase):
    def setUp(self):
        super().setUp()
        self.places = variables.index_places(
            [
                _place('region', 'r1', ntp='10.0.0.1', dns='r', tz='UTC'),
                _place('cell', 'c1', dns='c', syslog='c'),
                _place('rack', 'k7', dns='k', pdu='pdu-7'),
                _place('rack', 'other', pdu='nope'),
            ]
        )
        self.host = {
            'name': 'h1',
            'uuid': 'u1',
            'region': 'r1',
            'cell': 'c1',
            'rack': 'k7',
            'availability_zone': None,
            'variables': {'pdu': 'pdu-7b'},
        }

    def test_narrower_level_wins_with_provenance(self):
        view = variables.resolve(self.host, self.places)
        self.assertEqual(
            {
                'ntp': '10.0.0.1',
                'dns': 'k',
                'tz': 'UTC',
                'syslog': 'c',
                'pdu': 'pdu-7b',
            },
            view['variables'],
        )
        self.assertEqual(
            {
                'ntp': 'region:r1',
                'dns': 'rack:k7',
                'tz': 'region:r1',
                'syslog': 'cell:c1',
                'pdu': 'host',
            },
            view['sources'],
        )

    def test_raw_levels_widest_first(self):
        levels = variables.resolve(self.host, self.places)['levels']
        self.assertEqual(
            ['region', 'cell', 'rack', 'host'], [lv['level'] for lv in levels]
        )
        self.assertEqual({'dns': 'c', 'syslog': 'c'}, levels[1]['variables'])
        self.assertEqual('rack-k7', levels[2]['uuid'])

    def test_missing_place_contributes_nothing(self):
        host = dict(self.host, rack='unknown', cell=None)
        view = variables.resolve(host, self.places)
        self.assertEqual('r', view['variables']['dns'])
        self.assertIsNone(view['levels'][1]['uuid'])

    def test_host_without_places(self):
        view = variables.resolve({'name': 'h', 'variables': {}}, {})
        self.assertEqual({}, view['variables'])
        self.assertEqual(['host'], [lv['level'] for lv in view['levels']])
