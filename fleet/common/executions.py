"""Creating runs: the one path behind ``POST /v1/executions`` and the
runs that runbooks start.

Usage::

    params = executions.prepare_parameters({'kind': 'drain'})
    run = executions.create(dbapi, rpcapi, context, host, params,
                            requested_by={'user_id': 'u'})
"""

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils
from oslo_utils import uuidutils

from fleet.common import exception
from fleet.common import states
from fleet.drivers import factory

CONF = cfg.CONF
LOG = log.getLogger(__name__)


def prepare_parameters(body):
    """The run's parameters with every default filled in, so the run does
    not change if the defaults do while it is persisted.

    :raises: DriverNotEnabled, Invalid
    """
    kind = body.get('kind', 'drain')
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
        'executor_args': body.get('executor_args') or {},
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
    }
    if 'executor_timeout' in body:
        params['executor_timeout'] = body['executor_timeout']
    if kind == 'drain_patch_reboot':
        factory.get_executor(executor).validate_arguments(
            params['executor_args']
        )
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
        details={'parameters': params},
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
