"""JSON schema of a runbook (see :mod:`fleet.alerts.runbooks`) and of a
catalog of them (``{"runbooks": [...]}``, what export gives and import
takes)."""

from fleet.api.schemas import common
from fleet.api.schemas import execution as execution_schema

_NAME = common.NAME

#: Sub-routes of /v1/runbooks: a runbook so named could not be shown by
#: name (GET /v1/runbooks/export is the catalog).
RESERVED_NAMES = ('export', 'import')
_ONE_OR_MORE = {
    'oneOf': [
        _NAME,
        {'type': 'array', 'items': _NAME, 'minItems': 1},
    ]
}

#: Run parameters a runbook may set: those of POST /v1/executions but
#: the host (the alert's) and the kind (the remediation's).
_RUN_PARAMETERS = {
    'type': 'object',
    'properties': {
        k: v
        for k, v in execution_schema.CREATE['properties'].items()
        if k not in ('host', 'kind')
    },
    'additionalProperties': False,
}

RUNBOOK = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'description': {'type': ['string', 'null'], 'maxLength': 4000},
        'enabled': {'type': 'boolean'},
        'match': {
            'type': 'object',
            'properties': {
                'alert_name': _ONE_OR_MORE,
                'severity': _ONE_OR_MORE,
                'source': _ONE_OR_MORE,
                'host_kind': _ONE_OR_MORE,
                # Audit findings: their alerts' profile and rule.
                'audit': {
                    'type': 'object',
                    'properties': {
                        'profile': _ONE_OR_MORE,
                        'rule': _ONE_OR_MORE,
                    },
                    'additionalProperties': False,
                },
                'labels': {
                    'type': 'object',
                    'additionalProperties': {'type': 'string'},
                },
            },
            'additionalProperties': False,
        },
        'threshold': {
            'type': 'object',
            'properties': {
                'count': {'type': 'integer', 'minimum': 1, 'maximum': 10000},
                'window': {
                    'type': 'integer',
                    'minimum': 1,
                    'maximum': 31536000,
                },
            },
            'additionalProperties': False,
        },
        'cooldown': {'type': 'integer', 'minimum': 0, 'maximum': 31536000},
        'remediation': {
            'oneOf': [
                {
                    'type': 'object',
                    'properties': {
                        'action': {'const': 'maintenance'},
                        'kind': {
                            'type': 'string',
                            'enum': list(execution_schema.KINDS),
                        },
                        'parameters': _RUN_PARAMETERS,
                    },
                    'required': ['action'],
                    'additionalProperties': False,
                },
                {
                    'type': 'object',
                    'properties': {
                        'action': {'const': 'audit'},
                        'profiles': {
                            'type': 'array',
                            'items': _NAME,
                            'minItems': 1,
                        },
                        'gather': {'type': 'boolean'},
                    },
                    'required': ['action'],
                    'additionalProperties': False,
                },
                {
                    'type': 'object',
                    'properties': {
                        'action': {'const': 'handoff'},
                        'owner': _NAME,
                        'reason': {'type': 'string', 'maxLength': 1000},
                    },
                    'required': ['action'],
                    'additionalProperties': False,
                },
            ]
        },
        'approval': {'type': 'string', 'enum': ['automatic', 'admin']},
        'limits': {
            'type': 'object',
            'properties': {
                'max_hosts': {
                    'type': 'integer',
                    'minimum': 1,
                    'maximum': 100000,
                },
                'per': {
                    'type': 'string',
                    'enum': ['availability_zone', 'rack', 'cell', 'region'],
                },
            },
            'additionalProperties': False,
        },
    },
    'required': ['name', 'match', 'remediation'],
    'additionalProperties': False,
}

#: What PUT takes and export gives may carry the uuid back.
RUNBOOK_WITH_UUID = dict(
    RUNBOOK,
    properties=dict(RUNBOOK['properties'], uuid={'type': 'string'}),
)

CATALOG = {
    'type': 'object',
    'properties': {
        'runbooks': {'type': 'array', 'items': RUNBOOK_WITH_UUID},
        'replace': {'type': 'boolean'},
    },
    'required': ['runbooks'],
    'additionalProperties': False,
}
