"""Creating runs: the one path behind ``POST /v1/executions`` and the
runs that runbooks start.

Usage::

    params = executions.prepare_parameters({'kind': 'drain'})
    run = executions.create(dbapi, rpcapi, context, host, params,
                            requested_by={'user_id': 'u'})
"""

from oslo_config import cfg
from oslo_log import log
from oslo_utils import strutils
from oslo_utils import timeutils
from oslo_utils import uuidutils

from fleet.common import actions
from fleet.common import exception
from fleet.common import states
from fleet.drivers import factory

CONF = cfg.CONF
LOG = log.getLogger(__name__)


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
):
    """Record a run on ``host``, hold the host, and (unless it awaits
    approval) cast it to a conductor.

    :param host: the host (dict); must be a compute.
    :param params: from :func:`prepare_parameters`.
    :param requested_by: who or what asked (user, runbook, alert).
    :param awaiting_approval: record it ``awaiting approval``: it holds
        the host but starts only once approved.
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
        else states.EXEC_PENDING
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
        rpcapi.start_execution(context, uuid)
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
    """Move a run ``awaiting approval`` to ``pending`` and cast it.

    :raises: ExecutionNotFound, InvalidState
    """
    execution = dbapi.update_execution(
        uuid,
        {'state': states.EXEC_PENDING},
        expected_states=(states.EXEC_AWAITING_APPROVAL,),
    )
    dbapi.add_execution_event(uuid, f'Run approved by {context.user_id}.')
    rpcapi.start_execution(context, uuid)
    return execution


def reject(dbapi, context, uuid, reason=None):
    """Close a run ``awaiting approval`` as ``rejected``; frees its host.

    :raises: ExecutionNotFound, InvalidState
    """
    result = f'rejected by {context.user_id}' + (
        f': {reason}' if reason else ''
    )
    execution = dbapi.update_execution(
        uuid,
        {
            'state': states.EXEC_REJECTED,
            'result': result,
            'finished_at': timeutils.utcnow(),
        },
        expected_states=(states.EXEC_AWAITING_APPROVAL,),
    )
    if execution['host_uuid']:
        dbapi.release_host(execution['host_uuid'], uuid)
    dbapi.add_execution_event(uuid, f'Run {result}.', level='warning')
    return execution
