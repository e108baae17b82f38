"""Client side of the conductor RPC API.

Usage::

    api = rpcapi.ConductorAPI()
    api.sync_inventory(context)

API version history:

* 1.0 - Initial version: sync_inventory, ping.
* 1.1 - Added start_execution (cast).
* 1.2 - Added add_host_to_aggregates (call; hardware replacement).
* 1.3 - Added cancel_execution and release_host (casts).
* 1.4 - Added hold_host_service (cast; a host's fleet state changed).
* 1.5 - Added gather_facts (call) and run_audit (call, or cast when it
  gathers facts first).
"""

from oslo_config import cfg
import oslo_messaging as messaging

from fleet.common import rpc

CONF = cfg.CONF


class ConductorAPI:
    """Calls and casts from the API (and tools) to the conductors."""

    RPC_API_VERSION = '1.5'

    def __init__(self, topic=None):
        target = messaging.Target(
            topic=topic or CONF.conductor.topic, version='1.0'
        )
        self.client = rpc.get_client(
            target,
            version_cap=self.RPC_API_VERSION,
            timeout=CONF.conductor.rpc_timeout,
        )

    def _prepare(self, version, server=None):
        return self.client.prepare(version=version, server=server)

    def ping(self, context):
        """Ask any conductor to answer; returns its host name."""
        return self._prepare('1.0').call(context, 'ping')

    def sync_inventory(self, context):
        """Run an inventory sync now; returns counts of what changed."""
        return self._prepare('1.0').call(context, 'sync_inventory')

    def start_execution(self, context, execution_uuid):
        """Have a conductor run a pending execution; returns at once.

        The run is recorded (``pending``) before this cast: a cast lost
        with a conductor is picked up again when a conductor starts.
        """
        self._prepare('1.1').cast(
            context, 'start_execution', execution_uuid=execution_uuid
        )

    def add_host_to_aggregates(self, context, host, aggregates):
        """Add ``host`` to the Nova aggregates named (replacement of a
        failed host); returns the names it is now a member of."""
        return self._prepare('1.2').call(
            context, 'add_host_to_aggregates', host=host, aggregates=aggregates
        )

    def cancel_execution(self, context, execution_uuid):
        """Tell a conductor a run was asked to stop, so that a pending run
        nobody runs is closed; returns at once."""
        self._prepare('1.3').cast(
            context, 'cancel_execution', execution_uuid=execution_uuid
        )

    def release_host(self, context, host_name, reason):
        """Have a conductor keep a released host's nova-compute disabled
        with fleet's reason; returns at once."""
        self._prepare('1.3').cast(
            context, 'release_host', host_name=host_name, reason=reason
        )

    def hold_host_service(self, context, host):
        """A host's fleet state changed: disable its nova-compute if fleet
        now holds it out of service, re-enable it if fleet returned it
        (see :func:`fleet.conductor.inventory.hold_services`)."""
        self._prepare('1.4').cast(context, 'hold_host_service', host=host)

    def gather_facts(self, context, host_uuids):
        """Gather the facts of hosts now, then audit them; returns
        ``{'gathered', 'failed', 'audit'}``."""
        return self._prepare('1.5').call(
            context, 'gather_facts', host_uuids=host_uuids
        )

    def run_audit(
        self,
        context,
        host_uuids=None,
        profiles=None,
        gather=False,
        wait=True,
        cause_alert_uuid=None,
    ):
        """Audit hosts (every host when None) against profiles (every
        enabled one when None), gathering their facts first if
        ``gather``; with ``wait`` returns the summary, else casts.

        :param cause_alert_uuid: the alert that asked for this audit (a
            runbook's ``audit`` remediation): the audit alerts it raises
            name it, and a run that fixes them resolves it too.
        """
        client = self._prepare('1.5')
        kwargs = {
            'host_uuids': host_uuids,
            'profiles': profiles,
            'gather': gather,
        }
        if cause_alert_uuid:
            kwargs['cause_alert_uuid'] = cause_alert_uuid
        if wait:
            return client.call(context, 'run_audit', **kwargs)
        client.cast(context, 'run_audit', **kwargs)
