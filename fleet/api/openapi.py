"""The OpenAPI 3.1 description of /v1, built from the very JSON schemas
the API validates request bodies with (``fleet.api.schemas``) and the
query parameters the controllers accept (their ``FILTERS`` and
``SORT_KEYS``): one source of truth.

It is served at ``GET /v1/openapi.json`` (public, as the version
documents are), written into the docs at build time (``doc/source/conf.py``
with :mod:`fleet.api.openapi_rst`; ``python -m fleet.api.openapi`` prints
it), and ``tox -e fuzz`` runs schemathesis against a live fleet-api with
it.

Adding an endpoint is one :class:`Operation` in :data:`OPERATIONS` (or a
call to :func:`register` from the controller's module)::

    openapi.register(
        openapi.Operation(
            'post', '/v1/hosts/{ident}/release', 'releaseHost',
            'Release a host held by a finished run.',
            tag='hosts', min_version=versions.MINOR_4_RELEASE,
            request=schema.RELEASE, response=responses.HOST,
            path_params={'ident': openapi.IDENT},
        )
    )

``fleet/tests/unit/api/test_openapi.py`` fails when a controller of the
pecan tree has no operation here.
"""

import copy
import dataclasses
import functools
import re

import prometheus_client

from fleet.alerts import states as alert_states
from fleet.api import hygiene
from fleet.api.controllers.v1 import alert as alert_api
from fleet.api.controllers.v1 import audit as audit_api
from fleet.api.controllers.v1 import execution as execution_api
from fleet.api.controllers.v1 import host as host_api
from fleet.api.controllers.v1 import place as place_api
from fleet.api.controllers.v1 import plan as plan_api
from fleet.api.controllers.v1 import runbook as runbook_api
from fleet.api.controllers.v1 import versions
from fleet.api.schemas import alert as alert_schema
from fleet.api.schemas import execution as execution_schema
from fleet.api.schemas import host as host_schema
from fleet.api.schemas import place as place_schema
from fleet.api.schemas import plan as plan_schema
from fleet.api.schemas import responses
from fleet.api.schemas import runbook as runbook_schema
from fleet.audits import profiles as audit_profiles
from fleet.audits import rules as audit_rules
from fleet.common import states
from fleet.inventory import variables

#: A host or place: its uuid or its name.
IDENT = {'type': 'string', 'minLength': 1, 'maxLength': 255}
UUID = {'type': 'string', 'format': 'uuid'}
#: Documented maximum of ``limit``: larger values are reduced to
#: ``[api] max_limit`` (default 1000), not refused.
LIMIT = {
    'type': 'integer',
    'minimum': 1,
    'maximum': hygiene.INT64_MAX,
    'description': 'Most items in the page, at least 1. A value above '
    '[api] max_limit (default 1000) is reduced to it; without limit, '
    '[api] default_limit (default 100).',
}


@dataclasses.dataclass
class Operation:
    """One method on one path, as the API serves it.

    :param method: lower-case HTTP method.
    :param path: OpenAPI path template, e.g. ``/v1/hosts/{ident}``.
    :param operation_id: unique camelCase id.
    :param summary: one line for the api-ref.
    :param tag: the resource it belongs to (api-ref section).
    :param min_version: the minor microversion it appears in.
    :param request: JSON schema of the body (None: no body).
    :param request_required: whether a body must be sent.
    :param status: status code of success.
    :param response: JSON schema of the success body (None: no body).
    :param query: {name: schema} of query parameters.
    :param path_params: {name: schema} of the path template's parameters.
    :param links: OpenAPI links of the success response (stateful tests
        and clients follow them).
    :param query_versions: {name: minor microversion} of the query
        parameters that came after the operation itself.
    :param description: longer text (reST-free Markdown).
    :param other_responses: {status: JSON schema of the body} of other
        successes (e.g. a 202 beside the 200).
    """

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    min_version: int = versions.MINOR_0_INITIAL
    request: dict | None = None
    request_required: bool = True
    status: int = 200
    response: dict | None = None
    query: dict = dataclasses.field(default_factory=dict)
    query_versions: dict = dataclasses.field(default_factory=dict)
    path_params: dict = dataclasses.field(default_factory=dict)
    links: dict = dataclasses.field(default_factory=dict)
    description: str = ''
    #: Whether the route exists outside /v1 microversion negotiation
    #: (webhooks: Alertmanager cannot send the header).
    versioned: bool = True
    other_responses: dict = dataclasses.field(default_factory=dict)
    #: Media type of the success body.
    media_type: str = 'application/json'
    #: {minor version: what it changed in this operation} of versions
    #: after ``min_version`` that change its body or its answer.
    changes: dict = dataclasses.field(default_factory=dict)


OPERATIONS = []


def register(*operations):
    """Add operations to the description (controllers' modules call it)."""
    OPERATIONS.extend(operations)


def paged(filters, sort_keys, enums=None):
    """Query parameters of a list: filters plus limit/marker/sort."""
    enums = enums or {}
    query = {}
    for name in filters:
        if name in enums:
            query[name] = {'type': 'string', 'enum': list(enums[name])}
        else:
            query[name] = {'type': 'string', **hygiene_no_control()}
    query.update(
        {
            'limit': LIMIT,
            'marker': dict(
                UUID,
                description='uuid of the last item of the previous page',
            ),
            'sort_key': {'type': 'string', 'enum': list(sort_keys)},
            'sort_dir': {'type': 'string', 'enum': ['asc', 'desc']},
        }
    )
    return query


def hygiene_no_control():
    return {'pattern': hygiene.NO_CONTROL_PATTERN}


def _link(operation_id, **parameters):
    return {'operationId': operation_id, 'parameters': parameters}


def _links(prefix, expr, show=None, update=None, delete=None, extra=None):
    links = {}
    param = prefix
    if show:
        links['Get' + show] = _link(show, **{param: expr})
    if update:
        links['Update' + update] = _link(update, **{param: expr})
    if delete:
        links['Delete' + delete] = _link(delete, **{param: expr})
    for op in extra or ():
        links[op[0].upper() + op[1:]] = _link(op, **{param: expr})
    return links


_V = versions
_HOST_ENUMS = {'kind': states.HOST_KINDS, 'state': states.HOST_STATES}
_HOST_QUERY = paged(host_api.FILTERS, host_api.SORT_KEYS, _HOST_ENUMS)
_HOST_QUERY_12 = dict(
    _HOST_QUERY,
    sort_key={
        'type': 'string',
        'enum': list(host_api.SORT_KEYS + host_api.METRIC_SORT_KEYS),
        'description': 'A column, or metric:<name> (the host\'s latest '
        'value of the metric, none first ascending; from 1.9).',
    },
    metric={
        'type': 'array',
        'items': {
            'type': 'string',
            'pattern': host_api.METRIC_PATTERN,
            'maxLength': 128,
        },
        'description': '<name> (the host has a value of the metric) or '
        '<name>:<gt|gte|lt|lte>:<number> (its latest value compares so); '
        'repeatable, all hold; the same metric and comparison at most '
        'once (from 1.9).',
    },
    label={
        'type': 'array',
        'items': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'description': 'key=value or key (repeatable, from 1.2)',
    },
    variable={
        'type': 'array',
        'items': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'description': 'key=value or key (repeatable, from 1.2)',
    },
)
_EXEC_QUERY = dict(
    paged(
        execution_api.FILTERS,
        execution_api.SORT_KEYS,
        {'state': states.EXEC_STATES},
    ),
    host=IDENT,
)
_ALERT_QUERY = dict(
    paged(
        alert_api.FILTERS,
        alert_api.SORT_KEYS,
        {'state': alert_states.ALERT_STATES},
    ),
    host=IDENT,
)
_PLACE_QUERY = paged(
    place_api.FILTERS, place_api.SORT_KEYS, {'kind': variables.PLACE_KINDS}
)
_RUNBOOK_QUERY = dict(
    paged(('name',), runbook_api.SORT_KEYS),
    enabled={'type': 'string', 'enum': list(runbook_api.BOOLEANS)},
)
_KIND = {'kind': {'type': 'string', 'enum': list(variables.PLACE_KINDS)}}

register(
    # --- hosts (1.0) ---
    Operation(
        'get',
        '/v1/hosts',
        'listHosts',
        'List hosts (label and variable filters from 1.2, metric filters '
        'and sort from 1.9).',
        tag='hosts',
        response=responses.collection('hosts', responses.HOST),
        query=_HOST_QUERY_12,
        query_versions={
            'label': _V.MINOR_2_INVENTORY,
            'variable': _V.MINOR_2_INVENTORY,
            'metric': _V.MINOR_9_HOST_METRIC_LIST,
        },
    ),
    Operation(
        'post',
        '/v1/hosts',
        'createHost',
        'Record a host.',
        tag='hosts',
        request=host_schema.CREATE,
        status=201,
        response=responses.HOST_DETAIL,
        links=_links(
            'ident',
            '$response.body#/uuid',
            show='showHost',
            update='updateHost',
            delete='deleteHost',
            extra=(
                'showHostHistory',
                'showHostVariables',
                'gatherHostFacts',
                'showHostFacts',
            ),
        ),
    ),
    Operation(
        'get',
        '/v1/hosts/{ident}',
        'showHost',
        'Show a host (with its instances from 1.2).',
        tag='hosts',
        response=responses.HOST_DETAIL,
        path_params={'ident': IDENT},
    ),
    Operation(
        'patch',
        '/v1/hosts/{ident}',
        'updateHost',
        'Change a host (JSON merge patch).',
        tag='hosts',
        request=host_schema.UPDATE,
        response=responses.HOST_DETAIL,
        path_params={'ident': IDENT},
    ),
    Operation(
        'delete',
        '/v1/hosts/{ident}',
        'deleteHost',
        'Delete a host recorded through the API.',
        tag='hosts',
        status=204,
        path_params={'ident': IDENT},
    ),
    Operation(
        'get',
        '/v1/hosts/{ident}/variables',
        'showHostVariables',
        'Variables of a host, resolved with provenance.',
        tag='hosts',
        min_version=_V.MINOR_2_INVENTORY,
        response=responses.HOST_VARIABLES,
        path_params={'ident': IDENT},
    ),
    Operation(
        'get',
        '/v1/hosts/{ident}/history',
        'showHostHistory',
        'What changed on a host, by whom and why.',
        tag='hosts',
        min_version=_V.MINOR_2_INVENTORY,
        response=responses.HOST_HISTORY,
        path_params={'ident': IDENT},
        query={'limit': LIMIT},
    ),
    Operation(
        'get',
        '/v1/hosts/{ident}/metrics',
        'showHostMetrics',
        'Latest metric values of a host (CPU, memory, disk, network, '
        'power, temperature), each with its sample time.',
        tag='hosts',
        min_version=_V.MINOR_7_HOST_METRICS,
        response=responses.HOST_METRICS,
        path_params={'ident': IDENT},
    ),
    Operation(
        'post',
        '/v1/hosts/{ident}/replace',
        'replaceHost',
        'Clone a host’s metadata onto its replacement.',
        tag='hosts',
        min_version=_V.MINOR_2_INVENTORY,
        request=place_schema.REPLACE,
        response=responses.HOST_REPLACED,
        path_params={'ident': IDENT},
    ),
    Operation(
        'post',
        '/v1/hosts/{ident}/release',
        'releaseHost',
        'Force a host free: its run ends cancelled, the host is handed to '
        'a human (admin).',
        tag='hosts',
        min_version=_V.MINOR_5_HOST_RELEASE,
        request=host_schema.RELEASE,
        request_required=False,
        response=responses.HOST_RELEASED,
        path_params={'ident': IDENT},
    ),
    # --- executions (1.1) ---
    Operation(
        'get',
        '/v1/executions',
        'listExecutions',
        'List maintenance runs.',
        tag='executions',
        min_version=_V.MINOR_1_EXECUTIONS,
        response=responses.collection('executions', responses.EXECUTION),
        query=_EXEC_QUERY,
    ),
    Operation(
        'post',
        '/v1/executions',
        'createExecution',
        'Start a maintenance run on a host.',
        tag='executions',
        min_version=_V.MINOR_1_EXECUTIONS,
        request=execution_schema.CREATE,
        status=202,
        response=responses.EXECUTION,
        links=_links(
            'uuid',
            '$response.body#/uuid',
            show='showExecution',
            extra=('cancelExecution', 'approveExecution', 'rejectExecution'),
        ),
    ),
    Operation(
        'get',
        '/v1/executions/{uuid}',
        'showExecution',
        'Show a run with its progress and events.',
        tag='executions',
        min_version=_V.MINOR_1_EXECUTIONS,
        response=responses.EXECUTION_DETAIL,
        path_params={'uuid': UUID},
    ),
    Operation(
        'post',
        '/v1/executions/{uuid}/cancel',
        'cancelExecution',
        'Ask a run to stop.',
        tag='executions',
        min_version=_V.MINOR_1_EXECUTIONS,
        status=202,
        response=responses.EXECUTION,
        path_params={'uuid': UUID},
    ),
    Operation(
        'post',
        '/v1/executions/{uuid}/approve',
        'approveExecution',
        'Approve a run awaiting approval.',
        tag='executions',
        min_version=_V.MINOR_3_ALERTS,
        status=202,
        response=responses.EXECUTION,
        path_params={'uuid': UUID},
    ),
    Operation(
        'post',
        '/v1/executions/{uuid}/reject',
        'rejectExecution',
        'Reject a run awaiting approval.',
        tag='executions',
        min_version=_V.MINOR_3_ALERTS,
        request=execution_schema.REJECT,
        request_required=False,
        status=202,
        response=responses.EXECUTION,
        path_params={'uuid': UUID},
    ),
    # --- places, capacity, inventory (1.2) ---
    Operation(
        'get',
        '/v1/places',
        'listPlaces',
        'List regions, availability zones, cells and racks.',
        tag='places',
        min_version=_V.MINOR_2_INVENTORY,
        response=responses.collection('places', responses.PLACE),
        query=_PLACE_QUERY,
    ),
    Operation(
        'post',
        '/v1/places',
        'createPlace',
        'Record a place.',
        tag='places',
        min_version=_V.MINOR_2_INVENTORY,
        request=place_schema.CREATE,
        status=201,
        response=responses.PLACE,
        links=_links(
            'ident',
            '$response.body#/uuid',
            show='showPlace',
            update='updatePlace',
            delete='deletePlace',
        ),
    ),
    Operation(
        'get',
        '/v1/places/{ident}',
        'showPlace',
        'Show a place (?kind= picks one of a shared name).',
        tag='places',
        min_version=_V.MINOR_2_INVENTORY,
        response=responses.PLACE,
        path_params={'ident': IDENT},
        query=_KIND,
    ),
    Operation(
        'patch',
        '/v1/places/{ident}',
        'updatePlace',
        'Change a place (JSON merge patch).',
        tag='places',
        min_version=_V.MINOR_2_INVENTORY,
        request=place_schema.UPDATE,
        response=responses.PLACE,
        path_params={'ident': IDENT},
        query=_KIND,
    ),
    Operation(
        'delete',
        '/v1/places/{ident}',
        'deletePlace',
        'Delete a place.',
        tag='places',
        min_version=_V.MINOR_2_INVENTORY,
        status=204,
        path_params={'ident': IDENT},
        query=_KIND,
    ),
    Operation(
        'get',
        '/v1/capacity',
        'showCapacity',
        'Used and free capacity, and what remains without some hosts.',
        tag='capacity',
        min_version=_V.MINOR_2_INVENTORY,
        response=responses.CAPACITY,
        query={
            'without': {
                'type': 'string',
                'description': 'comma-separated host names or uuids',
                **hygiene_no_control(),
            },
            'availability_zone': {'type': 'string', **hygiene_no_control()},
        },
    ),
    Operation(
        'get',
        '/v1/inventory/ansible',
        'showAnsibleInventory',
        'The fleet as an Ansible dynamic inventory.',
        tag='capacity',
        min_version=_V.MINOR_2_INVENTORY,
        response=responses.ANSIBLE_INVENTORY,
    ),
    # --- alerts and runbooks (1.3) ---
    Operation(
        'get',
        '/v1/alerts',
        'listAlerts',
        'List alerts.',
        tag='alerts',
        min_version=_V.MINOR_3_ALERTS,
        response=responses.collection('alerts', responses.ALERT),
        query=_ALERT_QUERY,
    ),
    Operation(
        'post',
        '/v1/alerts',
        'createAlert',
        'Record an alert (deduplicated by fingerprint).',
        tag='alerts',
        min_version=_V.MINOR_3_ALERTS,
        request=alert_schema.CREATE,
        response=responses.ALERT_RESULT,
        links=_links(
            'uuid',
            '$response.body#/alert/uuid',
            show='showAlert',
            extra=('acknowledgeAlert', 'silenceAlert'),
        ),
    ),
    Operation(
        'get',
        '/v1/alerts/{uuid}',
        'showAlert',
        'Show an alert with its history.',
        tag='alerts',
        min_version=_V.MINOR_3_ALERTS,
        response=responses.ALERT_DETAIL,
        path_params={'uuid': UUID},
    ),
    Operation(
        'post',
        '/v1/alerts/{uuid}/acknowledge',
        'acknowledgeAlert',
        'Acknowledge a firing alert.',
        tag='alerts',
        min_version=_V.MINOR_3_ALERTS,
        request=alert_schema.ACKNOWLEDGE,
        request_required=False,
        response=responses.ALERT,
        path_params={'uuid': UUID},
    ),
    Operation(
        'post',
        '/v1/alerts/{uuid}/silence',
        'silenceAlert',
        'Silence an alert for a while.',
        tag='alerts',
        min_version=_V.MINOR_3_ALERTS,
        request=alert_schema.SILENCE,
        response=responses.ALERT,
        path_params={'uuid': UUID},
    ),
    Operation(
        'post',
        '/v1/alerts/{uuid}/unsilence',
        'unsilenceAlert',
        'End an alert’s silence.',
        tag='alerts',
        min_version=_V.MINOR_3_ALERTS,
        response=responses.ALERT,
        path_params={'uuid': UUID},
    ),
    Operation(
        'post',
        '/v1/webhooks/alertmanager',
        'alertmanagerWebhook',
        'Prometheus Alertmanager’s webhook receiver (any microversion).',
        tag='alerts',
        request=alert_schema.ALERTMANAGER,
        response=responses.WEBHOOK_RESULT,
        versioned=False,
    ),
    Operation(
        'get',
        '/v1/runbooks',
        'listRunbooks',
        'List runbooks.',
        tag='runbooks',
        min_version=_V.MINOR_3_ALERTS,
        response=responses.collection('runbooks', responses.RUNBOOK),
        query=_RUNBOOK_QUERY,
    ),
    Operation(
        'post',
        '/v1/runbooks',
        'createRunbook',
        'Create a runbook (JSON, or YAML with Content-Type application/yaml).',
        tag='runbooks',
        min_version=_V.MINOR_3_ALERTS,
        request=runbook_schema.RUNBOOK,
        status=201,
        response=responses.RUNBOOK,
        links=_links(
            'ident',
            '$response.body#/uuid',
            show='showRunbook',
            update='updateRunbook',
            delete='deleteRunbook',
            extra=('dryRunRunbook',),
        ),
    ),
    Operation(
        'get',
        '/v1/runbooks/export',
        'exportRunbooks',
        'The whole runbook catalog.',
        tag='runbooks',
        min_version=_V.MINOR_3_ALERTS,
        response=responses.RUNBOOK_CATALOG,
    ),
    Operation(
        'post',
        '/v1/runbooks/import',
        'importRunbooks',
        'Create or replace runbooks from a catalog.',
        tag='runbooks',
        min_version=_V.MINOR_3_ALERTS,
        request=runbook_schema.CATALOG,
        response=responses.RUNBOOK_IMPORTED,
    ),
    Operation(
        'get',
        '/v1/runbooks/{ident}',
        'showRunbook',
        'Show a runbook with its recent actions.',
        tag='runbooks',
        min_version=_V.MINOR_3_ALERTS,
        response=responses.RUNBOOK_DETAIL,
        path_params={'ident': IDENT},
    ),
    Operation(
        'put',
        '/v1/runbooks/{ident}',
        'updateRunbook',
        'Replace a runbook.',
        tag='runbooks',
        min_version=_V.MINOR_3_ALERTS,
        request=runbook_schema.RUNBOOK_WITH_UUID,
        response=responses.RUNBOOK,
        path_params={'ident': IDENT},
    ),
    Operation(
        'delete',
        '/v1/runbooks/{ident}',
        'deleteRunbook',
        'Delete a runbook.',
        tag='runbooks',
        min_version=_V.MINOR_3_ALERTS,
        status=204,
        path_params={'ident': IDENT},
    ),
    Operation(
        'post',
        '/v1/runbooks/{ident}/dry_run',
        'dryRunRunbook',
        'What the runbook would do now, without doing it.',
        tag='runbooks',
        min_version=_V.MINOR_3_ALERTS,
        response=responses.RUNBOOK_DRY_RUN,
        path_params={'ident': IDENT},
    ),
    # --- plans (1.7) ---
    Operation(
        'get',
        '/v1/plans',
        'listPlans',
        'List rolling maintenance plans.',
        tag='plans',
        min_version=_V.MINOR_8_PLANS,
        response=responses.collection('plans', responses.PLAN),
        query=paged(
            plan_api.FILTERS,
            plan_api.SORT_KEYS,
            {'state': states.PLAN_STATES},
        ),
    ),
    Operation(
        'post',
        '/v1/plans',
        'createPlan',
        'Create a plan over the hosts a selector names (with "dry_run": '
        'true, its order and waves, nothing recorded).',
        tag='plans',
        min_version=_V.MINOR_8_PLANS,
        request=plan_schema.CREATE,
        status=201,
        response={'oneOf': [responses.PLAN_DETAIL, responses.PLAN_DRY_RUN]},
        changes={
            _V.MINOR_10_PLAN_PROGRESS: 'selector "audit" (the hosts '
            'failing an audit rule), budget "capacity_headroom", and "eta" '
            'in the answer.'
        },
        links=_links(
            'uuid',
            '$response.body#/uuid',
            show='showPlan',
            extra=('pausePlan', 'resumePlan', 'cancelPlan'),
        ),
        description='A dry run answers 200 with the order and waves.',
    ),
    Operation(
        'get',
        '/v1/plans/{uuid}',
        'showPlan',
        'Show a plan, its hosts and its progress.',
        tag='plans',
        min_version=_V.MINOR_8_PLANS,
        response=responses.PLAN_DETAIL,
        changes={
            _V.MINOR_10_PLAN_PROGRESS: '"eta": remaining hosts and waves, '
            'and the ETA from measured migration times.'
        },
        path_params={'uuid': UUID},
    ),
    Operation(
        'post',
        '/v1/plans/{uuid}/pause',
        'pausePlan',
        'Pause a plan: nothing new starts, running hosts finish.',
        tag='plans',
        min_version=_V.MINOR_8_PLANS,
        response=responses.PLAN_DETAIL,
        path_params={'uuid': UUID},
    ),
    Operation(
        'post',
        '/v1/plans/{uuid}/resume',
        'resumePlan',
        'Resume a paused plan where it stopped.',
        tag='plans',
        min_version=_V.MINOR_8_PLANS,
        response=responses.PLAN_DETAIL,
        path_params={'uuid': UUID},
    ),
    Operation(
        'post',
        '/v1/plans/{uuid}/cancel',
        'cancelPlan',
        'Cancel a plan: its waiting runs are cancelled, running hosts finish.',
        tag='plans',
        min_version=_V.MINOR_8_PLANS,
        response=responses.PLAN_DETAIL,
        path_params={'uuid': UUID},
    ),
)

#: Version documents and this description: every microversion, public.
UNVERSIONED = (
    Operation(
        'get',
        '/',
        'listVersions',
        'Version discovery.',
        tag='versions',
        response=responses.ROOT,
        versioned=False,
    ),
    Operation(
        'get',
        '/v1/',
        'showVersion',
        'The v1 version document and its resources.',
        tag='versions',
        response=responses.V1,
    ),
    Operation(
        'get',
        '/v1/openapi.json',
        'showOpenAPI',
        'This OpenAPI description.',
        tag='versions',
        response={'type': 'object', 'required': ['openapi', 'paths']},
        versioned=False,
    ),
    Operation(
        'get',
        '/metrics',
        'showMetrics',
        'fleet\'s own metrics in Prometheus text format (any microversion).',
        tag='metrics',
        response={'type': 'string'},
        media_type=prometheus_client.CONTENT_TYPE_LATEST,
        versioned=False,
        description='Hosts, runs and alerts by state (counted by the '
        'database at scrape time) and the depth of the notification '
        'listeners\' RabbitMQ queues. A Keystone token that passes '
        '"fleet:metrics:get" (admin, fleet_observer), or '
        '"Authorization: Bearer <[metrics] scrape_token>" (401 when it is '
        'wrong). Each conductor serves its process counters (migrations '
        'and their durations, notification lag) on [metrics] '
        'conductor_port.',
    ),
)

# --- actions (1.4) ---
register(
    Operation(
        'get',
        '/v1/actions',
        'listActions',
        'List the executor actions of the catalog (and the definitions '
        'that failed to load, under errors).',
        tag='actions',
        min_version=_V.MINOR_4_ACTIONS,
        response=responses.ACTIONS,
    ),
    Operation(
        'get',
        '/v1/actions/{name}',
        'showAction',
        'Show an executor action and the JSON schema of its parameters.',
        tag='actions',
        min_version=_V.MINOR_4_ACTIONS,
        response=responses.ACTION,
        path_params={'name': IDENT},
    ),
)


# --- audits (1.6) ---
_PROFILE_QUERY = dict(
    paged(
        [f for f in audit_api.PROFILE_FILTERS if f != 'enabled'],
        audit_api.PROFILE_SORT_KEYS,
    ),
    enabled={'type': 'string', 'enum': list(runbook_api.BOOLEANS)},
)
_FINDING_QUERY = dict(
    paged(
        [
            f
            for f in audit_api.FINDING_FILTERS
            if f not in ('host', 'profile', 'since')
        ],
        audit_api.FINDING_SORT_KEYS,
        {'result': audit_rules.RESULTS, 'severity': audit_rules.SEVERITIES},
    ),
    host=dict(IDENT, description='host name or uuid'),
    profile=dict(IDENT, description='audit profile name or uuid'),
    since={
        'type': 'string',
        'format': 'date-time',
        'description': 'only findings checked at or after this time '
        '(ISO 8601, e.g. 2026-11-30T12:00:00Z)',
    },
)
register(
    Operation(
        'get',
        '/v1/hosts/{ident}/facts',
        'showHostFacts',
        'The facts last gathered from a host (404 if never).',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        response=responses.HOST_FACTS,
        path_params={'ident': IDENT},
    ),
    Operation(
        'post',
        '/v1/hosts/{ident}/facts',
        'gatherHostFacts',
        'Gather a host’s facts now, then audit it.',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        response=responses.HOST_FACTS_GATHERED,
        path_params={'ident': IDENT},
    ),
    Operation(
        'get',
        '/v1/audit_profiles',
        'listAuditProfiles',
        'List audit profiles.',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        response=responses.collection(
            'audit_profiles', responses.AUDIT_PROFILE
        ),
        query=_PROFILE_QUERY,
    ),
    Operation(
        'post',
        '/v1/audit_profiles',
        'createAuditProfile',
        'Create an audit profile (JSON, or YAML with Content-Type '
        'application/yaml).',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        request=audit_profiles.PROFILE,
        status=201,
        response=responses.AUDIT_PROFILE,
        links=_links(
            'ident',
            '$response.body#/uuid',
            show='showAuditProfile',
            update='updateAuditProfile',
            delete='deleteAuditProfile',
            extra=('showAuditProfileCompliance',),
        ),
    ),
    Operation(
        'get',
        '/v1/audit_profiles/export',
        'exportAuditProfiles',
        'The whole audit profile catalog.',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        response=responses.AUDIT_PROFILE_CATALOG,
    ),
    Operation(
        'post',
        '/v1/audit_profiles/import',
        'importAuditProfiles',
        'Create or replace audit profiles from a catalog (JSON, or YAML '
        'with Content-Type application/yaml).',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        request=audit_profiles.CATALOG,
        response=responses.AUDIT_PROFILES_IMPORTED,
    ),
    Operation(
        'get',
        '/v1/audit_profiles/{ident}',
        'showAuditProfile',
        'Show an audit profile.',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        response=responses.AUDIT_PROFILE,
        path_params={'ident': IDENT},
    ),
    Operation(
        'put',
        '/v1/audit_profiles/{ident}',
        'updateAuditProfile',
        'Replace an audit profile (JSON, or YAML with Content-Type '
        'application/yaml).',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        request=audit_profiles.PROFILE,
        response=responses.AUDIT_PROFILE,
        path_params={'ident': IDENT},
    ),
    Operation(
        'delete',
        '/v1/audit_profiles/{ident}',
        'deleteAuditProfile',
        'Delete an audit profile.',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        status=204,
        path_params={'ident': IDENT},
    ),
    Operation(
        'get',
        '/v1/audit_profiles/{ident}/compliance',
        'showAuditProfileCompliance',
        'Hosts per rule, result and availability zone.',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        response=responses.AUDIT_COMPLIANCE,
        path_params={'ident': IDENT},
    ),
    Operation(
        'post',
        '/v1/audits',
        'runAudit',
        'Audit now: the stored facts (200, the summary), or with "gather" '
        'the facts gathered first (202; watch the findings).',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        request=audit_api.RUN,
        request_required=False,
        response=responses.AUDIT_SUMMARY,
        other_responses={202: responses.AUDIT_ACCEPTED},
    ),
    Operation(
        'get',
        '/v1/findings',
        'listFindings',
        'List audit findings: the latest result of each rule on each host.',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        response=responses.collection('findings', responses.FINDING),
        query=_FINDING_QUERY,
    ),
    Operation(
        'get',
        '/v1/findings/{uuid}',
        'showFinding',
        'Show a finding with its changes of result.',
        tag='audits',
        min_version=_V.MINOR_6_AUDITS,
        response=responses.FINDING_DETAIL,
        path_params={'uuid': UUID},
    ),
)


TAGS = [
    ('versions', 'Version discovery and this description (no token).'),
    ('hosts', 'Physical resources of the fleet.'),
    ('executions', 'Maintenance runs (1.1).'),
    ('places', 'Regions, availability zones, cells, racks (1.2).'),
    ('capacity', 'Capacity and the Ansible inventory (1.2).'),
    ('alerts', 'Alerts and the Alertmanager webhook (1.3).'),
    ('runbooks', 'What fleet does about alerts (1.3).'),
    ('actions', 'The executor action catalog a run names (1.4).'),
    (
        'audits',
        'Host facts, audit profiles, audits and their findings (1.6).',
    ),
    ('metrics', 'fleet\'s own metrics for Prometheus (any microversion).'),
]


@functools.cache
def _template_re(path):
    # Called for every described path on every request (allowed_methods):
    # compile each once.
    pattern = re.sub(r'\\\{[^/]+?\\\}', '[^/]+', re.escape(path.rstrip('/')))
    return re.compile(f'^{pattern}/?$')


def allowed_methods(path):
    """The methods the description has for a concrete path (the
    ``Allow`` header of a 405), or None when no path matches."""
    exact, templated = set(), set()
    for op in list(UNVERSIONED) + OPERATIONS:
        if op.path.rstrip('/') == path.rstrip('/'):
            exact.add(op.method.upper())
        elif _template_re(op.path).match(path):
            templated.add(op.method.upper())
    # /v1/runbooks/export is itself, not a runbook named "export".
    found = exact or templated
    return ', '.join(sorted(found)) if found else None


def version_values(min_minor):
    """Values of OpenStack-API-Version that reach an operation."""
    values = [
        f'{versions.SERVICE_TYPE} 1.{minor}'
        for minor in range(min_minor, versions.MINOR_MAX_VERSION + 1)
    ]
    return values + [f'{versions.SERVICE_TYPE} latest']


def _parameter(name, where, schema, required=False):
    param = {
        'name': name,
        'in': where,
        'required': required,
        'schema': copy.deepcopy(schema),
    }
    if schema.get('type') == 'array':
        param['style'] = 'form'
        param['explode'] = True
    return param


def _operation(op, max_minor):
    body = {
        'operationId': op.operation_id,
        'summary': op.summary,
        'tags': [op.tag],
        'parameters': [],
    }
    description = op.description
    if op.versioned and op.min_version:
        description = (
            f'New in microversion 1.{op.min_version}; below it, 404.\n\n'
            + description
        )
    if description:
        body['description'] = description.strip()
    body['x-openstack-microversion'] = {
        'min_version': f'1.{op.min_version}',
        'max_version': f'1.{max_minor}',
    }
    if op.changes:
        body['x-openstack-microversion']['changes'] = {
            f'1.{minor}': text for minor, text in sorted(op.changes.items())
        }
    for name, schema in op.path_params.items():
        body['parameters'].append(_parameter(name, 'path', schema, True))
    for name, schema in op.query.items():
        param = _parameter(name, 'query', schema)
        if name in op.query_versions:
            param['x-openstack-microversion'] = {
                'min_version': f'1.{op.query_versions[name]}'
            }
        body['parameters'].append(param)
    if op.versioned:
        body['parameters'].append(
            _parameter(
                versions.HEADER,
                'header',
                {
                    'type': 'string',
                    'enum': version_values(op.min_version),
                    'description': 'The microversion: fleet 1.N; without '
                    'it, 1.0.',
                },
                # Optional where 1.0 has the operation (it is the
                # default); below an operation's first version, 404.
                required=op.min_version > versions.MINOR_MIN_VERSION,
            )
        )
    if op.request is not None:
        body['requestBody'] = {
            'required': op.request_required,
            'content': {
                'application/json': {'schema': copy.deepcopy(op.request)}
            },
        }
    success = {'description': op.summary}
    if op.response is not None:
        success['content'] = {
            op.media_type: {'schema': copy.deepcopy(op.response)}
        }
    if op.links:
        success['links'] = copy.deepcopy(op.links)
    body['responses'] = {
        str(op.status): success,
        **{
            str(status): {
                'description': op.summary,
                'content': {
                    'application/json': {'schema': copy.deepcopy(schema)}
                },
            }
            for status, schema in op.other_responses.items()
        },
        'default': {
            'description': 'An OpenStack API-SIG error document.',
            'content': {
                'application/json': {
                    'schema': {'$ref': '#/components/schemas/Fault'}
                }
            },
        },
    }
    if not body['parameters']:
        del body['parameters']
    return body


def build(server_url=None):
    """The OpenAPI 3.1 document.

    :param server_url: the API's root URL for ``servers`` (None: none).
    """
    max_minor = versions.MINOR_MAX_VERSION
    paths = {}
    for op in list(UNVERSIONED) + OPERATIONS:
        if op.min_version > max_minor:
            continue
        paths.setdefault(op.path, {})[op.method] = _operation(op, max_minor)
    doc = {
        'openapi': '3.1.0',
        'info': {
            'title': 'OpenStack fleet API',
            'version': versions.MAX_VERSION_STRING,
            'description': (
                'Inventory, audits and automated maintenance of the '
                'physical fleet of an OpenStack cloud. Microversions '
                f'{versions.MIN_VERSION_STRING} to '
                f'{versions.MAX_VERSION_STRING} through the '
                f'{versions.HEADER} header; each operation gives its '
                'first microversion in x-openstack-microversion. Every '
                'error is an OpenStack API-SIG error document.'
            ),
        },
        'jsonSchemaDialect': 'https://json-schema.org/draft/2020-12/schema',
        'tags': [{'name': n, 'description': d} for n, d in TAGS],
        'paths': paths,
        'components': {
            'schemas': {'Fault': copy.deepcopy(responses.FAULT)},
            'securitySchemes': {
                'keystone': {
                    'type': 'apiKey',
                    'in': 'header',
                    'name': 'X-Auth-Token',
                    'description': 'A Keystone token (unless the '
                    'deployment runs [api] auth_strategy = noauth).',
                }
            },
        },
    }
    if server_url:
        doc['servers'] = [{'url': server_url.rstrip('/')}]
    return doc


if __name__ == '__main__':
    import json
    import sys

    json.dump(build(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write('\n')
