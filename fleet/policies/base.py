"""Personas shared by every resource's rules.

fleet acts on hypervisors and on every tenant's instances, so its API is
an infrastructure API like nova's ``os-services`` and ``os-hypervisors``
or ironic's nodes: by default

* ``admin`` (the ``admin`` role, in any project) does everything;
* an **observer** (the ``fleet_observer`` role) reads everything and
  changes nothing: the on-call operator, a dashboard, an auditor;
* anyone else, ``member`` or ``reader`` of an ordinary project included,
  gets 403 on every endpoint but the public version documents.

A deployment that prefers "reader of the operators' project" to a
dedicated role overrides one rule in ``policy.yaml``::

    "observer_api": "role:admin or role:fleet_observer or
                     (role:reader and project_id:<operators' project id>)"
"""

from oslo_policy import policy

ADMIN = 'role:admin'
OBSERVER_ROLE = 'fleet_observer'
OBSERVER = f'role:admin or role:{OBSERVER_ROLE}'

#: The defaults before fleet 0.2 (API 1.3): any ``member`` could start
#: runs and post alerts, any ``reader`` could read. Kept as deprecated
#: rules so that a deployment overriding the old names is told.
_DEPRECATED_REASON = (
    'fleet acts on hypervisors and on every tenant\'s instances: like '
    'nova\'s os-services, its API is for the cloud\'s operators only. '
    'A member or reader of an ordinary project no longer passes; the '
    'read-only operator persona is the "fleet_observer" role.'
)
DEPRECATED_SINCE = '2026.1'
OLD_MEMBER = 'role:member or role:admin'
OLD_READER = 'role:reader or role:member or role:admin'
DEPRECATED_MEMBER = policy.DeprecatedRule(
    name='member_api',
    check_str=OLD_MEMBER,
    deprecated_reason=_DEPRECATED_REASON,
    deprecated_since=DEPRECATED_SINCE,
)
DEPRECATED_READER = policy.DeprecatedRule(
    name='reader_api',
    check_str=OLD_READER,
    deprecated_reason=_DEPRECATED_REASON,
    deprecated_since=DEPRECATED_SINCE,
)


def deprecated_default(name, old_check_str):
    """The :class:`DeprecatedRule` of an operation rule whose default
    changed (same name, stricter default).

    :param old_check_str: the default before the change.
    """
    return policy.DeprecatedRule(
        name=name,
        check_str=old_check_str,
        deprecated_reason=_DEPRECATED_REASON,
        deprecated_since=DEPRECATED_SINCE,
    )


rules = [
    policy.RuleDefault(
        'admin_api',
        ADMIN,
        description='Administrators of the fleet: they act on it.',
    ),
    policy.RuleDefault(
        'observer_api',
        OBSERVER,
        description='Read-only operators of the fleet (the '
        '"fleet_observer" role) and administrators. Replaces '
        '"reader_api", which let a reader of any project in.',
        deprecated_rule=DEPRECATED_READER,
    ),
]


def list_rules():
    return rules
