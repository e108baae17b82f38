"""Server side of the conductor RPC API: thin, hands work to modules."""

import threading

from oslo_config import cfg
from oslo_log import log
import oslo_messaging as messaging

from fleet.audits import auditor
from fleet.audits import facts as audit_facts
from fleet.common import context as fleet_context
from fleet.common import coordination
from fleet.common import executions
from fleet.common import states
from fleet.conductor import engine
from fleet.conductor import inventory
from fleet.conductor import jobs
from fleet.conductor import plans
from fleet.conductor import rpcapi as conductor_rpcapi
from fleet.db import api as db_api
from fleet.drivers import factory

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class ConductorManager:
    """RPC endpoint of fleet-conductor. Versions: see rpcapi."""

    target = messaging.Target(version='1.5')

    def __init__(self, host, coordinator=None, board=None):
        self.host = host
        #: None: the process' coordinator, if [coordination] backend_url.
        self._coordinator = coordinator
        self.runner = engine.Runner(host)
        self._board = board
        self._dispatcher = None
        self._dispatcher_lock = threading.Lock()

    @property
    def coordinator(self):
        return self._coordinator or coordination.get_coordinator()

    @property
    def dispatcher(self):
        """This conductor's jobboard dispatcher ([jobboard] board)."""
        with self._dispatcher_lock:
            if self._dispatcher is None:
                board = self._board or jobs.fetch_board(
                    persistence=engine.get_backend()
                )
                self._dispatcher = jobs.Dispatcher(
                    self.host, self.runner, board
                )
            return self._dispatcher

    def is_leader(self):
        """True if this conductor runs the once-per-cloud periodic work
        (the leader lock on the coordination backend, or no backend)."""
        coordinator = self.coordinator
        if coordinator is None:
            return True
        try:
            return coordinator.is_leader()
        except Exception:
            LOG.exception('Cannot tell whether this conductor leads.')
            return False

    def once_per_cloud(self, func, name):
        """``func`` wrapped to run only on the leader (periodic work),
        named ``name`` (the periodic thread's name)."""

        def leader_only():
            if self.is_leader():
                return func()
            return None

        leader_only.__name__ = name
        return leader_only

    def init_host(self):
        """Called once when the service starts, before RPC is served:
        prepares TaskFlow's tables, posts the jobs of active runs that
        have none (the leader) and starts claiming jobs."""
        engine.init_persistence()
        # Runs admitted when another ends (executions.finish) start here.
        executions.set_start_hook(self._start_admitted)
        if CONF.maintenance.resume_on_start:
            self.resume_executions()
        self.dispatcher.start()
        if CONF.conductor.sync_inventory_on_start and self.is_leader():
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
            counts = inventory.sync(full=True)
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
        # A run admitted where no start hook was set (or whose cast was
        # lost) has no job: the leader's repost_orphans posts it.
        plans.tick_all(db_api.get_instance(), self._start_admitted)

    def del_host(self):
        """Called once when the service stops: suspends the runs and
        abandons their jobs, for another conductor (or the next start)."""
        if self._dispatcher is not None:
            self._dispatcher.stop()
        else:
            self.runner.stop()

    def ping(self, context):
        return self.host

    def sync_inventory(self, context):
        # Asked for by an operator: a full sync, which repairs any drift.
        return inventory.sync(full=True)

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

    def gather_all_facts(self):
        """Periodic (on the leader only, see :meth:`periodic_tasks`):
        gather the facts of every managed host, then audit."""
        return self._gather_all_facts()

    def audit_all(self):
        """Periodic (on the leader only): audit every host's stored
        facts."""
        return self._audit(None, None, None)

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
        """A run is pending (cast by the API): post its job; any conductor
        (this one first, if it has room) claims and runs it."""
        dbapi = db_api.get_instance()
        execution = dbapi.get_execution(execution_uuid)
        if execution['state'] not in (
            states.EXEC_PENDING,
            states.EXEC_CANCELLING,
        ):
            LOG.warning(
                'Run %s is %s; not posting it.',
                execution_uuid,
                execution['state'],
            )
            return
        self.dispatcher.post(execution_uuid)
        self.dispatcher.claim_once()

    def cancel_execution(self, context, execution_uuid):
        """A run was asked to stop (cast by the API, 1.3): close it here
        if it is pending and no conductor has claimed its job. A run
        whose flow runs is stopped by its flow, which sees the cancel
        flag; a claimed one is closed by its claimant before it starts."""
        dbapi = db_api.get_instance()
        if execution_uuid in self.runner.running():
            return
        dispatcher = self.dispatcher
        if dispatcher.owns(execution_uuid):
            return
        try:
            for job in dispatcher.board.iterjobs(ensure_fresh=True):
                if jobs.execution_of(job) == execution_uuid:
                    if jobs.owner_of(dispatcher.board, job) is not None:
                        return  # its claimant closes it
        except Exception:
            LOG.exception('Cannot read the jobboard.')
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

    def resume_executions(self):
        """Post a job for every active run that has none (the leader
        only: e.g. the in-process board after a restart, or a cast lost
        between the API and a conductor), then claim what this conductor
        has room for; runs claimed under this conductor's name by its
        previous process are adopted at once."""
        if self.is_leader():
            self.dispatcher.repost_orphans()
        self.dispatcher.claim_once()

    def periodic_tasks(self):
        """(interval seconds, callable) pairs run by the service; the
        once-per-cloud ones run on the leader only."""
        tasks = [
            (
                CONF.conductor.inventory_sync_interval,
                self.once_per_cloud(inventory.sync, 'sync_inventory'),
            ),
            (
                CONF.jobboard.claim_expiry,
                self.once_per_cloud(
                    self.dispatcher.repost_orphans, 'repost_orphans'
                ),
            ),
            (
                CONF.budget.recheck_interval,
                self.once_per_cloud(self.drive_plans, 'drive_plans'),
            ),
        ]
        if CONF.facts.interval and CONF.drivers.facts:
            tasks.append(
                (
                    CONF.facts.interval,
                    self.once_per_cloud(
                        self.gather_all_facts, 'gather_all_facts'
                    ),
                )
            )
        if CONF.auditing.interval:
            tasks.append(
                (
                    CONF.auditing.interval,
                    self.once_per_cloud(self.audit_all, 'audit_all'),
                )
            )
        return tasks
