"""JSON schemas of place and host-replacement request bodies."""

from fleet.api.schemas import common
from fleet.api.schemas import host as host_schema
from fleet.inventory import variables

_NAME = common.NAME

CREATE = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'kind': {'type': 'string', 'enum': list(variables.PLACE_KINDS)},
        'parent_uuid': {'type': ['string', 'null'], 'format': 'uuid'},
        'description': {'type': ['string', 'null'], 'maxLength': 4096},
        'labels': host_schema._LABELS,
        'variables': host_schema._VARIABLES,
    },
    'required': ['name', 'kind'],
    'additionalProperties': False,
}

#: JSON merge patch, as for hosts: null deletes a label or variable.
UPDATE = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'parent_uuid': {'type': ['string', 'null'], 'format': 'uuid'},
        'description': {'type': ['string', 'null'], 'maxLength': 4096},
        'labels': host_schema._LABELS,
        'variables': host_schema._VARIABLES,
    },
    'additionalProperties': False,
    'minProperties': 1,
}

REPLACE = {
    'type': 'object',
    'properties': {
        'replacement': host_schema._NAME,
        'reason': {'type': 'string', 'maxLength': 4096},
        'retire': {'type': 'boolean'},
    },
    'required': ['replacement'],
    'additionalProperties': False,
}
