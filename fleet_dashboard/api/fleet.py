"""fleet's REST API for Horizon, with the logged-in user's token.

Every call finds fleet's endpoint in the service catalog of the user's
token (service type ``fleet``, Horizon's ``OPENSTACK_ENDPOINT_TYPE`` and
region) and sends the user's token, so fleet's own RBAC decides what the
user may see and do. Requests carry ``OpenStack-API-Version: fleet 1.8``
(facts, audits and findings are 1.6, host metrics 1.7, plans 1.8); a plan
whose selector names a failing audit rule is created at 1.10, the version
that added it.

The functions return plain dicts, as the API shows them. Failures are
:class:`FleetError` subclasses that ``horizon.exceptions.handle`` knows,
so it shows fleet's one-line message (e.g. "Host c1 is already held by
run ... (HTTP 409)") instead of a traceback; a 401 logs the user out as
for any other service.
"""

import logging

from django.conf import settings
from horizon import exceptions as horizon_exc
from keystoneauth1 import session as ksa_session
from keystoneauth1 import token_endpoint
from openstack_dashboard.api import base

from fleet.client import client as fleet_client
from fleet.client import exceptions as client_exc

LOG = logging.getLogger(__name__)

SERVICE_TYPE = 'fleet'
#: The API version the dashboard is written against (1.6: facts and
#: findings, 1.7: host metrics, 1.8: plans).
API_VERSION = '1.8'
#: The version of a plan selector by failing audit rule (``selector.audit``).
PLAN_AUDIT_SELECTOR_VERSION = '1.10'
#: What a runbook's PUT takes: its own fields, not the read-only ones.
RUNBOOK_FIELDS = (
    'name',
    'description',
    'enabled',
    'match',
    'threshold',
    'cooldown',
    'remediation',
    'approval',
    'limits',
)
TIMEOUT = 30


class FleetError(horizon_exc.HorizonException):
    """A fleet API error: ``str()`` is fleet's own one-line message."""

    def __init__(self, message, status_code=None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code

    def __str__(self):
        return self.message


# horizon.exceptions.handle() shows a "recoverable" error as a message
# (BadRequest, NotAvailable are in its list); NotAuthorized logs out.


class FleetRequestError(FleetError, horizon_exc.BadRequest):
    """fleet refused the request (4xx): bad input, busy host, policy."""


class FleetNotFound(FleetRequestError):
    pass


class FleetUnavailable(FleetError, horizon_exc.NotAvailable):
    """fleet failed (5xx) or could not be reached."""


class FleetUnauthorized(FleetError, horizon_exc.NotAuthorized):
    """The token was refused (401): Horizon logs the user out."""


def _translate(error):
    status = error.status_code
    if status == 401:
        cls = FleetUnauthorized
    elif status == 404:
        cls = FleetNotFound
    elif status is not None and 400 <= status < 500:
        cls = FleetRequestError
    else:
        cls = FleetUnavailable
    return cls(str(error), status)


def _client(endpoint, token, insecure, cacert, api_version=API_VERSION):
    verify = False if insecure else (cacert or True)
    sess = ksa_session.Session(
        auth=token_endpoint.Token(endpoint, token), verify=verify
    )
    return fleet_client.Client(
        session=sess,
        endpoint=endpoint,
        api_version=api_version,
        timeout=TIMEOUT,
    )


def fleetclient(request, api_version=API_VERSION):
    """A fleet client for ``request``'s user, found in the catalog."""
    endpoint = base.url_for(request, SERVICE_TYPE)
    return _client(
        endpoint,
        request.user.token.id,
        getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False),
        getattr(settings, 'OPENSTACK_SSL_CACERT', None),
        api_version=api_version,
    )


def _call(request, fn, api_version=API_VERSION):
    try:
        return fn(fleetclient(request, api_version=api_version))
    except client_exc.FleetClientError as e:
        LOG.info('fleet API call failed: %s', e)
        raise _translate(e) from e


# Hosts


def host_list(request, **filters):
    filters = {k: v for k, v in filters.items() if v not in (None, '')}
    return _call(request, lambda c: c.hosts.list(**filters))


def host_get(request, ident):
    return _call(request, lambda c: c.hosts.get(ident))


def host_history(request, ident, limit=50):
    return _call(request, lambda c: c.hosts.history(ident, limit=limit))


def host_release(request, ident, reason=None):
    return _call(request, lambda c: c.hosts.release(ident, reason=reason))


def host_manage(request, ident, reason=None):
    return _call(request, lambda c: c.hosts.manage(ident, reason=reason))


def host_unmanage(request, ident, reason):
    return _call(request, lambda c: c.hosts.unmanage(ident, reason=reason))


def instance_counts(request):
    """``{host name: instances}`` of the compute hosts, from one
    ``GET /v1/capacity``."""
    body = _call(request, lambda c: c.capacity.get())
    return {row['name']: row.get('instances') for row in body.get('hosts', [])}


# Runs


def execution_list(request, **filters):
    filters = {k: v for k, v in filters.items() if v not in (None, '')}
    return _call(
        request,
        lambda c: c.executions.list(
            sort_key='created_at', sort_dir='desc', **filters
        ),
    )


def execution_get(request, uuid):
    return _call(request, lambda c: c.executions.get(uuid))


def execution_create(request, host, kind=None, **fields):
    fields = {k: v for k, v in fields.items() if v not in (None, '')}
    return _call(
        request, lambda c: c.executions.create(host, kind=kind, **fields)
    )


def execution_cancel(request, uuid):
    return _call(request, lambda c: c.executions.cancel(uuid))


def execution_approve(request, uuid):
    return _call(request, lambda c: c.executions.approve(uuid))


def execution_reject(request, uuid, reason=None):
    return _call(request, lambda c: c.executions.reject(uuid, reason=reason))


def action_list(request):
    return _call(request, lambda c: c.actions.list())


# Alerts and runbooks


def alert_list(request, **filters):
    filters = {k: v for k, v in filters.items() if v not in (None, '')}
    return _call(request, lambda c: c.alerts.list(**filters))


def alert_acknowledge(request, uuid, comment=None):
    return _call(
        request, lambda c: c.alerts.acknowledge(uuid, comment=comment)
    )


def alert_silence(request, uuid, reason, duration=None):
    return _call(
        request, lambda c: c.alerts.silence(uuid, reason, duration=duration)
    )


def alert_unsilence(request, uuid):
    return _call(request, lambda c: c.alerts.unsilence(uuid))


def runbook_list(request):
    return _call(request, lambda c: c.runbooks.list())


def runbook_get(request, ident):
    return _call(request, lambda c: c.runbooks.get(ident))


def runbook_set_enabled(request, ident, enabled):
    """Enable or disable a runbook: fleet's API replaces a runbook whole
    (PUT), so this reads it and writes it back with ``enabled`` changed.
    Two operators changing the same runbook at once: the last write wins,
    as with ``openstack fleet runbook set``."""

    def call(c):
        runbook = c.runbooks.get(ident)
        body = {
            k: runbook[k] for k in RUNBOOK_FIELDS if runbook.get(k) is not None
        }
        body['enabled'] = bool(enabled)
        return c.runbooks.replace(runbook['uuid'], body)

    return _call(request, call)


def runbook_dry_run(request, ident):
    """``{'runbook': name, 'decisions': [...]}``: what the runbook would
    do now about every firing alert, without doing it."""
    return _call(request, lambda c: c.runbooks.dry_run(ident))


# Audits (1.6) and metrics (1.7)


def host_facts(request, ident):
    """The host's last gathered facts, or None when none were gathered
    yet (fleet answers 404 then, as for an unknown host: the host itself
    was read first by the caller)."""
    try:
        return _call(request, lambda c: c.host_facts.get(ident))
    except FleetNotFound:
        return None


def finding_list(request, **filters):
    filters = {k: v for k, v in filters.items() if v not in (None, '')}
    return _call(request, lambda c: c.findings.list(**filters))


def finding_get(request, uuid):
    """One finding with its ``history`` (every change of its result)."""
    return _call(request, lambda c: c.findings.get(uuid))


def audit_profile_list(request, **filters):
    filters = {k: v for k, v in filters.items() if v not in (None, '')}
    return _call(request, lambda c: c.audit_profiles.list(**filters))


def audit_profile_get(request, ident):
    return _call(request, lambda c: c.audit_profiles.get(ident))


def audit_profile_compliance(request, ident):
    """``{'profile', 'uuid', 'totals': {result: hosts}, 'rules': [{'rule',
    'severity', 'hosts': {result: n}, 'availability_zones': {az: {result:
    n}}}]}``: the hosts per rule, result and availability zone."""
    return _call(request, lambda c: c.audit_profiles.compliance(ident))


def audit_run(request, hosts=None, profiles=None, gather=False):
    """Audit now (``POST /v1/audits``): the summary (``hosts``,
    ``profiles`` with counts per result, ``changes``); with ``gather``,
    ``{'accepted': True, ...}`` (the conductor gathers the facts first)."""
    return _call(
        request,
        lambda c: c.audits.run(hosts=hosts, profiles=profiles, gather=gather),
    )


def host_metrics(request, ident):
    return _call(
        request,
        lambda c: c.get_json(
            f'/v1/hosts/{ident}/metrics',
            min_version=(1, 7),
            what='Host metrics',
        ).get('metrics', []),
    )


# Plans (1.8)


def plan_list(request, **filters):
    filters = {k: v for k, v in filters.items() if v not in (None, '')}
    return _call(
        request,
        lambda c: c.plans.list(
            sort_key='created_at', sort_dir='desc', **filters
        ),
    )


def plan_get(request, uuid):
    return _call(request, lambda c: c.plans.get(uuid))


def plan_create(request, body):
    """Create a plan from ``body`` (``POST /v1/plans``); with
    ``"dry_run": true``, its order, waves and ETA, recording nothing. A
    selector by failing audit rule needs API 1.10."""
    version = (
        PLAN_AUDIT_SELECTOR_VERSION
        if 'audit' in (body.get('selector') or {})
        else API_VERSION
    )
    return _call(request, lambda c: c.plans.create(body), api_version=version)


def plan_pause(request, uuid):
    return _call(request, lambda c: c.plans.pause(uuid))


def plan_resume(request, uuid):
    return _call(request, lambda c: c.plans.resume(uuid))


def plan_cancel(request, uuid):
    return _call(request, lambda c: c.plans.cancel(uuid))
