from oslo_policy import policy

from fleet.policies import base

PREFIX = 'fleet:execution:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get_all',
        check_str='rule:observer_api',
        description='List executions (maintenance and remediation runs).',
        operations=[{'path': '/v1/executions', 'method': 'GET'}],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'get_all', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str='rule:observer_api',
        description='Show an execution with its progress and history.',
        operations=[
            {'path': '/v1/executions/{execution_uuid}', 'method': 'GET'}
        ],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'get', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str='rule:admin_api',
        description='Start an execution.',
        operations=[{'path': '/v1/executions', 'method': 'POST'}],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'create', base.OLD_MEMBER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'cancel',
        check_str='rule:admin_api',
        description='Cancel an execution.',
        operations=[
            {
                'path': '/v1/executions/{execution_uuid}/cancel',
                'method': 'POST',
            }
        ],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'cancel', base.OLD_MEMBER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'approve',
        check_str='rule:admin_api',
        description='Approve an execution awaiting approval (API 1.3).',
        operations=[
            {
                'path': '/v1/executions/{execution_uuid}/approve',
                'method': 'POST',
            }
        ],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'reject',
        check_str='rule:admin_api',
        description='Reject an execution awaiting approval (API 1.3).',
        operations=[
            {
                'path': '/v1/executions/{execution_uuid}/reject',
                'method': 'POST',
            }
        ],
    ),
]


def list_rules():
    return rules
