from oslo_policy import policy

from fleet.policies import base

PREFIX = 'fleet:runbook:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get_all',
        check_str='rule:observer_api',
        description='List runbooks, or export them as a catalog.',
        operations=[
            {'path': '/v1/runbooks', 'method': 'GET'},
            {'path': '/v1/runbooks/export', 'method': 'GET'},
        ],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'get_all', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str='rule:observer_api',
        description='Show a runbook and its latest actions.',
        operations=[{'path': '/v1/runbooks/{runbook_ident}', 'method': 'GET'}],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'get', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'dry_run',
        check_str='rule:observer_api',
        description='Show what a runbook would do now, without doing it.',
        operations=[
            {
                'path': '/v1/runbooks/{runbook_ident}/dry_run',
                'method': 'POST',
            }
        ],
        deprecated_rule=base.deprecated_default(
            PREFIX % 'dry_run', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str='rule:admin_api',
        description='Create a runbook, or import a catalog of them.',
        operations=[
            {'path': '/v1/runbooks', 'method': 'POST'},
            {'path': '/v1/runbooks/import', 'method': 'POST'},
        ],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'update',
        check_str='rule:admin_api',
        description='Replace a runbook.',
        operations=[{'path': '/v1/runbooks/{runbook_ident}', 'method': 'PUT'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'delete',
        check_str='rule:admin_api',
        description='Delete a runbook.',
        operations=[
            {'path': '/v1/runbooks/{runbook_ident}', 'method': 'DELETE'}
        ],
    ),
]


def list_rules():
    return rules
