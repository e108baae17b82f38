"""Personas shared by every resource's rules.

fleet is an operator's tool: ``admin`` acts on the fleet, ``member`` may
start and cancel runs, ``reader`` sees everything but changes nothing.
Keystone's implied roles (admin ⊃ member ⊃ reader) put every role a user
holds in the token, so each rule names the weakest role that suffices.
"""

from oslo_policy import policy

ADMIN = 'role:admin'
MEMBER = 'role:member or role:admin'
READER = 'role:reader or role:member or role:admin'

rules = [
    policy.RuleDefault(
        'admin_api', ADMIN, description='Administrators of the fleet.'
    ),
    policy.RuleDefault(
        'member_api', MEMBER, description='Operators who may start runs.'
    ),
    policy.RuleDefault(
        'reader_api', READER, description='Read-only observers.'
    ),
]


def list_rules():
    return rules
