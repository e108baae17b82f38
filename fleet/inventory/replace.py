"""Hardware replacement (FLT015): clone a failed host's metadata onto
the host that replaces it, and record it in both histories.

Cloned: kind, labels, variables, place (region, AZ, cell, rack), owner,
and facts.aggregates (the Nova aggregates the conductor then adds the
replacement to). The replacement is created (source ``api``) if fleet
does not know it yet. The old host is left ``maintenance`` (or
``retired`` on request) with a reason naming its replacement.

Usage::

    result = replace.replace_host(dbapi, 'cmp-7', 'cmp-7b', history)
    result['aggregates']  # for rpcapi.add_host_to_aggregates
"""

from fleet.common import exception
from fleet.common import states

CLONED = (
    'kind',
    'labels',
    'variables',
    'region',
    'availability_zone',
    'cell',
    'rack',
    'owner',
)


def replace_host(dbapi, ident, replacement, history, retire=False):
    """Clone ``ident`` onto ``replacement``.

    :returns: ``{'old', 'new', 'cloned', 'aggregates'}``.
    :raises: HostNotFound, HostBusy, Invalid (replacing a host by itself).
    """
    old = dbapi.get_host(ident)
    if old['execution_uuid']:
        raise exception.HostBusy(
            host=old['name'], execution=old['execution_uuid']
        )
    if replacement in (old['name'], old['uuid']):
        raise exception.Invalid(reason='a host cannot replace itself.')
    values = {k: old[k] for k in CLONED if old.get(k) not in (None, {}, '')}
    aggregates = list((old.get('facts') or {}).get('aggregates') or [])
    reason = history.get('reason') or f'replaces {old["name"]}'
    why = dict(history, reason=reason)
    try:
        new = dbapi.get_host(replacement)
    except exception.HostNotFound:
        new = dbapi.create_host(
            dict(
                values,
                name=replacement,
                source='api',
                state=states.HOST_ACTIVE,
            ),
            history=why,
        )
    else:
        merged = dict(values)
        for key in ('labels', 'variables'):
            if key in merged:
                merged[key] = dict(new[key], **merged[key])
        new = dbapi.update_host(new['uuid'], merged, history=why)
    dbapi.add_host_history(
        new['uuid'],
        'replace',
        {'replaces': {'old': None, 'new': old['name']}},
        history=why,
    )
    old = dbapi.update_host(
        old['uuid'],
        {
            'state': states.HOST_RETIRED
            if retire
            else states.HOST_MAINTENANCE,
            'state_reason': f'replaced by {new["name"]}',
        },
        history=dict(history, reason=f'replaced by {new["name"]}'),
    )
    return {
        'old': old,
        'new': new,
        'cloned': sorted(values),
        'aggregates': aggregates,
    }
