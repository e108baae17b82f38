"""oslo.policy enforcement for the API.

Usage::

    policy.authorize('fleet:host:get', target, context)
"""

from oslo_config import cfg
from oslo_log import log
from oslo_policy import policy

from fleet import policies
from fleet.common import exception

LOG = log.getLogger(__name__)
_ENFORCER = None


def get_enforcer():
    global _ENFORCER
    if _ENFORCER is None:
        _ENFORCER = policy.Enforcer(cfg.CONF)
        _ENFORCER.register_defaults(policies.list_rules())
    return _ENFORCER


def reset():
    global _ENFORCER
    if _ENFORCER is not None:
        _ENFORCER.clear()
    _ENFORCER = None


def get_oslo_policy_enforcer():
    """Entry point for oslo-policy-generator and oslopolicy-checker."""
    cfg.CONF([], project='fleet')
    return get_enforcer()


def authorize(rule, target, context):
    """Raise HTTPForbidden unless ``context`` may do ``rule`` on ``target``.

    :raises: HTTPForbidden
    """
    credentials = context.to_policy_values()
    try:
        return get_enforcer().authorize(
            rule,
            target,
            credentials,
            do_raise=True,
            exc=exception.HTTPForbidden,
            resource=rule,
        )
    except policy.InvalidScope as e:
        raise exception.HTTPForbidden(resource=rule) from e
