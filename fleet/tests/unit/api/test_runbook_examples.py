"""The runbooks shown in the documentation are valid, and none drains a
host on NovaComputeDown (Nova cannot live-migrate off a down compute)."""

import os
import re

import jsonschema
import yaml

from fleet.alerts import runbooks
from fleet.api.schemas import runbook as schema
from fleet.tests import base

ALERTS_DOC = os.path.join(
    os.path.dirname(base.EXAMPLE_ACTIONS),
    os.pardir,
    os.pardir,
    'doc',
    'source',
    'admin',
    'alerts.rst',
)


def _yaml_blocks(path):
    with open(path) as f:
        text = f.read()
    blocks = re.findall(r'\.\. code-block:: yaml\n\n((?:   .*\n|\n)+)', text)
    return [yaml.safe_load(re.sub(r'(?m)^   ', '', b)) for b in blocks]


class TestDocumentedRunbooks(base.TestCase):
    def setUp(self):
        super().setUp()
        self.examples = [
            b
            for b in _yaml_blocks(ALERTS_DOC)
            if isinstance(b, dict) and 'remediation' in b
        ]

    def test_the_page_shows_runbooks(self):
        names = {b['name'] for b in self.examples}
        self.assertEqual(
            {'compute-down-handoff', 'memory-errors-drain'}, names
        )

    def test_every_example_is_valid(self):
        validator = jsonschema.Draft202012Validator(schema.RUNBOOK)
        for example in self.examples:
            errors = [e.message for e in validator.iter_errors(example)]
            self.assertEqual([], errors, example['name'])

    def test_no_example_drains_a_down_compute(self):
        for example in self.examples:
            names = example['match'].get('alert_name')
            names = names if isinstance(names, list) else [names]
            if 'NovaComputeDown' in names:
                self.assertEqual(
                    'handoff', example['remediation']['action'], example
                )

    def test_defaults_as_documented(self):
        values = runbooks.from_api({'name': 'x', 'threshold': {}})
        self.assertEqual(1, values['threshold_count'])
        self.assertEqual(3600, values['threshold_window'])


class TestRunbookDefaults(base.DbTestCase):
    """The defaults the documentation's table states (doc/source/admin/
    alerts.rst, "Defaults"): what a minimal runbook gets."""

    def test_a_minimal_runbook(self):
        values = runbooks.from_api(
            {
                'name': 'minimal',
                'match': {'alert_name': 'X'},
                'remediation': {'action': 'maintenance'},
            }
        )
        shown = runbooks.to_api(self.dbapi.create_runbook(values))
        self.assertEqual({'count': 1, 'window': 3600}, shown['threshold'])
        self.assertEqual(0, shown['cooldown'])
        self.assertEqual({}, shown['limits'])
        self.assertEqual('automatic', shown['approval'])
        self.assertTrue(shown['enabled'])
