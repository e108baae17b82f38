"""Tests of the stevedore driver factory."""

import fixtures

from fleet.common import exception
from fleet.drivers import base as driver_base
from fleet.drivers import factory
from fleet.tests import base


class TestFactory(base.TestCase):
    def test_load_all_defaults(self):
        factory.load_all()
        inventory = factory.get_drivers('inventory')
        self.assertEqual(['fake'], list(inventory))
        self.assertIsInstance(inventory['fake'], driver_base.InventoryDriver)
        self.assertEqual('fake', inventory['fake'].name)
        self.assertIsInstance(factory.get_compute(), driver_base.ComputeDriver)
        self.assertIsInstance(
            factory.get_executor(), driver_base.ExecutorDriver
        )
        self.assertEqual('noop', factory.get_executor().name)

    def test_drivers_are_loaded_once(self):
        first = factory.get_driver('executor', 'noop')
        self.assertIs(first, factory.get_driver('executor', 'noop'))
        factory.reset()
        self.assertIsNot(first, factory.get_driver('executor', 'noop'))

    def test_unknown_driver(self):
        self.config(inventory=['fake', 'nope'], group='drivers')
        e = self.assertRaises(
            exception.DriverLoadError, factory.get_drivers, 'inventory'
        )
        self.assertIn("'nope'", e.message)
        self.assertIn('fleet.inventory', e.message)
        self.assertIn('available: fake', e.message)

    def test_unknown_driver_fails_load_all(self):
        self.config(monitoring=['prometheus-typo'], group='drivers')
        e = self.assertRaises(exception.DriverLoadError, factory.load_all)
        self.assertIn('fleet.monitoring', e.message)
        self.assertIn('noop', e.message)

    def test_driver_that_fails_to_load(self):
        def broken(*args, **kwargs):
            raise ImportError('no module named ansible_runner')

        self.useFixture(
            fixtures.MonkeyPatch('stevedore.DriverManager', broken)
        )
        e = self.assertRaises(
            exception.DriverLoadError, factory.get_drivers, 'executor'
        )
        self.assertIn('ansible_runner', e.message)
        self.assertIn('fleet.executor', e.message)

    def test_default_executor_not_enabled(self):
        self.config(
            executor=['noop'], default_executor='script', group='drivers'
        )
        e = self.assertRaises(exception.ConfigInvalid, factory.load_all)
        self.assertEqual({}, factory._loaded)
        self.assertIn("'script'", e.message)
        self.assertIn('noop', e.message)

    def test_compute_must_be_exactly_one(self):
        # ['fake', 'nova']: told about the count, not about [nova] auth.
        for compute in ([], ['fake', 'nova'], ['fake', 'fake']):
            factory.reset()
            self.config(compute=compute, group='drivers')
            e = self.assertRaises(exception.ConfigInvalid, factory.load_all)
            self.assertIn('exactly one', e.message)

    def test_driver_not_enabled(self):
        e = self.assertRaises(
            exception.DriverNotEnabled, factory.get_executor, 'ansible'
        )
        self.assertEqual(400, e.code)
        self.assertIn('enabled: noop', e.message)

    def test_validate_config_runs_at_load(self):
        calls = []

        def validate(driver):
            calls.append(driver.name)
            raise exception.ConfigInvalid(error='bad setting')

        self.useFixture(
            fixtures.MonkeyPatch(
                'fleet.drivers.executor.noop.NoopExecutor.validate_config',
                validate,
            )
        )
        self.assertRaises(
            exception.ConfigInvalid, factory.get_drivers, 'executor'
        )
        self.assertEqual(['noop'], calls)
