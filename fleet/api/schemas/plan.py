"""JSON schema of a plan (rolling maintenance) request body (API 1.7)::

{"name": "kernel-2026-12",
 "selector": {"availability_zone": "az1", "labels": {"tier": "gold"}},
 "action": {"kind": "drain_patch_reboot", "action": "dnf-update",
            "action_parameters": {"exclude": "kernel*"}},
 "budget": {"max_at_once": 2, "max_out_per_rack": "25%",
            "anti_affinity": true},
 "blocking_alerts": {"severities": ["critical"]},
 "max_failed_hosts": 1,
 "dry_run": false}
"""

from fleet.api.schemas import common
from fleet.api.schemas import execution as execution_schema

_NAME = common.NAME
_HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$'
_LIMIT = {
    'oneOf': [
        {'type': 'integer', 'minimum': 1, 'maximum': 1000000},
        {'type': 'string', 'pattern': '^[0-9]{1,7}%?$'},
        {'type': 'null'},
    ]
}
_NAMES = {'type': 'array', 'items': _NAME, 'minItems': 1, 'maxItems': 10000}
_LABELS = {
    'type': 'object',
    'additionalProperties': {'type': 'string', 'maxLength': 255},
    'maxProperties': 64,
}

#: What each host's run is: a POST /v1/executions body without a host.
ACTION = {
    'type': 'object',
    'properties': {
        k: v
        for k, v in execution_schema.CREATE['properties'].items()
        if k not in ('host', 'target_host')
    },
    'additionalProperties': False,
}

CREATE = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'selector': {
            'type': 'object',
            'properties': {
                'hosts': _NAMES,
                'availability_zone': _NAME,
                'aggregate': _NAME,
                'cell': _NAME,
                'rack': _NAME,
                'labels': _LABELS,
                # 1.10: the hosts failing an audit rule (or any of rules).
                'audit': {
                    'type': 'object',
                    'properties': {
                        'profile': _NAME,
                        'rule': {
                            'oneOf': [
                                _NAME,
                                {
                                    'type': 'array',
                                    'items': _NAME,
                                    'minItems': 1,
                                    'maxItems': 100,
                                    'uniqueItems': True,
                                },
                            ]
                        },
                    },
                    'required': ['profile', 'rule'],
                    'additionalProperties': False,
                },
            },
            'additionalProperties': False,
            'minProperties': 1,
        },
        'action': ACTION,
        'budget': {
            'type': 'object',
            'properties': {
                'max_at_once': {
                    'type': 'integer',
                    'minimum': 1,
                    'maximum': 10000,
                },
                'max_out_per_az': _LIMIT,
                'max_out_per_aggregate': _LIMIT,
                'max_out_per_cell': _LIMIT,
                'max_out_per_rack': _LIMIT,
                'anti_affinity': {'type': 'boolean'},
                'capacity_headroom': {'type': 'boolean'},
            },
            'additionalProperties': False,
        },
        'blocking_alerts': {
            'type': 'object',
            'properties': {
                'names': _NAMES,
                'severities': _NAMES,
                'labels': _LABELS,
            },
            'additionalProperties': False,
        },
        'max_failed_hosts': {
            'type': ['integer', 'null'],
            'minimum': 1,
            'maximum': 100000,
        },
        'windows': {
            'type': 'array',
            'maxItems': 20,
            'items': {
                'type': 'object',
                'properties': {
                    'days': {
                        'type': 'array',
                        'items': {
                            'type': 'string',
                            'enum': [
                                'mon',
                                'tue',
                                'wed',
                                'thu',
                                'fri',
                                'sat',
                                'sun',
                            ],
                        },
                        'minItems': 1,
                        'uniqueItems': True,
                    },
                    'start': {'type': 'string', 'pattern': _HHMM},
                    'end': {'type': 'string', 'pattern': _HHMM},
                    'timezone': {
                        'type': 'string',
                        'minLength': 1,
                        'maxLength': 64,
                    },
                },
                'required': ['start', 'end'],
                'additionalProperties': False,
            },
        },
        'dry_run': {'type': 'boolean'},
    },
    'required': ['selector'],
    'additionalProperties': False,
}
