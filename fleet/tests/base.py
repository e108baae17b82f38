"""Base test cases and fixtures of fleet's unit tests.

Every unit test runs hermetically: no config file is read, the database
is a private in-memory SQLite built by the real alembic migrations, the
message bus is oslo.messaging's in-process ``fake://`` transport, and the
policy enforcer, the loaded drivers and the simulated cloud are rebuilt
for each test.

Usage::

    from fleet.tests import base

    class TestSomething(base.DbTestCase):
        def test_it(self):
            self.config(default_limit=2, group='api')
            host = self.dbapi.create_host({'name': 'c1'})
"""

import os

import fixtures
from oslo_config import fixture as config_fixture
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures as db_fixtures
import oslo_messaging as messaging
from oslo_messaging import opts as messaging_opts
from oslotest import base

from fleet import conf as fleet_conf
from fleet.common import actions
from fleet.common import policy
from fleet.common import rpc
from fleet.db import api as db_api
from fleet.db import migration
from fleet.drivers import factory
from fleet.drivers import fake_cloud

CONF = fleet_conf.CONF
EXAMPLE_ACTIONS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    'etc',
    'fleet',
    'actions',
)
AUDIT_MAP = os.path.join(
    os.path.dirname(EXAMPLE_ACTIONS), 'api_audit_map.conf'
)


def _register_messaging_opts():
    # transport_url and [oslo_messaging_notifications] are registered by
    # oslo.messaging when a transport is first built; the tests override
    # them before that.
    for group, opts in messaging_opts.list_opts():
        CONF.register_opts(opts, group=group)


class ConfFixture(fixtures.Fixture):
    """CONF parsed from an empty command line with no config file, with
    the defaults of a hermetic test, and reset when the test ends."""

    def _setUp(self):
        _register_messaging_opts()
        self.conf = self.useFixture(config_fixture.Config(CONF))
        CONF(
            [],
            project='fleet',
            default_config_files=[],
            default_config_dirs=[],
        )
        self.conf.config(connection='sqlite://', group='database')
        self.conf.config(transport_url='fake://')
        self.conf.config(driver=['noop'], group='oslo_messaging_notifications')
        self.conf.config(auth_strategy='noauth', group='api')
        # The example actions fleet ships (noop, reboot, ...).
        self.conf.config(actions_dir=EXAMPLE_ACTIONS, group='executor')
        self.conf.config(audit_map_file=AUDIT_MAP, group='audit')
        self.conf.config(host='test-conductor')
        self.conf.config(inventory_sync_interval=0, group='conductor')
        self.conf.config(sync_inventory_on_start=False, group='conductor')
        # The services default to the real cloud (nova); hermetic tests
        # use the simulated one, explicitly, as fleet-all-in-one does.
        self.conf.config(
            compute=['fake'],
            inventory=['fake'],
            facts=['fake'],
            group='drivers',
        )
        self.conf.config(
            hosts=3,
            instances_per_host=1,
            migration_seconds=0,
            api_delay=0,
            seed=42,
            group='fake_cloud',
        )


class PolicyFixture(fixtures.Fixture):
    """A fresh policy enforcer (in-code defaults only) for each test."""

    def _setUp(self):
        policy.reset()
        self.addCleanup(policy.reset)


class DriversFixture(fixtures.Fixture):
    """Forget loaded drivers, the simulated cloud and the action catalog
    before and after."""

    def _setUp(self):
        factory.reset()
        fake_cloud.reset()
        actions.reset()
        self.addCleanup(actions.reset)
        self.addCleanup(fake_cloud.reset)
        self.addCleanup(factory.reset)


class Database(fixtures.Fixture):
    """A private in-memory SQLite database, migrated to head by alembic.

    oslo.db gives an in-memory SQLite engine a single connection shared by
    every thread (StaticPool), so an RPC server thread sees the data of
    the test that called it. The global enginefacade is pointed at this
    engine for the test only.
    """

    def __init__(self, connection='sqlite://'):
        """:param connection: database URL; a file (``sqlite:////tmp/x``)
        gives every thread its own connection, for tests of concurrency.
        """
        super().__init__()
        self.connection = connection

    def _setUp(self):
        context = enginefacade.transaction_context()
        context.configure(connection=self.connection, sqlite_fk=True)
        self.useFixture(
            db_fixtures.ReplaceEngineFacadeFixture(
                enginefacade._context_manager, context
            )
        )
        self.engine = enginefacade.writer.get_engine()
        self.addCleanup(self.engine.dispose)
        migration.upgrade('head')


class RPCFixture(fixtures.Fixture):
    """fleet.common.rpc initialised on the ``fake://`` transport."""

    def _setUp(self):
        rpc.cleanup()
        rpc.init(CONF)
        self.addCleanup(rpc.cleanup)
        self.transport = rpc.TRANSPORT


class TestCase(base.BaseTestCase):
    """Config, policy and drivers reset; no database."""

    def setUp(self):
        super().setUp()
        self.useFixture(ConfFixture())
        self.useFixture(PolicyFixture())
        self.useFixture(DriversFixture())

    def config(self, group=None, **kw):
        """Override options for this test only."""
        for name, value in kw.items():
            CONF.set_override(name, value, group=group)


class DbTestCase(TestCase):
    """A TestCase with a migrated SQLite database."""

    def setUp(self):
        super().setUp()
        self.db = self.useFixture(Database())
        self.dbapi = db_api.get_instance()

    def create_host(self, **values):
        values.setdefault('name', f'host-{self.getUniqueInteger()}')
        return self.dbapi.create_host(values)


def rpc_server(topic, endpoints, server='test-conductor'):
    """An RPC server on the fake transport; the caller starts it."""
    target = messaging.Target(topic=topic, server=server)
    return rpc.get_server(target, endpoints)
