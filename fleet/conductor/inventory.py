"""Inventory sync: merge what every enabled inventory driver reports.

A sync is full or incremental. A full sync lists every host and every
instance; an incremental one lists the hosts (briefly: a driver may
leave out what is costly to read, such as the nova driver's capacity)
and only the instances changed since the previous sync's start, less
``[inventory] sync_clock_skew`` (Nova's ``changes-since``: deleted
servers come back too, and are forgotten). The start of the last
successful sync, the high-water mark, is kept in the database
(``sync_state``), so it survives a restart and a change of the leading
conductor; it moves only once every page is written. A full sync runs
at the conductor's start, when asked through the API, when no sync
succeeded yet, when a driver cannot list changes, and every ``[conductor]
inventory_full_sync_interval`` seconds to repair drift (a deletion Nova
archived before a sync saw it). Instances are read and written page by
page (``[inventory] sync_page_size``): the conductor never holds the
cloud's instances at once, only, in a full sync, the set of uuids seen.

Drivers are merged in the order ``[drivers] inventory`` lists them: the
first driver that reports a host owns it (its ``source``); later drivers
only fill in keys the earlier ones left empty, and add labels and
variables the earlier ones did not set. A host a driver reported before
and no longer reports is left in place (a host does not vanish from the
record because one API call missed it) but marked ``facts.stale = true``.

Labels and variables a driver reports are merged over what the host has,
so keys an operator set through the API survive a sync.

A driver whose class sets ``reports_instances`` owns the instances it
reports (:meth:`~fleet.drivers.base.InventoryDriver.list_instances`):
one it no longer reports in a full sync is forgotten, one it reports
deleted or on no host is forgotten at once. Places (regions, cells,
racks, ...) a driver lists through ``list_places()`` are created or
updated the same way.

Every host change is written with a history line of source ``sync``.

Usage::

    from fleet.conductor import inventory
    inventory.sync()           # incremental if it can, full when due
    inventory.sync(full=True)  # {'full': True, 'created': 1, ...}
"""

import datetime
import threading
import time

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils

from fleet.common import exception
from fleet.common import nova
from fleet.common import states
from fleet.db import api as db_api
from fleet.drivers import factory
from fleet.inventory import capacity

CONF = cfg.CONF
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


_SYNC_LOCK = threading.Lock()
#: The sync's row in the sync_state table.
SYNC_NAME = 'inventory'


def sync(full=None):
    """Bring hosts, instances and places in line with the drivers.

    One sync at a time per conductor; the periodic one runs on the
    leading conductor only (:meth:`ConductorManager.once_per_cloud`).

    :param full: True: list every instance; False: only those changed
        since the last sync (where every instance-reporting driver
        allows it); None: incremental unless no sync succeeded yet, a
        driver cannot, or the last full sync is older than ``[conductor]
        inventory_full_sync_interval``.
    :returns: counts: ``full`` (which it was), ``created``, ``updated``,
        ``stale`` hosts, ``instances`` ({created, updated, deleted}),
        ``places`` ({created, updated}), ``seconds`` and ``phases``
        (seconds spent on hosts, instances, places, held services).
    """
    with _SYNC_LOCK:
        return _sync(full)


def _can_increment(state, drivers):
    """An incremental sync needs a mark and drivers that honour it."""
    return (
        state is not None
        and state['synced_at'] is not None
        and all(
            getattr(d, 'instance_changes', False)
            for d in drivers.values()
            if getattr(d, 'reports_instances', False)
        )
    )


def _full_due(state, now):
    last = state['full_synced_at']
    interval = CONF.conductor.inventory_full_sync_interval
    return last is None or (now - last).total_seconds() >= interval


def _sync(full):
    started = time.monotonic()
    # The new high-water mark: what changes after this instant, the next
    # incremental sync asks for (less the clock skew margin).
    now = timeutils.utcnow()
    dbapi = db_api.get_instance()
    drivers = factory.get_drivers('inventory')
    state = dbapi.get_sync_state(SYNC_NAME)
    if not _can_increment(state, drivers):
        full = True
    elif full is None:
        full = _full_due(state, now)
    counts = {'full': full}
    phases = counts['phases'] = {}

    last = [started]

    def phase(name):
        end = time.monotonic()
        phases[name] = round(end - last[0], 3)
        last[0] = end

    counts.update(_sync_hosts(dbapi, drivers, full))
    phase('hosts')
    if full:
        counts['instances'] = _sync_instances_full(dbapi, drivers)
    else:
        since = state['synced_at'] - datetime.timedelta(
            seconds=CONF.inventory.sync_clock_skew
        )
        counts['instances'] = _sync_instances_since(dbapi, drivers, since)
    phase('instances')
    counts['places'] = _sync_places(dbapi, drivers)
    # Only now, with every page written: a failure above keeps the old
    # mark, and the next sync asks again from there.
    dbapi.set_sync_state(SYNC_NAME, now, full=full)
    phase('places')
    try:
        counts['held'] = hold_services()
    except Exception:
        # The record is synced; the services are put right next time.
        LOG.exception('Cannot bring held hosts\' nova-compute in line.')
    phase('held')
    counts['seconds'] = round(time.monotonic() - started, 3)
    LOG.info(
        'Inventory sync (%(kind)s) in %(seconds)ss: %(created)d created, '
        '%(updated)d updated, %(stale)d no longer reported; instances '
        '%(instances)s; places %(places)s.',
        dict(counts, kind='full' if full else 'incremental'),
    )
    return counts


def _sync_hosts(dbapi, drivers, full):
    """Hosts: every driver's, in full or brief (an incremental sync); a
    driver whose brief list names a host fleet does not know yet is read
    in full, so a new host comes with its capacity."""
    # Plain rows of the columns compared: 10,000 hosts as ORM objects
    # cost seconds a sync.
    columns = ('uuid', 'name', 'source', *SYNCED_KEYS, *MERGED_KEYS)
    current = {h['name']: h for h in dbapi.list_host_columns(columns)}
    reports = []
    for name, driver in drivers.items():
        hosts = driver.list_hosts() if full else driver.list_hosts_brief()
        if not full and any(h['name'] not in current for h in hosts):
            hosts = driver.list_hosts()
        reports.append((name, hosts))
    merged = _merge(reports)
    counts = {'created': 0, 'updated': 0, 'stale': 0}
    new = []
    for name, values in merged.items():
        values.pop('instances', None)
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
    return counts


def _instance_drivers(drivers):
    return [
        (name, driver)
        for name, driver in drivers.items()
        if getattr(driver, 'reports_instances', False)
    ]


def _write_page(dbapi, source, page, counts, seen=None):
    """Write one page: a deleted instance, or one on no host (building,
    shelved-offloaded), is forgotten; the others created or updated.

    :param seen: uuids earlier pages (or drivers) reported, which this
        page does not override; the page's own are added.
    """
    reported, deleted = {}, []
    for inst in page:
        uuid = inst['uuid']
        if seen is not None:
            if uuid in seen:
                continue
        if inst.get('deleted') or not inst.get('host'):
            deleted.append(uuid)
            continue
        values = {k: inst.get(k) for k in INSTANCE_KEYS}
        values.update(host=inst['host'], source=source)
        reported[uuid] = values
        if seen is not None:
            seen.add(uuid)
    written = dbapi.write_instances(reported, deleted)
    for key, value in written.items():
        counts[key] += value


def _sync_instances_full(dbapi, drivers):
    """Every instance, page by page; then those of the reporting
    sources no page named are forgotten. Only the set of uuids seen is
    kept in memory, never the instances themselves."""
    counts = {'created': 0, 'updated': 0, 'deleted': 0}
    seen = set()
    owners = []
    page_size = CONF.inventory.sync_page_size
    for source, driver in _instance_drivers(drivers):
        owners.append(source)
        for page in driver.list_instances(page_size=page_size):
            _write_page(dbapi, source, page, counts, seen)
    counts['deleted'] += dbapi.prune_instances(seen, owners)
    return counts


def _sync_instances_since(dbapi, drivers, since):
    """Only the instances changed since ``since``, deleted ones
    included, page by page."""
    counts = {'created': 0, 'updated': 0, 'deleted': 0}
    page_size = CONF.inventory.sync_page_size
    for source, driver in _instance_drivers(drivers):
        for page in driver.list_instances(
            changes_since=since, page_size=page_size
        ):
            _write_page(dbapi, source, page, counts)
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
        # Only hosts fleet holds, or whose service is disabled (perhaps
        # with fleet's reason), can need a change: two indexed queries,
        # not every compute host of the cloud.
        columns = (
            'uuid',
            'name',
            'kind',
            'state',
            'execution_uuid',
            'nova_service_status',
            'nova_disabled_reason',
        )
        hosts = dbapi.list_host_columns(
            columns,
            filters={'kind': 'compute', 'state': list(capacity.HELD_STATES)},
        )
        hosts += dbapi.list_host_columns(
            columns,
            filters={
                'kind': 'compute',
                'state': states.HOST_ACTIVE,
                'nova_service_status': 'disabled',
            },
        )
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
