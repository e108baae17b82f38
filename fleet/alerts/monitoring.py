"""Start and stop the enabled monitoring drivers in fleet-conductor.

Each signal a driver delivers goes through :func:`fleet.alerts.intake
.process` like an alert posted to the API: deduplicated, recorded, and
runbooks act on it (their runs cast to any conductor).

Usage::

    drivers = monitoring.start()
    ...
    monitoring.stop(drivers)
"""

from oslo_log import log

from fleet.alerts import intake
from fleet.common import context
from fleet.conductor import rpcapi as conductor_rpcapi
from fleet.drivers import factory

LOG = log.getLogger(__name__)


def make_callback():
    """The ``on_signal`` callable handed to every driver."""
    rpcapi = conductor_rpcapi.ConductorAPI()

    def on_signal(signal):
        ctx = context.get_admin_context()
        intake.process([signal], ctx, rpcapi)

    return on_signal


def start():
    """Start every enabled monitoring driver.

    :returns: the started drivers.
    """
    drivers = factory.get_drivers('monitoring')
    callback = make_callback()
    started = []
    for name, driver in drivers.items():
        driver.start(callback)
        started.append(driver)
        LOG.info('Monitoring driver %s started.', name)
    return started


def stop(drivers):
    for driver in drivers or ():
        try:
            driver.stop()
        except Exception:
            LOG.exception('Monitoring driver %s did not stop.', driver.name)
