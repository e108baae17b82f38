"""Policies of host facts, audit profiles, audits and findings (API 1.6).

As everywhere in fleet: ``admin`` writes and runs, the read-only operator
persona (``fleet_observer``) reads, anyone else gets 403.
"""

from oslo_policy import policy

rules = [
    policy.DocumentedRuleDefault(
        name='fleet:host:facts',
        check_str='rule:observer_api',
        description='Show the facts last gathered of a host, with when '
        'and by which drivers.',
        operations=[{'path': '/v1/hosts/{host_ident}/facts', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:host:gather_facts',
        check_str='rule:admin_api',
        description='Gather the facts of a host now (the drivers reach '
        'the host), then audit it.',
        operations=[
            {'path': '/v1/hosts/{host_ident}/facts', 'method': 'POST'}
        ],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:audit_profile:get_all',
        check_str='rule:observer_api',
        description='List audit profiles, or export them as a catalog.',
        operations=[
            {'path': '/v1/audit_profiles', 'method': 'GET'},
            {'path': '/v1/audit_profiles/export', 'method': 'GET'},
        ],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:audit_profile:get',
        check_str='rule:observer_api',
        description='Show an audit profile, or its compliance summary.',
        operations=[
            {'path': '/v1/audit_profiles/{profile_ident}', 'method': 'GET'},
            {
                'path': '/v1/audit_profiles/{profile_ident}/compliance',
                'method': 'GET',
            },
        ],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:audit_profile:create',
        check_str='rule:admin_api',
        description='Create an audit profile, or import a catalog.',
        operations=[
            {'path': '/v1/audit_profiles', 'method': 'POST'},
            {'path': '/v1/audit_profiles/import', 'method': 'POST'},
        ],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:audit_profile:update',
        check_str='rule:admin_api',
        description='Replace an audit profile.',
        operations=[
            {'path': '/v1/audit_profiles/{profile_ident}', 'method': 'PUT'}
        ],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:audit_profile:delete',
        check_str='rule:admin_api',
        description='Delete an audit profile and its findings.',
        operations=[
            {
                'path': '/v1/audit_profiles/{profile_ident}',
                'method': 'DELETE',
            }
        ],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:audit:run',
        check_str='rule:admin_api',
        description='Audit hosts now (and gather their facts first, if '
        'asked); a failing rule raises an alert runbooks may act on.',
        operations=[{'path': '/v1/audits', 'method': 'POST'}],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:finding:get_all',
        check_str='rule:observer_api',
        description='List audit findings.',
        operations=[{'path': '/v1/findings', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:finding:get',
        check_str='rule:observer_api',
        description='Show an audit finding and its history.',
        operations=[{'path': '/v1/findings/{finding_uuid}', 'method': 'GET'}],
    ),
]


def list_rules():
    return rules
