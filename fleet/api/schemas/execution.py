"""JSON schemas of execution (maintenance run) request bodies.

A run::

    {"host": "compute-7", "kind": "drain_patch_reboot",
     "executor": "ansible",
     "executor_args": {"playbook": "patch.yml", "extra_vars": {}},
     "max_parallel": 4,
     "on_instance_failure": {"retries": 2, "then": "skip"},
     "target_host": null, "reenable": true,
     "expected_facts": {"kernel": "6.8.0-45"}}
"""

from fleet.api.schemas import common

KINDS = ('drain', 'drain_patch_reboot')
THEN = ('abort', 'skip', 'cold_migrate')

_NAME = common.NAME

CREATE = {
    'type': 'object',
    'properties': {
        'host': _NAME,
        'kind': {'type': 'string', 'enum': list(KINDS)},
        'executor': _NAME,
        'executor_args': {'type': 'object'},
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
        'target_host': {'type': ['string', 'null'], 'maxLength': 255},
        'reenable': {'type': 'boolean'},
        'expected_facts': {'type': 'object'},
    },
    'required': ['host'],
    'additionalProperties': False,
}

REJECT = {
    'type': 'object',
    'properties': {'reason': {'type': 'string', 'maxLength': 1000}},
    'additionalProperties': False,
}
