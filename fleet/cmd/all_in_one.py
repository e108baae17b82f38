"""fleet-all-in-one: API and conductor in one process, on embedded defaults.

With no config file it needs nothing else: SQLite (``./fleet.sqlite``),
the in-process ``fake://`` message bus, no authentication, and the
simulated cloud (``[drivers] compute`` and ``inventory`` default to
``fake`` here only; every other fleet process defaults to ``nova``). It
runs the very code of fleet-api and fleet-conductor: only the drivers and
backends differ, and a config file may change any of them.

Usage::

    fleet-all-in-one                      # http://127.0.0.1:9880/
    fleet-all-in-one --config-file my.conf
"""

import sys
import threading

from oslo_config import cfg
from oslo_log import log
from oslo_service import service

from fleet.api import service as api_service
from fleet.common import service as fleet_service
from fleet.conductor import inventory
from fleet.conf import database as database_conf
from fleet.db import migration

CONF = cfg.CONF
LOG = log.getLogger(__name__)


def set_embedded_defaults():
    """Defaults of the embedded mode; a config file still overrides."""
    CONF.set_default('all_in_one', True)
    CONF.set_default('auth_strategy', 'noauth', group='api')
    CONF.set_default('transport_url', 'fake://')
    # Only here: every other process refuses to start without one.
    CONF.set_default(
        'connection', database_conf.EMBEDDED_CONNECTION, group='database'
    )
    # The in-process bus cannot carry notifications to anyone else.
    CONF.set_default('driver', ['noop'], group='oslo_messaging_notifications')
    # The simulated cloud, explicitly: every other process defaults to the
    # real one (nova), so that a production service missing an option
    # never acts on a simulation.
    CONF.set_default('compute', ['fake'], group='drivers')
    CONF.set_default('inventory', ['fake'], group='drivers')
    CONF.set_default('facts', ['fake'], group='drivers')
    # start() syncs before the API answers, so the conductor need not.
    CONF.set_default('sync_inventory_on_start', False, group='conductor')


class AllInOneService(service.ServiceBase):
    """Runs the conductor and the API side by side in one process."""

    def __init__(self):
        super().__init__()
        self.conductor = fleet_service.ConductorService()
        self.api = api_service.APIService()
        self._stopped = threading.Event()

    def start(self):
        migration.upgrade('head')
        self.conductor.start()
        inventory.sync()
        self.api.start()

    def stop(self, graceful=True):
        self.api.stop(graceful)
        self.conductor.stop(graceful)
        self._stopped.set()

    def wait(self):
        self._stopped.wait()

    def reset(self):
        pass


def main():
    import oslo_messaging  # noqa: F401 - registers transport_url
    from oslo_messaging import opts as messaging_opts

    for group, opts in messaging_opts.list_opts():
        CONF.register_opts(opts, group=group)
    set_embedded_defaults()
    fleet_service.prepare_command(sys.argv)
    launcher = service.launch(CONF, AllInOneService(), restart_method='mutate')
    return launcher.wait()


if __name__ == '__main__':
    sys.exit(main())
