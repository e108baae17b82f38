from oslo_policy import policy

from fleet.policies import base

PREFIX = 'fleet:host:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get_all',
        check_str='rule:observer_api',
        description='List hosts.',
        operations=[{'path': '/v1/hosts', 'method': 'GET'}],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'get_all', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str='rule:observer_api',
        description='Show a host.',
        operations=[{'path': '/v1/hosts/{host_ident}', 'method': 'GET'}],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'get', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str='rule:admin_api',
        description='Register a host that no inventory driver reports.',
        operations=[{'path': '/v1/hosts', 'method': 'POST'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'update',
        check_str='rule:admin_api',
        description='Change a host (labels, variables, state).',
        operations=[{'path': '/v1/hosts/{host_ident}', 'method': 'PATCH'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'delete',
        check_str='rule:admin_api',
        description='Delete a host.',
        operations=[{'path': '/v1/hosts/{host_ident}', 'method': 'DELETE'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'release',
        check_str='rule:admin_api',
        description='Force a host free (API 1.5): end its active run as '
        'cancelled and hand the host to a human, its nova-compute '
        'disabled.',
        operations=[
            {'path': '/v1/hosts/{host_ident}/release', 'method': 'POST'}
        ],
    ),
]


def list_rules():
    return rules
