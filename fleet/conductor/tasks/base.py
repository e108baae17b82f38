"""What every maintenance task shares: database, compute driver, history.

Tasks take only JSON-safe arguments from the flow store
(``execution_uuid``, ``host_name``, ``params``) and look their drivers up
when they run, so a persisted flow can be resumed by another process.

Usage::

    class DisableComputeService(base.MaintenanceTask):
        def execute(self, execution_uuid, host_name):
            self.check_cancel(execution_uuid)
            self.event(execution_uuid, 'Disabling nova-compute.')
"""

import functools
import threading
import time

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils
from taskflow import task
from taskflow.types import failure as tf_failure

from fleet.common import exception
from fleet.conductor import fencing
from fleet.db import api as db_api
from fleet.drivers import base as driver_base
from fleet.drivers import factory

CONF = cfg.CONF
LOG = log.getLogger(__name__)

#: Longest executor output kept in one history event.
MAX_OUTPUT = 65536


class ExecutionCancelled(exception.FleetException):
    """Raised by a task that sees the run's cancel request: the flow then
    reverts, which stops anything new from starting."""

    _msg_fmt = 'Run %(execution)s was cancelled.'


class MigrationFailed(exception.ComputeError):
    _msg_fmt = 'Migration of instance %(instance)s failed: %(reason)s'


class StepFailed(exception.FleetException):
    _msg_fmt = '%(step)s failed: %(reason)s'


def is_failure(result) -> bool:
    return isinstance(result, tf_failure.Failure)


def now_iso() -> str:
    return timeutils.utcnow().isoformat() + 'Z'


def sleep(seconds: float) -> None:
    """Wait between polls; a separate function so tests can replace it."""
    if seconds > 0:
        time.sleep(seconds)


#: Per engine worker thread: the run whose task it executes.
_acting = threading.local()


def _fenced(func):
    """``func`` (a task's execute or revert) runs only while this
    conductor owns the run's job: see :mod:`fleet.conductor.fencing`."""

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        execution_uuid = kwargs.get('execution_uuid')
        if execution_uuid is not None:
            fencing.check(execution_uuid)
        # The run this worker thread acts for: every compute driver call
        # is fenced too (see MaintenanceTask.compute), right before it.
        previous = getattr(_acting, 'execution_uuid', None)
        _acting.execution_uuid = execution_uuid
        try:
            return func(self, *args, **kwargs)
        finally:
            _acting.execution_uuid = previous

    wrapper.fenced = True
    return wrapper


class MaintenanceTask(task.Task):
    """Base of fleet's maintenance tasks (not a step by itself).

    Every subclass's ``execute`` and ``revert`` first check that this
    conductor still owns the run (fencing): a conductor whose claim lapsed
    raises :class:`fencing.ClaimLost` before any side effect.
    """

    #: Step name shown in progress and history; the class name by default.
    step = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ('execute', 'revert'):
            func = cls.__dict__.get(name)
            if func is not None and not getattr(func, 'fenced', False):
                setattr(cls, name, _fenced(func))

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name or self.__class__.__name__, **kwargs)

    @property
    def dbapi(self):
        return db_api.get_instance()

    @property
    def compute(self) -> driver_base.ComputeDriver:
        """The compute driver; fenced: looked up right before each call
        to it, so a conductor that lost its claim while this step ran
        (stalled between a check and a Nova call) makes no more calls."""
        execution_uuid = getattr(_acting, 'execution_uuid', None)
        if execution_uuid is not None:
            fencing.check(execution_uuid)
        return factory.get_compute()

    @property
    def step_name(self) -> str:
        return self.step or self.__class__.__name__

    def event(
        self,
        execution_uuid: str,
        message: str,
        level: str = 'info',
        details: dict | None = None,
    ) -> None:
        """Append to the run's history; a history write never fails a
        step (the step's own outcome matters more than its record)."""
        if not fencing.still_owned(execution_uuid):
            return
        log_level = {'error': 40, 'warning': 30}.get(level, 20)
        LOG.log(log_level, 'Run %s: %s', execution_uuid, message)
        try:
            self.dbapi.add_execution_event(
                execution_uuid,
                message,
                level=level,
                step=self.step_name,
                details=details,
            )
        except Exception:
            LOG.exception('Run %s: cannot record event.', execution_uuid)

    def check_cancel(self, execution_uuid: str) -> None:
        """:raises: ExecutionCancelled if the run was asked to stop."""
        execution = self.dbapi.get_execution(execution_uuid)
        if execution['cancel_requested']:
            raise ExecutionCancelled(execution=execution_uuid)

    def update_host_state(
        self,
        host_name: str,
        state: str,
        reason: str | None = None,
        keep: tuple = (),
        service: dict | None = None,
    ) -> None:
        """Set the fleet state of a host, unless it is in one of ``keep``
        (e.g. a host already handed to a human stays so). Best effort.

        :param service: the nova-compute service as the compute driver
            just returned it after changing it: recorded with the state,
            so that the inventory does not show the old status until the
            next sync or notification.
        """
        try:
            host = self.dbapi.get_host(host_name)
            if host['state'] in keep:
                return
            values = {'state': state, 'state_reason': reason}
            if service is not None:
                values.update(
                    nova_service_status=service['status'],
                    nova_disabled_reason=service['disabled_reason'],
                )
            self.dbapi.update_host(host['uuid'], values)
        except Exception:
            LOG.exception('Cannot set host %s to %s.', host_name, state)

    def progress(
        self, execution_uuid: str, section: str, key: str | None, **values
    ) -> None:
        """Merge ``values`` into the run's progress (best effort)."""
        if not fencing.still_owned(execution_uuid):
            return
        try:
            self.dbapi.update_execution_progress(
                execution_uuid, section, key, values
            )
        except Exception:
            LOG.exception('Run %s: cannot record progress.', execution_uuid)
