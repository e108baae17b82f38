from oslo_policy import policy

PREFIX = 'fleet:alert:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get_all',
        check_str='rule:reader_api',
        description='List alerts.',
        operations=[{'path': '/v1/alerts', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str='rule:reader_api',
        description='Show an alert with its history.',
        operations=[{'path': '/v1/alerts/{alert_uuid}', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str='rule:member_api',
        description='Post an alert (operators and monitoring tools).',
        operations=[{'path': '/v1/alerts', 'method': 'POST'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'acknowledge',
        check_str='rule:member_api',
        description='Acknowledge an alert: a human is on it.',
        operations=[
            {'path': '/v1/alerts/{alert_uuid}/acknowledge', 'method': 'POST'}
        ],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'silence',
        check_str='rule:member_api',
        description='Silence an alert for a while, with a reason; or end '
        'its silence.',
        operations=[
            {'path': '/v1/alerts/{alert_uuid}/silence', 'method': 'POST'},
            {'path': '/v1/alerts/{alert_uuid}/unsilence', 'method': 'POST'},
        ],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'webhook',
        check_str='rule:member_api',
        description='Post alerts in Alertmanager\'s webhook format with a '
        'Keystone token (when [alerts] webhook_token is unset; with it '
        'set, the bearer token authenticates and this rule is not used).',
        operations=[{'path': '/v1/webhooks/alertmanager', 'method': 'POST'}],
    ),
]


def list_rules():
    return rules
