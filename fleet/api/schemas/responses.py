"""JSON schemas of what the API answers, for the OpenAPI description.

They name every field a client may rely on (``required``) with its type;
objects stay open (``additionalProperties`` allowed) so that a field added
by a later microversion is not a breaking change of the description.
``tox -e fuzz`` checks every response against them.
"""

from fleet.api.controllers.v1 import versions
from fleet.audits import rules as audit_rules

_STR = {'type': 'string'}
_OPT_STR = {'type': ['string', 'null']}
_INT = {'type': 'integer'}
_OBJ = {'type': 'object'}
_TIME = {'type': 'string', 'format': 'date-time'}
_OPT_TIME = {'type': ['string', 'null'], 'format': 'date-time'}
_UUID = {'type': 'string', 'format': 'uuid'}
_OPT_UUID = {'type': ['string', 'null'], 'format': 'uuid'}
_NUMBER = {'type': 'number'}

LINKS = {
    'type': 'array',
    'items': {
        'type': 'object',
        'properties': {'rel': _STR, 'href': _STR},
        'required': ['rel', 'href'],
    },
}


def _object(properties, required=None):
    return {
        'type': 'object',
        'properties': properties,
        'required': list(required if required is not None else properties),
    }


def collection(name, item):
    """A page of a list: ``{name: [...], "next": url}``."""
    return {
        'type': 'object',
        'properties': {
            name: {'type': 'array', 'items': item},
            'next': {
                'type': 'string',
                'description': 'URL of the next page; absent on the last.',
            },
        },
        'required': [name],
    }


#: An OpenStack API-SIG error document: every 4xx and 5xx is one.
FAULT = _object(
    {
        'errors': {
            'type': 'array',
            'minItems': 1,
            'items': _object(
                {
                    'request_id': _OPT_STR,
                    'status': {'type': 'integer', 'minimum': 400},
                    'title': _STR,
                    'detail': _STR,
                }
            ),
        }
    }
)

VERSION = _object(
    {
        'id': {'const': 'v1'},
        'status': _STR,
        'min_version': {'const': versions.MIN_VERSION_STRING},
        'version': {'const': versions.MAX_VERSION_STRING},
        'links': LINKS,
    }
)
ROOT = _object(
    {
        'name': _STR,
        'description': _STR,
        'versions': {'type': 'array', 'items': VERSION},
        'default_version': VERSION,
    }
)
V1 = dict(
    VERSION,
    properties=dict(VERSION['properties'], resources=_OBJ),
    required=VERSION['required'] + ['resources'],
)

HOST = _object(
    {
        'uuid': _UUID,
        'name': _STR,
        'kind': _STR,
        'state': _STR,
        'state_reason': _OPT_STR,
        'owner': _OPT_STR,
        'region': _OPT_STR,
        'cell': _OPT_STR,
        'availability_zone': _OPT_STR,
        'rack': _OPT_STR,
        'hardware_id': _OPT_STR,
        'serial': _OPT_STR,
        'labels': _OBJ,
        'variables': _OBJ,
        'facts': _OBJ,
        'metrics': _OBJ,
        'source': _STR,
        'nova_service_id': _OPT_STR,
        'nova_service_state': _OPT_STR,
        'nova_service_status': _OPT_STR,
        'nova_disabled_reason': _OPT_STR,
        'execution': _OPT_UUID,
        'created_at': _OPT_TIME,
        'updated_at': _OPT_TIME,
        'links': LINKS,
    }
)
INSTANCE = _object(
    {
        'uuid': _STR,
        'name': _OPT_STR,
        'status': _OPT_STR,
        'task_state': _OPT_STR,
        'host': _OPT_STR,
        'project_id': _OPT_STR,
        'flavor': _OPT_STR,
        'vcpus': _INT,
        'memory_mb': _INT,
        'disk_gb': _INT,
        'updated_at': _OPT_TIME,
    }
)
#: GET /v1/hosts/{ident}: from 1.2 with the instances on the host.
HOST_DETAIL = dict(
    HOST,
    properties=dict(
        HOST['properties'], instances={'type': 'array', 'items': INSTANCE}
    ),
)
HOST_VARIABLES = _object(
    {
        'variables': _OBJ,
        'sources': _OBJ,
        'levels': {'type': 'array', 'items': _OBJ},
    }
)
HOST_HISTORY = _object(
    {
        'history': {
            'type': 'array',
            'items': _object(
                {
                    'created_at': _OPT_TIME,
                    'action': _STR,
                    'source': _OPT_STR,
                    'actor': _OPT_STR,
                    'request_id': _OPT_STR,
                    'reason': _OPT_STR,
                    'changes': _OBJ,
                }
            ),
        }
    }
)
HOST_METRICS = _object(
    {
        'metrics': {
            'type': 'array',
            'items': _object(
                {
                    'name': _STR,
                    'value': _NUMBER,
                    'unit': _OPT_STR,
                    'source': _STR,
                    'sampled_at': _TIME,
                }
            ),
        }
    }
)
HOST_REPLACED = _object(
    {
        'replaced': HOST,
        'replacement': HOST,
        'cloned': {'type': 'array', 'items': _STR},
        'aggregates': {'type': 'array'},
    }
)

EXECUTION = _object(
    {
        'uuid': _UUID,
        'kind': _STR,
        'state': _STR,
        'host_uuid': _OPT_UUID,
        'parameters': _OBJ,
        'progress': _OBJ,
        'current_step': _OPT_STR,
        'result': _OPT_STR,
        'requested_by': _OBJ,
        'conductor': _OPT_STR,
        'cancel_requested': {'type': 'boolean'},
        'started_at': _OPT_TIME,
        'finished_at': _OPT_TIME,
        'created_at': _OPT_TIME,
        'updated_at': _OPT_TIME,
        'links': LINKS,
        # Why a waiting run is not admitted yet; the plan that made it.
        'waiting_reason': _OPT_STR,
        'plan_uuid': _OPT_UUID,
    }
)
EXECUTION_DETAIL = dict(
    EXECUTION,
    properties=dict(
        EXECUTION['properties'],
        events={'type': 'array', 'items': _OBJ},
    ),
    required=EXECUTION['required'] + ['events'],
)

ALERT = _object(
    {
        'uuid': _UUID,
        'fingerprint': _STR,
        'name': _STR,
        'source': _STR,
        'severity': _STR,
        'state': _STR,
        'host_uuid': _OPT_UUID,
        'host_name': _OPT_STR,
        'labels': _OBJ,
        'annotations': _OBJ,
        'count': _INT,
        'first_seen': _OPT_TIME,
        'last_seen': _OPT_TIME,
        'resolved_at': _OPT_TIME,
        'silenced_until': _OPT_TIME,
        'created_at': _OPT_TIME,
        'updated_at': _OPT_TIME,
        'links': LINKS,
    }
)
ALERT_DETAIL = dict(
    ALERT,
    properties=dict(
        ALERT['properties'], history={'type': 'array', 'items': _OBJ}
    ),
    required=ALERT['required'] + ['history'],
)
ALERT_RESULT = _object(
    {
        'alert': {'oneOf': [ALERT, {'type': 'null'}]},
        'duplicate': {'type': 'boolean'},
        'decisions': {'type': 'array'},
    }
)
WEBHOOK_RESULT = _object({'results': {'type': 'array', 'items': ALERT_RESULT}})

RUNBOOK = _object(
    {
        'uuid': _UUID,
        'name': _STR,
        'description': _OPT_STR,
        'enabled': {'type': 'boolean'},
        'match': _OBJ,
        'threshold': _OBJ,
        'cooldown': _INT,
        'remediation': _OBJ,
        'approval': _STR,
        'limits': _OBJ,
        'created_at': _OPT_TIME,
        'updated_at': _OPT_TIME,
        'links': LINKS,
    }
)
RUNBOOK_DETAIL = dict(
    RUNBOOK,
    properties=dict(
        RUNBOOK['properties'], actions={'type': 'array', 'items': _OBJ}
    ),
)
RUNBOOK_CATALOG = _object({'runbooks': {'type': 'array', 'items': _OBJ}})
RUNBOOK_IMPORTED = _object({'created': _INT, 'updated': _INT, 'deleted': _INT})
RUNBOOK_DRY_RUN = _object({'runbook': _STR, 'decisions': {'type': 'array'}})

PLACE = _object(
    {
        'uuid': _UUID,
        'name': _STR,
        'kind': _STR,
        'parent_uuid': _OPT_UUID,
        'description': _OPT_STR,
        'labels': _OBJ,
        'variables': _OBJ,
        'source': _STR,
        'created_at': _OPT_TIME,
        'updated_at': _OPT_TIME,
        'links': LINKS,
    }
)

_RESOURCES = _object(
    {'vcpus': _NUMBER, 'memory_mb': _NUMBER, 'disk_gb': _NUMBER}
)
_USAGE = _object({'total': _RESOURCES, 'used': _RESOURCES, 'free': _RESOURCES})
CAPACITY = _object(
    {
        'hosts': {'type': 'array', 'items': _USAGE},
        'availability_zones': {
            'type': 'object',
            'additionalProperties': _USAGE,
        },
        'aggregates': {'type': 'object', 'additionalProperties': _USAGE},
        'total': _USAGE,
    }
)
ANSIBLE_INVENTORY = _object(
    {'_meta': _object({'hostvars': _OBJ}), 'all': _OBJ}
)


#: POST /v1/hosts/{ident}/release (1.5): the host, and the run it ended.
HOST_RELEASED = {
    **HOST,
    'properties': {**HOST['properties'], 'released_execution': _OPT_UUID},
    'required': [*HOST['required'], 'released_execution'],
}

#: An executor action of the catalog (1.4).
ACTION = _object(
    {
        'name': _STR,
        'description': _OPT_STR,
        'executor': _STR,
        'parameters': _OBJ,
        'timeout': {'type': ['integer', 'null']},
        'digest': _STR,
        'links': LINKS,
    }
)

ACTIONS = {
    'type': 'object',
    'properties': {
        'actions': {'type': 'array', 'items': ACTION},
        'errors': {
            'type': 'array',
            'items': _object({'name': _STR, 'error': _STR}),
        },
    },
    'required': ['actions'],
}


# --- audits (1.6) ---
_RESULT_COUNTS = {
    'type': 'object',
    'properties': dict.fromkeys(audit_rules.RESULTS, _INT),
    'required': list(audit_rules.RESULTS),
}

#: GET /v1/hosts/{ident}/facts: the last facts gathered.
HOST_FACTS = _object(
    {
        'host_uuid': _UUID,
        'host': _STR,
        'facts': _OBJ,
        'drivers': {'type': 'array', 'items': _STR},
        'gathered_at': _TIME,
        'errors': _OBJ,
    }
)

#: What an audit did: hosts checked, results per profile, changes.
AUDIT_SUMMARY = _object(
    {
        'hosts': _INT,
        'profiles': {'type': 'object', 'additionalProperties': _RESULT_COUNTS},
        'unchanged': {'type': 'object', 'additionalProperties': _INT},
        'changes': {
            'type': 'array',
            'items': _object(
                {
                    'host': _STR,
                    'profile': _STR,
                    'rule': _STR,
                    'old': _OPT_STR,
                    'new': _STR,
                }
            ),
        },
    }
)

#: POST /v1/hosts/{ident}/facts: the facts gathered now (when the host
#: had any stored), the drivers that failed, and the audit that followed.
HOST_FACTS_GATHERED = {
    'type': 'object',
    'properties': {
        **HOST_FACTS['properties'],
        'failed': _OBJ,
        'audit': AUDIT_SUMMARY,
    },
    'required': ['host', 'failed', 'audit'],
}

#: POST /v1/audits with "gather": the conductor's acknowledgement (202).
AUDIT_ACCEPTED = _object({'accepted': {'const': True}, 'message': _STR})

AUDIT_PROFILE = _object(
    {
        'uuid': _UUID,
        'name': _STR,
        'description': _OPT_STR,
        'enabled': {'type': 'boolean'},
        'applies_to': _OBJ,
        'rules': {'type': 'array', 'items': _OBJ},
        'created_at': _OPT_TIME,
        'updated_at': _OPT_TIME,
        'links': LINKS,
    }
)
AUDIT_PROFILE_CATALOG = _object({'profiles': {'type': 'array', 'items': _OBJ}})
AUDIT_PROFILES_IMPORTED = RUNBOOK_IMPORTED
AUDIT_COMPLIANCE = _object(
    {
        'profile': _STR,
        'uuid': _UUID,
        'totals': _RESULT_COUNTS,
        'rules': {
            'type': 'array',
            'items': _object(
                {
                    'rule': _STR,
                    'severity': _STR,
                    'hosts': _RESULT_COUNTS,
                    'availability_zones': {
                        'type': 'object',
                        'additionalProperties': _RESULT_COUNTS,
                    },
                }
            ),
        },
    }
)

FINDING = _object(
    {
        'uuid': _UUID,
        'host_uuid': _UUID,
        'host_name': _STR,
        'profile_uuid': _UUID,
        'profile_name': _STR,
        'rule': _STR,
        'severity': {'type': 'string', 'enum': list(audit_rules.SEVERITIES)},
        'result': {'type': 'string', 'enum': list(audit_rules.RESULTS)},
        'evidence': {'type': ['object', 'null']},
        'message': _OPT_STR,
        'checked_at': _TIME,
        'changed_at': _TIME,
        'links': LINKS,
    }
)
#: GET /v1/findings/{uuid}: with its changes of result.
FINDING_DETAIL = {
    **FINDING,
    'properties': {
        **FINDING['properties'],
        'history': {
            'type': 'array',
            'items': _object(
                {
                    'at': _TIME,
                    'old_result': _OPT_STR,
                    'new_result': _STR,
                    'evidence': {'type': ['object', 'null']},
                    'message': _OPT_STR,
                }
            ),
        },
    },
    'required': [*FINDING['required'], 'history'],
}


# --- plans (1.7) ---
PLAN = _object(
    {
        'uuid': _UUID,
        'name': _OPT_STR,
        'state': _STR,
        'state_reason': _OPT_STR,
        'selector': _OBJ,
        'action': _OBJ,
        'budget': _OBJ,
        'blocking_alerts': _OBJ,
        'max_failed_hosts': {'type': ['integer', 'null']},
        'windows': {'type': 'array', 'items': _OBJ},
        'requested_by': _OBJ,
        'finished_at': _OPT_TIME,
        'created_at': _OPT_TIME,
        'updated_at': _OPT_TIME,
        'links': LINKS,
    }
)
PLAN_DETAIL = dict(
    PLAN,
    properties=dict(
        PLAN['properties'],
        hosts={'type': 'array', 'items': _OBJ},
        progress=_OBJ,
        # 1.10: what is left and when it should end.
        eta={
            'type': 'object',
            'properties': {
                'remaining_hosts': {'type': 'integer'},
                'running_hosts': {'type': 'integer'},
                'remaining_waves': {'type': 'integer'},
                'eta_s': {'type': ['number', 'null']},
                'eta_at': {'type': ['string', 'null']},
                'per_instance_s': _OBJ,
            },
        },
    ),
    required=PLAN['required'] + ['hosts', 'progress'],
)
PLAN_DRY_RUN = _object(
    {
        'hosts': {'type': 'array', 'items': _STR},
        'waves': {'type': 'array', 'items': {'type': 'array'}},
        'budget': _OBJ,
        'action': _OBJ,
        'windows': {'type': 'array', 'items': _OBJ},
        'eta_s': {'type': ['number', 'null']},
        'per_instance_s': _OBJ,
    }
)
