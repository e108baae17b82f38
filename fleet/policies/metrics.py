from oslo_policy import policy

rules = [
    policy.DocumentedRuleDefault(
        name='fleet:metrics:get',
        check_str='rule:observer_api',
        description='Read fleet\'s own metrics (Prometheus text format) '
        'with a Keystone token. A scraper presenting [metrics] '
        'scrape_token as a bearer token is not subject to policy.',
        operations=[{'path': '/metrics', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:host:metrics',
        check_str='rule:observer_api',
        description='Show the latest metric values of a host (API 1.7).',
        operations=[
            {'path': '/v1/hosts/{host_ident}/metrics', 'method': 'GET'}
        ],
    ),
]


def list_rules():
    return rules
