"""Client side of the conductor RPC API.

Usage::

    api = rpcapi.ConductorAPI()
    api.sync_inventory(context)

API version history:

* 1.0 - Initial version: sync_inventory, ping.
"""

import oslo_messaging as messaging
from oslo_config import cfg

from fleet.common import rpc

CONF = cfg.CONF


class ConductorAPI:
    """Calls and casts from the API (and tools) to the conductors."""

    RPC_API_VERSION = '1.0'

    def __init__(self, topic=None):
        target = messaging.Target(topic=topic or CONF.conductor.topic,
                                  version='1.0')
        self.client = rpc.get_client(
            target, version_cap=self.RPC_API_VERSION,
            timeout=CONF.conductor.rpc_timeout)

    def _prepare(self, version, server=None):
        return self.client.prepare(version=version, server=server)

    def ping(self, context):
        """Ask any conductor to answer; returns its host name."""
        return self._prepare('1.0').call(context, 'ping')

    def sync_inventory(self, context):
        """Run an inventory sync now; returns counts of what changed."""
        return self._prepare('1.0').call(context, 'sync_inventory')
