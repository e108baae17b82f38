from oslo_policy import policy

from fleet.policies import base

PREFIX = 'fleet:alert:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get_all',
        check_str='rule:observer_api',
        description='List alerts.',
        operations=[{'path': '/v1/alerts', 'method': 'GET'}],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'get_all', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str='rule:observer_api',
        description='Show an alert with its history.',
        operations=[{'path': '/v1/alerts/{alert_uuid}', 'method': 'GET'}],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'get', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str='rule:admin_api',
        description='Post an alert. Alertmanager posts to '
        '/v1/webhooks/alertmanager with its own bearer token instead '
        '([alerts] webhook_token): no policy applies there.',
        operations=[{'path': '/v1/alerts', 'method': 'POST'}],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'create', base.OLD_MEMBER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'acknowledge',
        check_str='rule:admin_api',
        description='Acknowledge an alert: a human is on it.',
        operations=[
            {'path': '/v1/alerts/{alert_uuid}/acknowledge', 'method': 'POST'}
        ],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'acknowledge', base.OLD_MEMBER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'silence',
        check_str='rule:admin_api',
        description='Silence an alert for a while, with a reason; or end '
        'its silence.',
        operations=[
            {'path': '/v1/alerts/{alert_uuid}/silence', 'method': 'POST'},
            {'path': '/v1/alerts/{alert_uuid}/unsilence', 'method': 'POST'},
        ],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'silence', base.OLD_MEMBER
        ),
    ),
]


def list_rules():
    return rules
