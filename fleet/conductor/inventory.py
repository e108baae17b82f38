"""Full inventory sync: merge what every enabled inventory driver reports.

Drivers are merged in the order ``[drivers] inventory`` lists them: the
first driver that reports a host owns it (its ``source``); later drivers
only fill in keys the earlier ones left empty, and add labels and
variables the earlier ones did not set. A host a driver reported before
and no longer reports is left in place (a host does not vanish from the
record because one API call missed it) but marked ``facts.stale = true``.

Labels and variables a driver reports are merged over what the host has,
so keys an operator set through the API survive a sync.

A driver whose hosts carry ``instances`` (and whose class sets
``reports_instances``) owns the instances it reports: one it no longer
reports is forgotten. Places (regions, cells, racks, ...) a driver lists
through ``list_places()`` are created or updated the same way.

Every host change is written with a history line of source ``sync``.

Usage::

    from fleet.conductor import inventory
    inventory.sync()   # {'created': 1, 'updated': 0, 'stale': 0, ...}
"""

import threading
import time

from oslo_log import log

from fleet.common import exception
from fleet.common import nova
from fleet.common import states
from fleet.db import api as db_api
from fleet.drivers import factory
from fleet.inventory import capacity

LOG = log.getLogger(__name__)

#: Keys an inventory driver may set; anything else it returns is ignored.
SYNCED_KEYS = (
    'kind',
    'region',
    'cell',
    'availability_zone',
    'rack',
    'hardware_id',
    'serial',
    'facts',
    'nova_service_id',
    'nova_service_state',
    'nova_service_status',
    'nova_disabled_reason',
)
#: Dict keys merged key by key over the host's own.
MERGED_KEYS = ('labels', 'variables')
INSTANCE_KEYS = (
    'name',
    'status',
    'task_state',
    'project_id',
    'flavor',
    'vcpus',
    'memory_mb',
    'disk_gb',
    'server_group',
    'server_group_policy',
)
_EMPTY = (None, {}, '')
SYNC_HISTORY = {'source': 'sync', 'actor': 'fleet-conductor'}


def _merge(reports):
    """Merge driver reports into {host name: values}.

    :param reports: [(source, [host dict, ...]), ...] in priority order.
    """
    merged = {}
    for source, hosts in reports:
        for host in hosts:
            entry = merged.setdefault(host['name'], {'source': source})
            for key in SYNCED_KEYS:
                if entry.get(key) in _EMPTY and host.get(key) not in _EMPTY:
                    entry[key] = host[key]
            for key in MERGED_KEYS:
                if host.get(key):
                    entry[key] = dict(host[key], **entry.get(key, {}))
    return merged


def _merge_instances(reports, drivers):
    """{uuid: values} of every instance reported, and the sources that
    own their instances."""
    instances = {}
    sources = []
    for source, hosts in reports:
        if not getattr(drivers[source], 'reports_instances', False):
            continue
        sources.append(source)
        for host in hosts:
            for inst in host.get('instances') or ():
                if inst['uuid'] in instances:
                    continue
                values = {k: inst.get(k) for k in INSTANCE_KEYS}
                values.update(host=host['name'], source=source)
                instances[inst['uuid']] = values
    return instances, sources


def _sync_places(dbapi, drivers):
    counts = {'created': 0, 'updated': 0}
    existing = {(p['kind'], p['name']): p for p in dbapi.list_places()}
    for source, driver in drivers.items():
        for place in driver.list_places():
            key = (place['kind'], place['name'])
            current = existing.get(key)
            if current is None:
                existing[key] = dbapi.create_place(dict(place, source=source))
                counts['created'] += 1
                continue
            changes = {}
            for field in MERGED_KEYS:
                merged = dict(current[field], **(place.get(field) or {}))
                if merged != current[field]:
                    changes[field] = merged
            for field in ('description', 'parent_uuid'):
                if place.get(field) and place[field] != current[field]:
                    changes[field] = place[field]
            if changes:
                existing[key] = dbapi.update_place(current['uuid'], changes)
                counts['updated'] += 1
    return counts


def _changes(current, values):
    changes = {}
    for key, value in values.items():
        if key == 'facts':
            value = dict(current['facts'], **value)
        elif key in MERGED_KEYS:
            value = dict(current[key], **value)
        if current.get(key) != value:
            changes[key] = value
    return changes


def sync():
    """Bring hosts, instances and places in line with the drivers.

    :returns: counts: ``created``, ``updated``, ``stale`` hosts,
        ``instances`` ({created, updated, deleted}), ``places``
        ({created, updated}) and ``seconds``.
    """
    started = time.monotonic()
    dbapi = db_api.get_instance()
    drivers = factory.get_drivers('inventory')
    reports = [(name, driver.list_hosts()) for name, driver in drivers.items()]
    merged = _merge(reports)
    counts = {'created': 0, 'updated': 0, 'stale': 0}
    current = {h['name']: h for h in dbapi.list_hosts()}
    new = []
    for name, values in merged.items():
        values['facts'] = dict(values.get('facts') or {}, stale=False)
        host = current.get(name)
        if host is None:
            new.append(dict(values, name=name))
            continue
        changes = _changes(host, values)
        if changes:
            try:
                dbapi.update_host(host['uuid'], changes, history=SYNC_HISTORY)
            except exception.HostNotFound:
                continue
            counts['updated'] += 1
    if new:
        counts['created'] = dbapi.create_hosts(new, history=SYNC_HISTORY)
    sources = {name for name, _ in reports}
    for host in current.values():
        if (
            host['source'] in sources
            and host['name'] not in merged
            and not host['facts'].get('stale')
        ):
            dbapi.update_host(
                host['uuid'],
                {'facts': dict(host['facts'], stale=True)},
                history=dict(SYNC_HISTORY, reason='no longer reported'),
            )
            counts['stale'] += 1
    instances, owners = _merge_instances(reports, drivers)
    counts['instances'] = dbapi.sync_instances(instances, owners)
    counts['places'] = _sync_places(dbapi, drivers)
    try:
        counts['held'] = hold_services()
    except Exception:
        # The record is synced; the services are put right next time.
        LOG.exception('Cannot bring held hosts\' nova-compute in line.')
    counts['seconds'] = round(time.monotonic() - started, 3)
    LOG.info(
        'Inventory sync in %(seconds)ss: %(created)d created, %(updated)d '
        'updated, %(stale)d no longer reported; instances %(instances)s; '
        'places %(places)s.',
        counts,
    )
    return counts


def add_host_to_aggregates(host, aggregates):
    """Add ``host`` to the Nova aggregates named ``aggregates``.

    Without the ``nova`` inventory driver there are no aggregates: nothing
    is done. The result is recorded in the host's history.

    :returns: names of the aggregates the host was added to.
    :raises: ComputeError
    """
    if 'nova' not in factory.get_drivers('inventory') or not aggregates:
        return []
    adapter = nova.get_adapter()
    wanted = set(aggregates)
    added = []
    for agg in adapter.list_aggregates():
        if agg['name'] in wanted:
            adapter.add_host_to_aggregate(agg['id'], host)
            added.append(agg['name'])
    dbapi = db_api.get_instance()
    try:
        current = dbapi.get_host(host)
    except exception.HostNotFound:
        return added
    facts = dict(current['facts'])
    facts['aggregates'] = sorted(
        set(facts.get('aggregates') or []) | set(added)
    )
    dbapi.update_host(
        current['uuid'],
        {'facts': facts},
        history=dict(
            SYNC_HISTORY, reason='aggregates of the host it replaces'
        ),
    )
    return added


def _hold_one(dbapi, compute, host, service):
    """Disable or re-enable one host's nova-compute as its fleet state
    says; returns 'disabled', 'enabled' or None (nothing to do)."""
    reason = service.get('disabled_reason')
    if capacity.held(host):
        wanted = capacity.held_reason(host['state'])
        if service['status'] == 'enabled':
            compute.disable_service(host['name'], wanted)
            action = 'disabled'
        elif capacity.is_held_reason(reason) and reason != wanted:
            # Still fleet's, for another state (maintenance -> retired).
            compute.disable_service(host['name'], wanted)
            action = 'disabled'
        else:
            # Disabled by a run or a human: their reason stays.
            return None
        values = {
            'nova_service_status': 'disabled',
            'nova_disabled_reason': wanted,
        }
        why = f'fleet holds the host ({host["state"]}): never a destination'
    elif (
        host['state'] == states.HOST_ACTIVE
        and service['status'] == 'disabled'
        and capacity.is_held_reason(reason)
    ):
        # Only fleet's own "held" reason is lifted: a service someone
        # else disabled stays disabled.
        compute.enable_service(host['name'])
        action = 'enabled'
        values = {
            'nova_service_status': 'enabled',
            'nova_disabled_reason': None,
        }
        why = 'fleet returned the host to active'
    else:
        return None
    LOG.info(
        'nova-compute on %(host)s %(action)s: %(why)s.',
        {'host': host['name'], 'action': action, 'why': why},
    )
    try:
        dbapi.update_host(
            host['uuid'],
            values,
            history={
                'source': 'conductor',
                'actor': 'fleet-conductor',
                'reason': f'nova-compute {action}: {why}',
            },
        )
    except exception.HostNotFound:
        pass
    return action


def hold_services(host=None):
    """Keep the nova-compute of every compute host fleet holds out of
    service (see :data:`fleet.inventory.capacity.HELD_STATES`) disabled,
    with the reason ``fleet: host <state>``; re-enable one returned to
    ``active`` only when that reason is still fleet's own.

    A host held by a run is left to the run, which disables and enables
    its service itself. Called after each inventory sync and, for one
    host, when its state changes through the API.

    :param host: a host name or uuid; None for every compute host.
    :returns: ``{'disabled': n, 'enabled': n}``.
    """
    dbapi = db_api.get_instance()
    compute = factory.get_compute()
    if host is not None:
        hosts = [dbapi.get_host(host)]
    else:
        hosts = dbapi.list_hosts(filters={'kind': 'compute'})
    hosts = [
        h
        for h in hosts
        if h['kind'] == 'compute' and not h.get('execution_uuid')
    ]
    counts = {'disabled': 0, 'enabled': 0}
    if not hosts:
        return counts
    if host is not None:
        try:
            services = {
                hosts[0]['name']: compute.get_service(hosts[0]['name'])
            }
        except exception.HostNotFound:
            return counts
    else:
        services = {s['host']: s for s in compute.list_services()}
    for record in hosts:
        service = services.get(record['name'])
        if service is None:
            continue
        try:
            action = _hold_one(dbapi, compute, record, service)
        except exception.FleetException as e:
            LOG.warning(
                'Cannot bring nova-compute on %s in line with its fleet '
                'state %s: %s',
                record['name'],
                record['state'],
                e,
            )
            continue
        if action:
            counts[action] += 1
    return counts


_HELD_CHECK = {'at': None}
_HELD_CHECK_LOCK = threading.Lock()


def ensure_held_services(dbapi, max_age=30.0):
    """The check a run makes before each migration: every host fleet
    holds out of service must have its nova-compute disabled, so that
    Nova's scheduler never picks it as a destination.

    One DB query; when fleet holds a host, the full :func:`hold_services`
    pass (one os-services listing) runs at most once per ``max_age``
    seconds per conductor, however many migrations are under way.

    :param dbapi: a :class:`fleet.db.api.Connection`.
    :param max_age: seconds between two os-services passes.
    :returns: the names of the held compute hosts.
    """
    held = capacity.held_hosts(dbapi)
    if not held:
        return held
    with _HELD_CHECK_LOCK:
        now = time.monotonic()
        last = _HELD_CHECK['at']
        if last is not None and now - last < max_age:
            return held
        _HELD_CHECK['at'] = now
    try:
        counts = hold_services()
    except exception.FleetException as e:
        LOG.warning('Cannot check the services of held hosts: %s', e)
    else:
        if counts['disabled']:
            LOG.warning(
                'Disabled nova-compute on %d held host(s) found enabled '
                'before a migration.',
                counts['disabled'],
            )
    return held
