"""Policies of the executor action catalog (API 1.4).

The catalog is defined by the deployment in ``[executor] actions_dir``;
the API only shows it.
"""

from oslo_policy import policy

PREFIX = 'fleet:action:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get_all',
        check_str='rule:observer_api',
        description='List the executor actions runs and runbooks may name.',
        operations=[{'path': '/v1/actions', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str='rule:observer_api',
        description='Show an executor action and the JSON schema of its '
        'parameters.',
        operations=[{'path': '/v1/actions/{action_name}', 'method': 'GET'}],
    ),
]


def list_rules():
    return rules
