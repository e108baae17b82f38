"""Server side of the conductor RPC API: thin, hands work to modules."""

import datetime
import threading

from oslo_config import cfg
from oslo_log import log
import oslo_messaging as messaging
from oslo_utils import timeutils

from fleet.audits import auditor
from fleet.audits import facts as audit_facts
from fleet.common import context as fleet_context
from fleet.common import coordination
from fleet.common import executions
from fleet.common import states
from fleet.conductor import engine
from fleet.conductor import inventory
from fleet.conductor import plans
from fleet.conductor import rpcapi as conductor_rpcapi
from fleet.db import api as db_api
from fleet.drivers import factory

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class ConductorManager:
    """RPC endpoint of fleet-conductor. Versions: see rpcapi."""

    target = messaging.Target(version='1.5')

    def __init__(self, host, coordinator=None):
        self.host = host
        #: None: the process' coordinator, if [coordination] backend_url.
        self._coordinator = coordinator
        self.runner = engine.Runner(host, coordinator=coordinator)

    @property
    def coordinator(self):
        return self._coordinator or coordination.get_coordinator()

    def init_host(self):
        """Called once when the service starts, before RPC is served:
        prepares TaskFlow's tables and resumes this conductor's runs."""
        engine.init_persistence()
        # Runs admitted when another ends (executions.finish) start here.
        executions.set_start_hook(self._start_admitted)
        if CONF.maintenance.resume_on_start:
            self.resume_executions()
        if CONF.conductor.sync_inventory_on_start:
            # The inventory is there within seconds, not only after the
            # first periodic sync ([conductor] inventory_sync_interval);
            # in a thread, so a large or slow cloud does not delay RPC.
            threading.Thread(
                target=self._sync_at_start,
                name='inventory-sync-at-start',
                daemon=True,
            ).start()

    def _sync_at_start(self):
        try:
            counts = inventory.sync()
            LOG.info('Inventory synced at start: %s.', counts)
        except Exception:
            # A failing driver must not stop the conductor; the periodic
            # sync tries again.
            LOG.exception('Inventory sync at start failed.')

    def _start_admitted(self, uuid):
        self.start_execution(None, uuid)
        return True

    def drive_plans(self):
        """Periodic: admit the waiting runs that now fit, and drive every
        active plan ([budget] recheck_interval)."""
        dbapi = db_api.get_instance()
        plans.tick_all(dbapi, self._start_admitted)
        # A run admitted where no start hook was set (or whose cast was
        # lost) is pending with no conductor: start it here.
        stale = timeutils.utcnow() - datetime.timedelta(
            seconds=2 * CONF.budget.recheck_interval
        )
        for run in dbapi.list_executions(
            filters={'state': states.EXEC_PENDING, 'conductor': None}
        ):
            if run['updated_at'] and run['updated_at'] < stale:
                self.start_execution(None, run['uuid'])

    def del_host(self):
        """Called once when the service stops."""
        self.runner.stop()

    def ping(self, context):
        return self.host

    def sync_inventory(self, context):
        return inventory.sync()

    def add_host_to_aggregates(self, context, host, aggregates):
        return inventory.add_host_to_aggregates(host, aggregates)

    def hold_host_service(self, context, host):
        """Cast by the API when a host's state changed."""
        try:
            inventory.hold_services(host)
        except Exception:
            # A cast has no caller to tell: the next sync puts it right.
            LOG.exception('Cannot bring nova-compute on %s in line.', host)

    def gather_facts(self, context, host_uuids):
        """Gather the facts of hosts now, then audit them."""
        dbapi = db_api.get_instance()
        hosts = [dbapi.get_host(u) for u in host_uuids]
        result = audit_facts.gather_hosts(hosts, dbapi)
        result['audit'] = self._audit(context, host_uuids, None)
        return result

    def run_audit(
        self,
        context,
        host_uuids=None,
        profiles=None,
        gather=False,
        cause_alert_uuid=None,
    ):
        """Audit hosts' stored facts (gathering them first if asked)."""
        dbapi = db_api.get_instance()
        if gather:
            hosts = (
                [dbapi.get_host(u) for u in host_uuids]
                if host_uuids
                else dbapi.list_hosts()
            )
            audit_facts.gather_hosts(hosts, dbapi)
        return self._audit(context, host_uuids, profiles, cause_alert_uuid)

    def _audit(self, context, host_uuids, profiles, cause_alert_uuid=None):
        dbapi = db_api.get_instance()
        hosts = (
            [dbapi.get_host(u) for u in host_uuids]
            if host_uuids is not None
            else None
        )
        return auditor.audit(
            dbapi,
            hosts=hosts,
            profile_names=profiles,
            context=context or fleet_context.get_admin_context(),
            rpcapi=conductor_rpcapi.ConductorAPI(),
            cause_alert_uuid=cause_alert_uuid,
        )

    def _alone(self, name, func):
        """Run ``func`` unless another conductor runs the same periodic
        work now (coordinated: one lock per kind of work)."""
        coordinator = self.coordinator
        if coordinator is None:
            return func()
        with coordinator.run_lock(f'periodic-{name}') as locked:
            if not locked:
                LOG.info('Another conductor runs %s now; skipped.', name)
                return None
            return func()

    def gather_all_facts(self):
        """Periodic: gather the facts of every managed host, then audit."""
        return self._alone('facts', self._gather_all_facts)

    def audit_all(self):
        """Periodic: audit every host's stored facts."""
        return self._alone('audit', lambda: self._audit(None, None, None))

    def _gather_all_facts(self):
        dbapi = db_api.get_instance()
        hosts = [
            h
            for h in dbapi.list_hosts()
            if h['state'] not in (states.HOST_UNMANAGED, states.HOST_RETIRED)
        ]
        if hosts:
            audit_facts.gather_hosts(hosts, dbapi)
        self._audit(None, None, None)

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
        if not self.runner.start(
            execution, expected_conductor=execution['conductor']
        ):
            LOG.info(
                'Run %s is taken by another conductor; not starting it.',
                execution_uuid,
            )

    def cancel_execution(self, context, execution_uuid):
        """A run was asked to stop (cast by the API, 1.3): close it here
        if it is pending and nobody runs it (its conductor is this one, or
        none, or not a live member any more). A run whose flow runs is
        stopped by its flow, which sees the cancel flag."""
        dbapi = db_api.get_instance()
        execution = dbapi.get_execution(execution_uuid)
        owner = execution['conductor']
        if execution['uuid'] in self.runner.running():
            return
        if owner not in (None, self.host):
            coordinator = self.coordinator
            if coordinator is None:
                return  # its own conductor closes it when it resumes it
            try:
                if owner in coordinator.live_members():
                    return
            except Exception:
                LOG.exception('Cannot list the live conductors.')
                return
        if executions.close_if_idle(
            dbapi,
            execution_uuid,
            f'cancelled by request; conductor {self.host} closed it (no '
            f'conductor was running it)',
        ):
            LOG.info('Run %s cancelled before it started.', execution_uuid)

    def release_host(self, context, host_name, reason):
        """After an admin released a host (API 1.5): keep its nova-compute
        disabled, with fleet's reason, so Nova schedules nothing on it
        while a human has it (cast by the API, 1.3)."""
        host = db_api.get_instance().get_host(host_name)
        if host['kind'] != 'compute':
            return
        text = f'fleet: host released by an admin: {reason}'
        try:
            factory.get_compute().disable_service(host['name'], text[:255])
            db_api.get_instance().add_host_history(
                host['uuid'],
                'nova_service_disabled',
                {'disabled_reason': text[:255]},
                history={'source': 'conductor', 'actor': self.host},
            )
        except Exception as e:
            LOG.exception('Cannot disable nova-compute on %s.', host_name)
            db_api.get_instance().add_host_history(
                host['uuid'],
                'nova_service_disable_failed',
                {'error': str(e)},
                history={'source': 'conductor', 'actor': self.host},
            )

    def take_over_executions(self):
        """Periodic (coordinated): resume_executions; this conductor's own
        runs only if ``[maintenance] resume_on_start``."""
        self.resume_executions(own=CONF.maintenance.resume_on_start)

    def resume_executions(self, own=True):
        """Resume the active runs owned by this conductor (or by none).

        Coordinated ([coordination] backend_url), also take over the runs
        of conductors that are not live members of the group: the run's
        lock and a conditional update of its conductor let one conductor
        only have each run. Called at start and, through
        take_over_executions, every ``[coordination] takeover_interval``
        seconds.
        """
        coordinator = self.coordinator
        live = None
        if coordinator is not None:
            try:
                live = coordinator.live_members()
            except Exception:
                LOG.exception('Cannot list the live conductors.')
                return
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
        running = set(self.runner.running())
        for execution in active:
            owner = execution['conductor']
            if owner not in (None, self.host) and (
                live is None or owner in live
            ):
                continue
            if execution['uuid'] in running or (
                not own and owner == self.host
            ):
                continue
            try:
                if self.runner.resume(execution, expected_conductor=owner):
                    if owner in (None, self.host):
                        LOG.info('Run %s resumed.', execution['uuid'])
                    else:
                        LOG.warning(
                            'Run %s taken over from conductor %s, which '
                            'is not a live member any more.',
                            execution['uuid'],
                            owner,
                        )
            except Exception:
                LOG.exception('Cannot resume run %s.', execution['uuid'])

    def periodic_tasks(self):
        """(interval seconds, callable) pairs run by the service."""
        tasks = [
            (CONF.conductor.inventory_sync_interval, inventory.sync),
            (CONF.budget.recheck_interval, self.drive_plans),
        ]
        if CONF.facts.interval and CONF.drivers.facts:
            tasks.append((CONF.facts.interval, self.gather_all_facts))
        if CONF.auditing.interval:
            tasks.append((CONF.auditing.interval, self.audit_all))
        if self.coordinator is not None:
            tasks.append(
                (
                    CONF.coordination.takeover_interval,
                    self.take_over_executions,
                )
            )
        return tasks
