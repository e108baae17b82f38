"""Helpers shared by the v1 controllers: query validation, pagination,
body validation and microversion checks."""

import urllib.parse

import jsonschema
from oslo_config import cfg
from oslo_utils import uuidutils
import pecan

from fleet.api import hygiene
from fleet.api.controllers.v1 import versions
from fleet.common import exception

CONF = cfg.CONF

PAGINATION_PARAMS = ('limit', 'marker', 'sort_key', 'sort_dir')


def check_query(params, allowed, paged=True):
    """Reject query parameters the resource does not know.

    :param paged: whether limit/marker/sort_key/sort_dir are allowed too.
    :raises: InvalidParameterValue
    """
    known = set(allowed) | (set(PAGINATION_PARAMS) if paged else set())
    unknown = sorted(set(params) - known)
    if unknown:
        raise exception.InvalidParameterValue(
            err=f'Unknown query parameter(s): {", ".join(unknown)}. '
            f'Allowed: {", ".join(sorted(known))}.'
        )


def pagination(params, sort_keys):
    """Validate limit/marker/sort_key/sort_dir.

    :returns: dict of keyword arguments for the db list call.
    :raises: InvalidParameterValue, InvalidUUID
    """
    limit = params.get('limit')
    if limit is None:
        limit = CONF.api.default_limit
    else:
        # Above [api] max_limit a limit is reduced to it, as in nova and
        # ironic; below 1 or beyond 64 bits it is an error.
        limit = min(
            hygiene.parse_int('limit', limit, minimum=1), CONF.api.max_limit
        )
    marker = params.get('marker')
    if marker is not None and not uuidutils.is_uuid_like(marker):
        raise exception.InvalidUUID(uuid=marker)
    sort_key = params.get('sort_key', 'id')
    if sort_key not in sort_keys:
        raise exception.InvalidParameterValue(
            err=f'Cannot sort by {sort_key!r}; sort_key may be one of: '
            f'{", ".join(sort_keys)}.'
        )
    sort_dir = params.get('sort_dir', 'asc')
    if sort_dir not in ('asc', 'desc'):
        raise exception.InvalidParameterValue(
            err=f'sort_dir must be "asc" or "desc", got {sort_dir!r}.'
        )
    return {
        'limit': limit,
        'marker': marker,
        'sort_key': sort_key,
        'sort_dir': sort_dir,
    }


def next_link(collection, items, limit, resource, params):
    """URL of the next page, or None on the last page."""
    if len(items) < limit:
        return None
    query = {k: v for k, v in params.items() if k != 'marker'}
    query['limit'] = limit
    query['marker'] = items[-1]['uuid']
    # Filter values are the client's own text: encode them, or a value
    # holding "&" or a space breaks the link. A repeated parameter
    # (label, metric) is a list: one pair per value, not its repr.
    qs = urllib.parse.urlencode(query, doseq=True)
    return f'{pecan.request.application_url}/v1/{resource}?{qs}'


def validate_body(schema, body):
    """Check a request body against a jsonschema.

    :raises: Invalid with a message naming the offending field.
    """
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(body), key=lambda e: e.path)
    if errors:
        error = errors[0]
        where = '/'.join(str(p) for p in error.absolute_path)
        prefix = f'Field "{where}": ' if where else ''
        raise exception.Invalid(reason=prefix + error.message)


def request_json():
    """The request body as JSON.

    :raises: Invalid if it is not strict JSON (see
        :func:`fleet.api.hygiene.loads`).
    """
    try:
        return pecan.request.json
    except ValueError as e:
        raise exception.Invalid(
            reason=f'{e}: send a JSON document (Content-Type: '
            f'application/json).'
        ) from e


def isoformat(value):
    return value.isoformat() + 'Z' if value is not None else None


def self_links(collection, uuid, url=None):
    """The ``links`` of a resource: its own URL under /v1/<collection>.

    :param url: the application URL; a list passes it once for all its
        items (pecan's request proxy costs ~20 us an access).
    """
    if url is None:
        url = pecan.request.application_url
    return [{'rel': 'self', 'href': f'{url}/v1/{collection}/{uuid}'}]


def allow_executions():
    """Whether the request's version has /v1/executions (1.1)."""
    version = getattr(pecan.request, 'version', None)
    return version is not None and version.as_tuple() >= (
        1,
        versions.MINOR_1_EXECUTIONS,
    )


def allow_alerts():
    """Whether the request's version has /v1/alerts, /v1/runbooks and the
    approve / reject actions of executions (1.3)."""
    version = getattr(pecan.request, 'version', None)
    return version is not None and version.as_tuple() >= (
        1,
        versions.MINOR_3_ALERTS,
    )


def allow_host_release():
    """Whether the request's version has the hosts' release action
    (1.5)."""
    version = getattr(pecan.request, 'version', None)
    return version is not None and version.as_tuple() >= (
        1,
        versions.MINOR_5_HOST_RELEASE,
    )


def allow_host_metrics():
    """Whether the request's version has the hosts' metrics (1.7)."""
    version = getattr(pecan.request, 'version', None)
    return version is not None and version.as_tuple() >= (
        1,
        versions.MINOR_7_HOST_METRICS,
    )


def allow_host_metric_list():
    """Whether the request's version filters and sorts the host list on
    metrics (1.9)."""
    version = getattr(pecan.request, 'version', None)
    return version is not None and version.as_tuple() >= (
        1,
        versions.MINOR_9_HOST_METRIC_LIST,
    )


def allow_plans():
    """Whether the request's version has /v1/plans (1.8)."""
    version = getattr(pecan.request, 'version', None)
    return version is not None and version.as_tuple() >= (
        1,
        versions.MINOR_8_PLANS,
    )


def allow_plan_progress():
    """Whether the request's version has plans' audit selector,
    ``capacity_headroom`` budget and ``eta`` (1.10)."""
    version = getattr(pecan.request, 'version', None)
    return version is not None and version.as_tuple() >= (
        1,
        versions.MINOR_10_PLAN_PROGRESS,
    )


def allow_inventory():
    """Whether the request's version has /v1/places, /v1/capacity,
    /v1/inventory/ansible and the hosts' instances, variables, history
    and replace (1.2)."""
    version = getattr(pecan.request, 'version', None)
    return version is not None and version.as_tuple() >= (
        1,
        versions.MINOR_2_INVENTORY,
    )


def check_inventory_version():
    """:raises: NotFound below 1.2, as a resource that does not exist."""
    if not allow_inventory():
        raise exception.NotFound(
            'This inventory resource needs API version 1.2 or later '
            '(header "OpenStack-API-Version: fleet 1.2").'
        )


def key_values(params, name):
    """``name=k=v`` query parameters (repeatable) as {k: v}; ``name=k``
    alone matches any value (None).

    :raises: InvalidParameterValue
    """
    raw = params.get(name)
    if raw is None:
        return {}
    if isinstance(raw, str):
        raw = [raw]
    result = {}
    for item in raw:
        key, sep, value = item.partition('=')
        if not key:
            raise exception.InvalidParameterValue(
                err=f'{name} must be "key=value" or "key", got {item!r}.'
            )
        result[key] = value if sep else None
    return result


def allow_actions():
    """Whether the request's version has /v1/actions and runs that name
    an action (1.4)."""
    version = getattr(pecan.request, 'version', None)
    return version is not None and version.as_tuple() >= (
        1,
        versions.MINOR_4_ACTIONS,
    )


def allow_audits():
    """Whether the request's version has host facts, audit profiles,
    audits and findings (1.6)."""
    version = getattr(pecan.request, 'version', None)
    return version is not None and version.as_tuple() >= (
        1,
        versions.MINOR_6_AUDITS,
    )


def check_audits_version():
    """:raises: NotFound below 1.6, as a resource that does not exist."""
    if not allow_audits():
        raise exception.NotFound(
            'Facts, audit profiles, audits and findings need API version '
            '1.6 or later (header "OpenStack-API-Version: fleet 1.6").'
        )
