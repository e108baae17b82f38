"""JSON schemas of host request bodies."""

from fleet.api.schemas import common
from fleet.common import states

_NAME = {
    'type': 'string',
    'minLength': 1,
    'maxLength': 255,
    'pattern': r'^[A-Za-z0-9][A-Za-z0-9._-]*$',
    **common.NO_CONTROL,
}
_OPT_STR = {'type': ['string', 'null'], 'maxLength': 255}
_LABELS = {
    'type': 'object',
    'propertyNames': {
        'pattern': r'^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$',
        **common.NO_CONTROL,
    },
    'additionalProperties': {'type': ['string', 'null'], 'maxLength': 255},
}
_VARIABLES = {'type': 'object', 'propertyNames': {'maxLength': 255}}

_PLACE = {
    'region': _OPT_STR,
    'cell': _OPT_STR,
    'availability_zone': _OPT_STR,
    'rack': _OPT_STR,
    'hardware_id': _OPT_STR,
    'serial': _OPT_STR,
}

CREATE = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'kind': {'type': 'string', 'enum': list(states.HOST_KINDS)},
        'labels': _LABELS,
        'variables': _VARIABLES,
        **_PLACE,
    },
    'required': ['name'],
    'additionalProperties': False,
}

#: PATCH is a JSON merge patch (RFC 7386): given fields replace, and inside
#: labels and variables a null value deletes the key.
UPDATE = {
    'type': 'object',
    'properties': {
        'labels': _LABELS,
        'variables': _VARIABLES,
        'state': {
            'type': 'string',
            'enum': [
                states.HOST_ACTIVE,
                states.HOST_UNMANAGED,
                states.HOST_FAILED,
                states.HOST_RETIRED,
            ],
        },
        'state_reason': {'type': ['string', 'null'], 'maxLength': 4096},
        'owner': _OPT_STR,
        **_PLACE,
    },
    'additionalProperties': False,
    'minProperties': 1,
}

RELEASE = {
    'type': 'object',
    'properties': {
        'reason': {'type': 'string', 'minLength': 1, 'maxLength': 1000},
    },
    'additionalProperties': False,
}
