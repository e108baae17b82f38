"""The one owner of a run's lifecycle and of its hold on its host.

Every change of a run's ``state`` goes through this module, and every
transition is checked against :data:`fleet.common.states.EXECUTION_MACHINE`
(a forbidden one raises InvalidState and writes nothing). A run that ends -
succeeded, failed, cancelled, rejected, failed to start, closed by a check
or by an admin's release of its host - ends through :func:`finish`, which
records the final state and releases the host **in the same database
transaction**: no run ends holding its host, no host is freed while its run
looks active.

Usage::

    params = executions.prepare_parameters({'kind': 'drain'})
    run = executions.create(dbapi, rpcapi, context, host, params,
                            requested_by={'user_id': 'u'})
    executions.mark_running(dbapi, run['uuid'])
    executions.finish(dbapi, run['uuid'], states.EV_FAIL, 'it broke')
"""

import threading

from oslo_config import cfg
from oslo_log import log
from oslo_utils import strutils
from oslo_utils import timeutils
from oslo_utils import uuidutils

from fleet.common import actions
from fleet.common import budget
from fleet.common import context as fleet_context
from fleet.common import exception
from fleet.common import states
from fleet.drivers import factory
from fleet.notifications import execution as exec_notifications

CONF = cfg.CONF
LOG = log.getLogger(__name__)

#: How a run admitted outside a request is handed to a conductor:
#: ``hook(uuid)``, set by the service that owns the process (the
#: conductor starts it itself, the API casts it). None: the conductor's
#: periodic re-check (``[budget] recheck_interval``) starts it.
_start_hook = None
#: Admission re-checks do not nest (a start that fails ends a run, whose
#: end would re-check again).
_admitting = threading.local()


def get_start_hook():
    """The hook :func:`set_start_hook` set, or None."""
    return _start_hook


def set_start_hook(hook):
    """Say how runs admitted when room frees are started (see above)."""
    global _start_hook
    _start_hook = hook


def refuse_ad_hoc(body):
    """Refuse executor arguments given by a request: what runs on a host
    comes from the operators' action catalog only.

    :raises: Invalid, with how to add an action.
    """
    if body.get('executor_args'):
        raise exception.Invalid(
            reason='"executor_args" is not accepted: a run cannot carry a '
            'command, a playbook or any other executor argument. '
            + actions.HOW_TO_ADD
        )


def resolve_action(body):
    """The catalogued action a run (or a runbook's remediation) names,
    and its checked parameter values.

    :returns: ``(Action, values)``, or ``(None, None)`` if it names none.
    :raises: Invalid (ad-hoc arguments, unknown action, bad values).
    """
    refuse_ad_hoc(body)
    name = body.get('action')
    if name is None:
        if body.get('action_parameters'):
            raise exception.Invalid(
                reason='"action_parameters" without "action": name the '
                'catalogued action they are for (GET /v1/actions).'
            )
        return None, None
    action = actions.get_catalog().get(name)
    values = action.validate(body.get('action_parameters'))
    executor = action.definition['executor']
    if body.get('executor') not in (None, executor):
        raise exception.Invalid(
            reason=f'action {name} runs with executor {executor}, not '
            f'{body["executor"]}: leave "executor" out.'
        )
    return action, values


def prepare_parameters(body):
    """The run's parameters with every default filled in, so the run does
    not change if the defaults do while it is persisted.

    A patch step runs the catalogued action the body names (``action``,
    ``action_parameters``); the action's definition is recorded with the
    run, and that record is what its conductor runs.

    :raises: DriverNotEnabled, Invalid
    """
    action, values = resolve_action(body)
    kind = body.get('kind', 'drain_patch_reboot' if action else 'drain')
    if action and kind != 'drain_patch_reboot':
        raise exception.Invalid(
            reason=f'action {action.name} runs in the patch step of a '
            f'"drain_patch_reboot" run, not in a {kind!r} run.'
        )
    if action:
        executor = action.definition['executor']
    else:
        executor = body.get('executor') or CONF.drivers.default_executor
    if executor not in CONF.drivers.executor:
        raise exception.DriverNotEnabled(
            kind='Executor',
            name=executor,
            enabled=', '.join(CONF.drivers.executor),
        )
    max_parallel = body.get(
        'max_parallel', CONF.maintenance.default_max_parallel
    )
    if max_parallel > CONF.maintenance.max_parallel_limit:
        raise exception.Invalid(
            reason=f'max_parallel {max_parallel} is above the limit '
            f'{CONF.maintenance.max_parallel_limit} ([maintenance] '
            f'max_parallel_limit).'
        )
    policy = dict(body.get('on_instance_failure') or {})
    policy.setdefault('retries', CONF.maintenance.default_retries)
    policy.setdefault('then', 'abort')
    params = {
        'kind': kind,
        'executor': executor,
        'executor_args': {},
        'action': action.name if action else None,
        'action_parameters': values,
        'action_definition': action.definition if action else None,
        'max_parallel': max_parallel,
        'on_instance_failure': policy,
        # What each instance state gets, fixed when the run is asked for.
        'state_policies': {
            state: (body.get('state_policies') or {}).get(state)
            or getattr(CONF.maintenance, f'{state}_policy')
            for state in ('suspended', 'rescued', 'shelved', 'error')
        },
        'target_host': body.get('target_host'),
        'reenable': body.get('reenable', True),
        'expected_facts': body.get('expected_facts') or {},
        # The audit rules whose pass judges the run (ReauditHost).
        'reaudit': body.get('reaudit') or {},
    }
    if 'executor_timeout' in body:
        params['executor_timeout'] = body['executor_timeout']
    elif action and action.definition.get('timeout'):
        params['executor_timeout'] = action.definition['timeout']
    if 'capacity_scope' in body:
        # Where CheckCapacity looks for room: the host's availability zone
        # (default), or also only hosts in every aggregate of the host.
        params['capacity_scope'] = body['capacity_scope']
    if kind == 'drain_patch_reboot' and not action:
        try:
            factory.get_executor(executor).validate_arguments({})
        except exception.Invalid as e:
            raise exception.Invalid(
                reason=f'executor {executor} needs an action to run '
                f'({e}). ' + actions.HOW_TO_ADD
            ) from e
    return params


def create(
    dbapi,
    rpcapi,
    context,
    host,
    params,
    requested_by,
    awaiting_approval=False,
    message=None,
    plan_uuid=None,
):
    """Record a run on ``host``, hold the host, and (unless it awaits
    approval) pass it through the admission point: admitted at once if
    every disruption budget has room (then cast to a conductor), else
    left ``waiting`` with its reason until room frees.

    :param host: the host (dict); must be a compute.
    :param params: from :func:`prepare_parameters`.
    :param requested_by: who or what asked (user, runbook, alert).
    :param awaiting_approval: record it ``awaiting approval``: it holds
        the host but starts only once approved.
    :param plan_uuid: the plan it is part of (its per-plan budget).
    :returns: the execution (dict).
    :raises: Invalid (not a compute), HostBusy (another run holds it).
    """
    if host['kind'] != 'compute':
        raise exception.Invalid(
            reason=f'host {host["name"]} is a {host["kind"]}; only '
            f'compute hosts can be drained.'
        )
    uuid = uuidutils.generate_uuid()
    # Hold the host first: of two requests racing for it exactly one
    # gets past this line, the other gets 409.
    dbapi.reserve_host(host['uuid'], uuid)
    state = (
        states.EXEC_AWAITING_APPROVAL
        if awaiting_approval
        else states.EXEC_WAITING
    )
    try:
        execution = dbapi.create_execution(
            {
                'uuid': uuid,
                'kind': params['kind'],
                'state': state,
                'host_uuid': host['uuid'],
                'parameters': params,
                'requested_by': requested_by,
                'plan_uuid': plan_uuid,
            }
        )
    except Exception:
        dbapi.release_host(host['uuid'], uuid)
        raise
    dbapi.add_execution_event(
        uuid,
        message
        or f'Run requested by {requested_by.get("user_id")} on host '
        f'{host["name"]}.',
        details={'parameters': strutils.mask_dict_password(params)},
    )
    if not awaiting_approval:
        execution = admit(
            dbapi,
            uuid,
            start=lambda u: _cast_start(dbapi, rpcapi, context, u),
        )
    LOG.info(
        'Execution %s (%s) of host %s created (%s) by %s.',
        uuid,
        params['kind'],
        host['name'],
        state,
        requested_by,
    )
    return execution


def approve(dbapi, rpcapi, context, uuid):
    """Move a run ``awaiting approval`` to ``waiting``, then through the
    admission point (cast at once if admitted).

    :raises: ExecutionNotFound, InvalidState
    """
    _transition(dbapi, uuid, states.EV_APPROVE)
    dbapi.add_execution_event(uuid, f'Run approved by {context.user_id}.')
    return admit(
        dbapi, uuid, start=lambda u: _cast_start(dbapi, rpcapi, context, u)
    )


def _budget_check(run, hosts, admitted, instances, reader=None):
    return budget.check(
        run,
        hosts,
        admitted,
        instances,
        budget.limits_for(run['parameters']),
        reader,
    )


def admit(dbapi, uuid, start=None):
    """The one admission point: admit a ``waiting`` run if every
    disruption budget (:mod:`fleet.common.budget`) has room, checked and
    recorded atomically; else record why it waits.

    :param start: ``start(uuid)`` hands an admitted run to a conductor.
    :returns: the run as now stored (``pending``, or ``waiting`` with its
        ``waiting_reason``; unchanged if it was not waiting).
    :raises: ExecutionNotFound
    """
    before = dbapi.get_execution(uuid)
    if before['state'] != states.EXEC_WAITING:
        return before
    target = states.next_state(states.EXEC_WAITING, states.EV_ADMIT, uuid)
    run, admitted = dbapi.admit_execution(uuid, target, _budget_check)
    if admitted:
        dbapi.add_execution_event(
            uuid, 'Admitted: every disruption budget has room.'
        )
        LOG.info('Run %s admitted.', uuid)
        if start is not None and not start(uuid):
            run = dbapi.get_execution(uuid)  # failed, with the reason
    elif run['waiting_reason'] and (
        run['waiting_reason'] != before['waiting_reason']
    ):
        dbapi.add_execution_event(
            uuid, f'Waiting: {run["waiting_reason"]}.', level='warning'
        )
        LOG.info('Run %s waits: %s', uuid, run['waiting_reason'])
    return run


def admit_waiting(dbapi, start=None):
    """Re-check every waiting run, oldest first (on every run's end and
    periodically): a run that fits is admitted even if an older one
    still does not.

    :param start: as for :func:`admit`; default: the process' hook.
    :returns: the uuids of the runs admitted.
    """
    if getattr(_admitting, 'active', False):
        return []
    start = start or _start_hook
    _admitting.active = True
    admitted = []
    try:
        for run in dbapi.list_executions(
            filters={'state': states.EXEC_WAITING}
        ):
            try:
                if admit(dbapi, run['uuid'], start)['state'] != (
                    states.EXEC_WAITING
                ):
                    admitted.append(run['uuid'])
            except exception.ExecutionNotFound:
                continue
    finally:
        _admitting.active = False
    return admitted


def reject(dbapi, context, uuid, reason=None):
    """Close a run ``awaiting approval`` as ``rejected``; frees its host.

    :raises: ExecutionNotFound, InvalidState
    """
    result = f'rejected by {context.user_id}' + (
        f': {reason}' if reason else ''
    )
    return finish(dbapi, uuid, states.EV_REJECT, result, level='warning')


def _cast_start(dbapi, rpcapi, context, uuid):
    """Hand a pending run to a conductor; a run that cannot be handed
    over fails at once (and frees its host) instead of staying pending.

    :returns: True if handed over.
    """
    try:
        rpcapi.start_execution(context, uuid)
        return True
    except Exception as e:
        LOG.exception('Run %s: cannot reach a conductor.', uuid)
        finish(
            dbapi,
            uuid,
            states.EV_FAIL,
            f'could not be handed to a conductor: {e}',
        )
        return False


def _transition(dbapi, uuid, event, values=None, execution=None):
    """A non-final transition: checked by the machine, written only if
    the run is still in the state the check saw.

    :returns: the run as now stored.
    :raises: ExecutionNotFound, InvalidState
    """
    execution = execution or dbapi.get_execution(uuid)
    target = states.next_state(execution['state'], event, uuid)
    return dbapi.update_execution(
        uuid,
        dict(values or {}, state=target),
        expected_states=(execution['state'],),
    )


def mark_running(dbapi, uuid, step=None):
    """A conductor's flow begins (or resumes): ``pending`` -> ``running``;
    a run cancelled before it began stays ``cancelling``.

    :raises: ExecutionNotFound, InvalidState (the run has ended)
    """
    execution = dbapi.get_execution(uuid)
    values = {'current_step': step}
    if execution['started_at'] is None:
        values['started_at'] = timeutils.utcnow()
    if execution['cancel_requested'] and (
        execution['state'] == states.EXEC_PENDING
    ):
        # Cancelled while pending: the flow's first cancel check closes
        # it; meanwhile it shows it is stopping, not running.
        values['state'] = states.EXEC_CANCELLING
        return dbapi.update_execution(
            uuid, values, expected_states=(states.EXEC_PENDING,)
        )
    return _transition(dbapi, uuid, states.EV_START, values, execution)


#: Final event -> (level of its history line).
_LEVELS = {
    states.EV_SUCCEED: 'info',
    states.EV_FAIL: 'error',
    states.EV_CANCEL: 'warning',
    states.EV_REJECT: 'warning',
}


def notify(event_type, execution):
    """Emit execution.start or execution.end for ``execution`` (a row);
    a notification that cannot be sent never fails the run."""
    try:
        exec_notifications.emit(
            fleet_context.get_admin_context(), event_type, execution
        )
    except Exception:
        LOG.exception(
            'Run %s: cannot notify %s.', execution.get('uuid'), event_type
        )


def finish(
    dbapi,
    uuid,
    event,
    reason,
    level=None,
    host_values=None,
    history=None,
    values=None,
    note='',
    step=None,
):
    """End a run: its final state, its result, the release of its host
    (and any ``host_values``) and a history line, in one transaction;
    then ``execution.end``, whichever path ended it (its flow, a cancel
    before it began, a rejection, a forced release).

    :param event: EV_SUCCEED, EV_FAIL, EV_CANCEL or EV_REJECT.
    :param reason: the run's ``result`` (why it ended).
    :param host_values: e.g. hand the host to a human as the run ends.
    :param history: who and why, for the host's history.
    :param values: more columns of the run (e.g. ``cancel_requested``).
    :param note: appended to the history line (e.g. the host's state).
    :param step: the flow step that ends it, for the history line.
    :returns: the run as now stored.
    :raises: ExecutionNotFound; InvalidState if the machine forbids it
        (e.g. the run has already ended).
    """
    for _attempt in range(3):
        execution = dbapi.get_execution(uuid)
        target = states.next_state(execution['state'], event, uuid)
        row = dict(
            values or {},
            state=target,
            result=reason,
            current_step=None,
            finished_at=timeutils.utcnow(),
        )
        try:
            ended = dbapi.finish_execution(
                uuid,
                row,
                expected_states=(execution['state'],),
                event={
                    'message': f'Run {target}: {reason}.{note}',
                    'level': level or _LEVELS.get(event, 'info'),
                    'step': step,
                },
                host_values=host_values,
                history=history,
            )
        except exception.InvalidState:
            # The run moved meanwhile (e.g. running -> cancelling):
            # decide again from its new state.
            continue
        LOG.info('Run %s %s: %s', uuid, target, reason)
        notify(exec_notifications.END, ended)
        if execution['state'] in states.EXEC_ADMITTED_STATES:
            # Its host is back in the budgets: a waiting run may fit.
            try:
                admit_waiting(dbapi)
            except Exception:
                LOG.exception('Cannot re-check the waiting runs.')
        return ended
    raise exception.InvalidState(
        resource='Execution',
        id=uuid,
        state=dbapi.get_execution(uuid)['state'],
        reason=f'it kept changing; "{event}" not applied',
    )


def request_cancel(dbapi, rpcapi, context, uuid):
    """Ask a run to stop.

    A run no conductor has taken yet (``pending``, no conductor) is closed
    ``cancelled`` at once; any other active run gets its cancel flag (its
    flow checks it before each new action) and a conductor is told, so
    that a pending run whose conductor is not running it is closed too.

    :returns: the run as now stored.
    :raises: ExecutionNotFound, InvalidState (the run is not active)
    """
    who = context.user_id
    execution = dbapi.get_execution(uuid)
    if (
        execution['state'] in (states.EXEC_PENDING, states.EXEC_WAITING)
        and execution['conductor'] is None
    ):
        try:
            return finish(
                dbapi,
                uuid,
                states.EV_CANCEL,
                f'cancelled by {who} before a conductor took it',
                values={'cancel_requested': True},
            )
        except exception.InvalidState:
            execution = dbapi.get_execution(uuid)
    values = {'cancel_requested': True}
    if execution['state'] == states.EXEC_RUNNING:
        values['state'] = states.next_state(
            execution['state'], states.EV_REQUEST_CANCEL, uuid
        )
    execution = dbapi.update_execution(
        uuid,
        values,
        expected_states=(
            states.EXEC_PENDING,
            states.EXEC_RUNNING,
            states.EXEC_CANCELLING,
        ),
    )
    dbapi.add_execution_event(
        uuid,
        f'Cancel requested by {who}: nothing new starts; '
        f'migrations in flight finish.',
        level='warning',
    )
    try:
        rpcapi.cancel_execution(context, uuid)
    except Exception:
        # The flag is recorded: a conductor that runs or resumes the run
        # sees it.
        LOG.exception('Run %s: cannot tell a conductor of its cancel.', uuid)
    return execution


def close_if_idle(dbapi, uuid, reason):
    """Close a pending run that was asked to stop before any of its flow
    ran (a run whose flow began is closed by its flow's revert, which
    undoes what it did).

    :returns: the run if it was closed, else None.
    """
    execution = dbapi.get_execution(uuid)
    if (
        not execution['cancel_requested']
        or execution['state'] != states.EXEC_PENDING
    ):
        return None
    try:
        return finish(dbapi, uuid, states.EV_CANCEL, reason)
    except exception.InvalidState:
        return None


def release_host(dbapi, host, reason, history):
    """An admin forces ``host`` free: its active run (if any) ends
    ``cancelled`` with the reason, and the host is handed to a human
    (``unmanaged``), in one transaction. Its nova-compute is left to a
    conductor to disable (see ConductorManager.release_host): fleet never
    returns a released host to the pool by itself.

    :param history: who and why (``actor``, ``reason``, ``request_id``).
    :returns: (host, the run ended or None)
    """
    actor = history.get('actor') or 'an admin'
    state_reason = f'released by {actor}: {reason}'
    host_values = {
        'state': states.HOST_UNMANAGED,
        'state_reason': state_reason,
    }
    uuid = host['execution_uuid']
    if uuid:
        try:
            ended = finish(
                dbapi,
                uuid,
                states.EV_CANCEL,
                f'host {host["name"]} force-released by {actor}: {reason}',
                host_values=host_values,
                history=history,
                values={'cancel_requested': True},
                note=' Host handed to a human; nova-compute stays disabled.',
            )
            return dbapi.get_host(host['uuid']), ended
        except (exception.InvalidState, exception.ExecutionNotFound):
            # The run had ended without freeing the host, or was never
            # recorded (an API process died between holding the host and
            # recording the run): an orphaned hold, cleared below. A new
            # run cannot have taken the host meanwhile: the hold was set.
            host_values['execution_uuid'] = None
    return dbapi.update_host(host['uuid'], host_values, history=history), None
