"""Policies of the inventory resources (API 1.2): places, capacity, the
Ansible inventory, and a host's variables, history and replacement."""

from oslo_policy import policy

from fleet.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name='fleet:place:get_all',
        check_str='rule:observer_api',
        description='List places (regions, AZs, cells, racks).',
        operations=[{'path': '/v1/places', 'method': 'GET'}],
        deprecated_rule=base.deprecated_default(
            'fleet:place:get_all', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name='fleet:place:get',
        check_str='rule:observer_api',
        description='Show a place.',
        operations=[{'path': '/v1/places/{place_ident}', 'method': 'GET'}],
        deprecated_rule=base.deprecated_default(
            'fleet:place:get', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name='fleet:place:create',
        check_str='rule:admin_api',
        description='Create a place.',
        operations=[{'path': '/v1/places', 'method': 'POST'}],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:place:update',
        check_str='rule:admin_api',
        description='Change a place (labels, variables, description).',
        operations=[{'path': '/v1/places/{place_ident}', 'method': 'PATCH'}],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:place:delete',
        check_str='rule:admin_api',
        description='Delete a place.',
        operations=[{'path': '/v1/places/{place_ident}', 'method': 'DELETE'}],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:host:variables',
        check_str='rule:observer_api',
        description='Show a host\'s variables resolved through its places, '
        'where each comes from, and the raw values per level.',
        operations=[
            {'path': '/v1/hosts/{host_ident}/variables', 'method': 'GET'}
        ],
        deprecated_rule=base.deprecated_default(
            'fleet:host:variables', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name='fleet:host:history',
        check_str='rule:observer_api',
        description='Show the history of a host (who, when, what, why).',
        operations=[
            {'path': '/v1/hosts/{host_ident}/history', 'method': 'GET'}
        ],
        deprecated_rule=base.deprecated_default(
            'fleet:host:history', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name='fleet:host:replace',
        check_str='rule:admin_api',
        description='Replace failed hardware: clone a host\'s labels, '
        'variables, place and aggregates onto its replacement.',
        operations=[
            {'path': '/v1/hosts/{host_ident}/replace', 'method': 'POST'}
        ],
    ),
    policy.DocumentedRuleDefault(
        name='fleet:capacity:get',
        check_str='rule:observer_api',
        description='Show used and free capacity, and what remains without '
        'given hosts.',
        operations=[{'path': '/v1/capacity', 'method': 'GET'}],
        deprecated_rule=base.deprecated_default(
            'fleet:capacity:get', base.OLD_READER
        ),
    ),
    policy.DocumentedRuleDefault(
        name='fleet:inventory:ansible',
        check_str='rule:observer_api',
        description='The fleet as an Ansible dynamic inventory.',
        operations=[{'path': '/v1/inventory/ansible', 'method': 'GET'}],
        deprecated_rule=base.deprecated_default(
            'fleet:inventory:ansible', base.OLD_READER
        ),
    ),
]


def list_rules():
    return rules
