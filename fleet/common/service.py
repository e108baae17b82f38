"""Process start-up shared by every fleet command, and the conductor
service.

Usage (a console script)::

    service.prepare_service(sys.argv)
    launcher = oslo_service.service.launch(CONF, ConductorService())
    launcher.wait()
"""

import os
import sys
import threading

from oslo_config import cfg
from oslo_log import log
import oslo_messaging as messaging
from oslo_service import backend as service_backend
from oslo_service import service

from fleet import conf as fleet_conf  # noqa: F401 - registers options
from fleet import version
from fleet.alerts import monitoring
from fleet.common import coordination
from fleet.common import exception
from fleet.common import logmask
from fleet.common import metrics
from fleet.common import rpc
from fleet.conductor import manager
from fleet.conductor import notifications as inventory_notifications
from fleet.conductor import waiters
from fleet.drivers import factory

CONF = cfg.CONF
LOG = log.getLogger(__name__)


def prepare_service(argv=None, default_config_files=None):
    """Parse config and set up logging and the oslo.service backend.

    fleet runs without eventlet: oslo.service's threading backend, plain
    threads for parallel work.
    """
    service_backend.init_backend(service_backend.BackendType.THREADING)
    log.register_options(CONF)
    log.set_defaults(
        default_log_levels=log.get_default_log_levels()
        + ['stevedore=INFO', 'taskflow=WARNING', 'alembic=WARNING']
    )
    CONF(
        argv[1:] if argv else [],
        project='fleet',
        version=version.version_string(),
        default_config_files=default_config_files,
    )
    log.setup(CONF, 'fleet')
    logmask.install()
    check_required_options(argv[0] if argv else 'fleet')


def prepare_command(argv):
    """:func:`prepare_service` for a console script: a configuration
    that cannot work ends the command with its message (exit status 1),
    no traceback."""
    try:
        prepare_service(argv)
    except exception.ConfigInvalid as exc:
        sys.exit(str(exc))
    except cfg.Error as exc:
        # oslo.config's errors (a file that does not parse, or is not
        # there) are the operator's to fix, like fleet's own.
        sys.exit(f'Invalid configuration: {exc}')


def check_required_options(prog='fleet'):
    """Refuse to run without an option that has no safe default.

    ``[database] connection`` has none outside fleet-all-in-one (which
    sets an embedded default before parsing): each process falling back
    to a SQLite file in its own working directory would look like a
    working service while API and conductors see different data.

    :param prog: the command's name, for the message.
    :raises: :class:`fleet.common.exception.ConfigInvalid`
    """
    if not CONF.database.connection:
        read = ', '.join(CONF.config_file) or 'none'
        raise exception.ConfigInvalid(
            error=f'{os.path.basename(prog)}: [database] connection is not '
            f'set (config files read: {read}). Set it to the database that '
            '"fleet-dbsync upgrade" created, e.g. mysql+pymysql://fleet:'
            'SECRET@db.example.org/fleet?charset=utf8mb4, in the file '
            'given with --config-file. Only fleet-all-in-one has a '
            'default (SQLite in its working directory).'
        )


class _Periodic(threading.Thread):
    """Runs one callable every ``interval`` seconds until stopped."""

    def __init__(self, interval, func, stop_event):
        super().__init__(name=f'periodic-{func.__name__}', daemon=True)
        self.interval = interval
        self.func = func
        self.stop_event = stop_event

    def run(self):
        while not self.stop_event.wait(self.interval):
            try:
                self.func()
            except Exception:
                LOG.exception(
                    'Periodic task %s failed; it runs again in %s s.',
                    self.func.__name__,
                    self.interval,
                )


class ConductorService(service.ServiceBase):
    """fleet-conductor: RPC server, periodic tasks, flow engine."""

    def __init__(self, host=None):
        super().__init__()
        self.host = host or CONF.host
        self.manager = manager.ConductorManager(self.host)
        self.rpcserver = None
        self._stop = threading.Event()
        self._periodics = []
        #: Nova notifications -> inventory ([inventory] listen_notifications)
        self.inventory_listener = None
        #: Signals -> alerts -> runbooks ([drivers] monitoring)
        self.monitoring = None

    def start(self):
        rpc.init(CONF)
        factory.load_all()
        # [coordination] backend_url: join the live conductors and run for
        # leader (once-per-cloud periodic work); unset, a no-op.
        coordination.start(self.host)
        self.manager.init_host()
        target = messaging.Target(topic=CONF.conductor.topic, server=self.host)
        self.rpcserver = rpc.get_server(target, [self.manager])
        self.rpcserver.start()
        if CONF.inventory.listen_notifications:
            self.inventory_listener = inventory_notifications.start(
                inventory_notifications.get_listener()
            )
            # Waits on an instance wake on its notifications from now on.
            waiters.set_listening(True)
            LOG.info(
                'Inventory listening to Nova notifications on %s (pool %s).',
                CONF.inventory.notifications_topic,
                CONF.inventory.notifications_pool,
            )
        # Monitoring drivers poll the cloud (e.g. compute-down): on the
        # leader only, started and stopped as leadership moves.
        self._lead_monitoring()
        # [metrics] conductor_port: this process's counters (migrations,
        # notification lag); unset, nothing is served.
        metrics.start_server()
        periodics = self.manager.periodic_tasks() + [
            (CONF.jobboard.leader_check_interval, self._lead_monitoring)
        ]
        for interval, func in periodics:
            if interval > 0:
                thread = _Periodic(interval, func, self._stop)
                thread.start()
                self._periodics.append(thread)
        LOG.info(
            'fleet-conductor %s started on topic %s.',
            self.host,
            CONF.conductor.topic,
        )

    def _lead_monitoring(self):
        leader = self.manager.is_leader()
        if leader and self.monitoring is None:
            self.monitoring = monitoring.start()
        elif not leader and self.monitoring is not None:
            LOG.info('Not the leader any more: monitoring drivers stop.')
            drivers, self.monitoring = self.monitoring, None
            monitoring.stop(drivers)

    def stop(self, graceful=True):
        self._stop.set()
        monitoring.stop(self.monitoring)
        self.monitoring = None
        if self.inventory_listener is not None:
            waiters.set_listening(False)
            self.inventory_listener.stop()
            if graceful:
                self.inventory_listener.wait()
        if self.rpcserver is not None:
            self.rpcserver.stop()
            if graceful:
                self.rpcserver.wait()
        self.manager.del_host()
        # After the runs are suspended and their jobs abandoned.
        coordination.stop()
        LOG.info('fleet-conductor %s stopped.', self.host)

    def wait(self):
        self._stop.wait()

    def reset(self):
        pass
