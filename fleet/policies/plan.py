from oslo_policy import policy

PREFIX = 'fleet:plan:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get_all',
        check_str='rule:observer_api',
        description='List rolling maintenance plans.',
        operations=[{'path': '/v1/plans', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str='rule:observer_api',
        description='Show a plan, its hosts and their progress.',
        operations=[{'path': '/v1/plans/{plan_uuid}', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str='rule:admin_api',
        description='Create a plan (or show its dry run: order and waves).',
        operations=[{'path': '/v1/plans', 'method': 'POST'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'update',
        check_str='rule:admin_api',
        description='Pause, resume or cancel a plan.',
        operations=[
            {'path': '/v1/plans/{plan_uuid}/pause', 'method': 'POST'},
            {'path': '/v1/plans/{plan_uuid}/resume', 'method': 'POST'},
            {'path': '/v1/plans/{plan_uuid}/cancel', 'method': 'POST'},
        ],
    ),
]


def list_rules():
    return rules
