"""JSON schemas of execution (maintenance run) request bodies.

A run (API 1.4)::

    {"host": "compute-7", "kind": "drain_patch_reboot",
     "action": "dnf-update", "action_parameters": {"exclude": "kernel*"},
     "max_parallel": 4,
     "on_instance_failure": {"retries": 2, "then": "skip"},
     "state_policies": {"suspended": "leave", "error": "abort"},
     "target_host": null, "reenable": true,
     "expected_facts": {"kernel": "6.8.0-45"}}
"""

from fleet.api.schemas import common

KINDS = ('drain', 'drain_patch_reboot')
THEN = ('abort', 'skip', 'cold_migrate')
#: Instance states with a policy, and the policies each accepts.
STATE_POLICIES = {
    'suspended': ('skip', 'leave', 'abort'),
    'rescued': ('skip', 'leave', 'abort'),
    'shelved': ('offload', 'skip', 'leave', 'abort'),
    'error': ('skip', 'leave', 'abort'),
}

_NAME = common.NAME
#: Fields of API 1.4.
ACTION_FIELDS = ('action', 'action_parameters')

CREATE = {
    'type': 'object',
    'properties': {
        'host': _NAME,
        'kind': {'type': 'string', 'enum': list(KINDS)},
        'executor': _NAME,
        # Never accepted with content: fleet.common.executions refuses it
        # with a message on how to add a catalogued action instead.
        'executor_args': {'type': 'object'},
        # API 1.4: a catalogued action and its parameters.
        'action': {
            'type': 'string',
            'minLength': 1,
            'maxLength': 63,
        },
        'action_parameters': {'type': 'object'},
        'executor_timeout': {
            'type': 'integer',
            'minimum': 1,
            'maximum': 604800,
        },
        'max_parallel': {'type': 'integer', 'minimum': 1, 'maximum': 1000},
        'on_instance_failure': {
            'type': 'object',
            'properties': {
                'retries': {'type': 'integer', 'minimum': 0, 'maximum': 10},
                'then': {'type': 'string', 'enum': list(THEN)},
            },
            'additionalProperties': False,
        },
        'state_policies': {
            'type': 'object',
            'properties': {
                state: {'type': 'string', 'enum': list(choices)}
                for state, choices in STATE_POLICIES.items()
            },
            'additionalProperties': False,
        },
        'target_host': {'type': ['string', 'null'], 'maxLength': 255},
        'capacity_scope': {
            'type': 'string',
            'enum': ['availability_zone', 'aggregate'],
        },
        'reenable': {'type': 'boolean'},
        'expected_facts': {'type': 'object'},
        # Audit rules that must pass when the host is re-audited after
        # its patch, or the run fails (API 1.6).
        'reaudit': {
            'type': 'object',
            'properties': {
                'profile': _NAME,
                'rules': {'type': 'array', 'items': _NAME, 'minItems': 1},
            },
            'required': ['profile'],
            'additionalProperties': False,
        },
    },
    'required': ['host'],
    'additionalProperties': False,
}

REJECT = {
    'type': 'object',
    'properties': {'reason': {'type': 'string', 'maxLength': 1000}},
    'additionalProperties': False,
}
