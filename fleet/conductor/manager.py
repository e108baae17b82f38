"""Server side of the conductor RPC API: thin, hands work to modules."""

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log

from fleet.conductor import inventory

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class ConductorManager:
    """RPC endpoint of fleet-conductor. Versions: see rpcapi."""

    target = messaging.Target(version='1.0')

    def __init__(self, host):
        self.host = host

    def init_host(self):
        """Called once when the service starts, before RPC is served."""

    def del_host(self):
        """Called once when the service stops."""

    def ping(self, context):
        return self.host

    def sync_inventory(self, context):
        return inventory.sync()

    def periodic_tasks(self):
        """(interval seconds, callable) pairs run by the service."""
        return [(CONF.conductor.inventory_sync_interval, inventory.sync)]
