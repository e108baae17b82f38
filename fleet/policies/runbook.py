from oslo_policy import policy

PREFIX = 'fleet:runbook:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get_all',
        check_str='rule:reader_api',
        description='List runbooks, or export them as a catalog.',
        operations=[
            {'path': '/v1/runbooks', 'method': 'GET'},
            {'path': '/v1/runbooks/export', 'method': 'GET'},
        ],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str='rule:reader_api',
        description='Show a runbook and its latest actions.',
        operations=[{'path': '/v1/runbooks/{runbook_ident}', 'method': 'GET'}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'dry_run',
        check_str='rule:reader_api',
        description='Show what a runbook would do now, without doing it.',
        operations=[
            {
                'path': '/v1/runbooks/{runbook_ident}/dry_run',
                'method': 'POST',
            }
        ],
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
