"""JSON schemas of alert request bodies.

An alert posted by an operator or a tool::

    {"name": "DiskFailing", "severity": "critical", "host": "compute-7",
     "labels": {"disk": "sdb"}, "annotations": {"summary": "..."},
     "status": "firing", "fingerprint": null, "occurrence_id": "evt-42"}

An Alertmanager webhook (``version`` "4"), as Alertmanager sends it::

    {"version": "4", "status": "firing", "receiver": "fleet",
     "alerts": [{"status": "firing",
                 "labels": {"alertname": "NodeDown", "instance": "c1:9100",
                            "severity": "critical"},
                 "annotations": {}, "startsAt": "2026-11-21T10:00:00Z",
                 "endsAt": "0001-01-01T00:00:00Z",
                 "fingerprint": "3f2b..."}]}
"""

from fleet.api.schemas import common

_NAME = common.NAME
_STRINGS = {
    'type': 'object',
    'additionalProperties': {'type': ['string', 'number', 'boolean']},
}
_STATUS = {'type': 'string', 'enum': ['firing', 'resolved']}

CREATE = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'severity': {'type': 'string', 'minLength': 1, 'maxLength': 32},
        'host': _NAME,
        'labels': _STRINGS,
        'annotations': _STRINGS,
        'status': _STATUS,
        'fingerprint': {'type': 'string', 'minLength': 1, 'maxLength': 64},
        'occurrence_id': {'type': 'string', 'minLength': 1, 'maxLength': 200},
        'source': {'type': 'string', 'minLength': 1, 'maxLength': 64},
    },
    'required': ['name'],
    'additionalProperties': False,
}

SILENCE = {
    'type': 'object',
    'properties': {
        'duration': {'type': 'integer', 'minimum': 1, 'maximum': 31536000},
        'reason': {'type': 'string', 'minLength': 1, 'maxLength': 1000},
    },
    'required': ['reason'],
    'additionalProperties': False,
}

ACKNOWLEDGE = {
    'type': 'object',
    'properties': {'comment': {'type': 'string', 'maxLength': 1000}},
    'additionalProperties': False,
}

ALERTMANAGER = {
    'type': 'object',
    'properties': {
        'version': {'type': 'string', 'const': '4'},
        'status': _STATUS,
        'alerts': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'status': _STATUS,
                    'labels': {
                        'type': 'object',
                        'properties': {'alertname': _NAME},
                        'required': ['alertname'],
                        'additionalProperties': {'type': 'string'},
                    },
                    'annotations': {
                        'type': 'object',
                        'additionalProperties': {'type': 'string'},
                    },
                    'startsAt': {'type': 'string', 'minLength': 1},
                    'endsAt': {'type': 'string'},
                    'generatorURL': {'type': 'string'},
                    'fingerprint': {
                        'type': 'string',
                        'minLength': 1,
                        'maxLength': 64,
                    },
                },
                'required': ['status', 'labels', 'startsAt'],
            },
        },
    },
    'required': ['version', 'alerts'],
}
