"""Server side of the conductor RPC API: thin, hands work to modules."""

from oslo_config import cfg
from oslo_log import log
import oslo_messaging as messaging

from fleet.common import states
from fleet.conductor import engine
from fleet.conductor import inventory
from fleet.db import api as db_api

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class ConductorManager:
    """RPC endpoint of fleet-conductor. Versions: see rpcapi."""

    target = messaging.Target(version='1.2')

    def __init__(self, host):
        self.host = host
        self.runner = engine.Runner(host)

    def init_host(self):
        """Called once when the service starts, before RPC is served:
        prepares TaskFlow's tables and resumes this conductor's runs."""
        engine.init_persistence()
        if CONF.maintenance.resume_on_start:
            self.resume_executions()

    def del_host(self):
        """Called once when the service stops."""
        self.runner.stop()

    def ping(self, context):
        return self.host

    def sync_inventory(self, context):
        return inventory.sync()

    def add_host_to_aggregates(self, context, host, aggregates):
        return inventory.add_host_to_aggregates(host, aggregates)

    def start_execution(self, context, execution_uuid):
        """Run a pending execution (cast by the API)."""
        dbapi = db_api.get_instance()
        execution = dbapi.get_execution(execution_uuid)
        if execution['state'] not in (
            states.EXEC_PENDING,
            states.EXEC_CANCELLING,
        ) or execution['conductor'] not in (None, self.host):
            LOG.warning(
                'Run %s is %s on conductor %s; not starting it.',
                execution_uuid,
                execution['state'],
                execution['conductor'],
            )
            return
        self.runner.start(execution)

    def resume_executions(self):
        """Resume the active runs owned by this conductor (or by none)."""
        dbapi = db_api.get_instance()
        active = dbapi.list_executions(
            filters={
                'state': [
                    states.EXEC_PENDING,
                    states.EXEC_RUNNING,
                    states.EXEC_CANCELLING,
                ]
            }
        )
        for execution in active:
            if execution['conductor'] not in (None, self.host):
                continue
            try:
                self.runner.resume(execution)
                LOG.info('Run %s resumed.', execution['uuid'])
            except Exception:
                LOG.exception('Cannot resume run %s.', execution['uuid'])

    def periodic_tasks(self):
        """(interval seconds, callable) pairs run by the service."""
        return [(CONF.conductor.inventory_sync_interval, inventory.sync)]
