"""Full inventory sync: merge what every enabled inventory driver reports.

Drivers are merged in the order ``[drivers] inventory`` lists them: the
first driver that reports a host owns it (its ``source``); later drivers
only fill in keys the earlier ones left empty. A host a driver reported
before and no longer reports is left in place (a host does not vanish
from the record because one API call missed it) but marked
``facts.stale = true``.
"""

from oslo_log import log

from fleet.common import exception
from fleet.db import api as db_api
from fleet.drivers import factory

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


def _merge(reports):
    merged = {}
    for source, hosts in reports:
        for host in hosts:
            entry = merged.setdefault(host['name'], {'source': source})
            for key in SYNCED_KEYS:
                if entry.get(key) in (None, {}, '') and host.get(key) not in (
                    None,
                    {},
                    '',
                ):
                    entry[key] = host[key]
    return merged


def sync():
    """Bring the hosts table in line with the inventory drivers.

    :returns: {'created': n, 'updated': n, 'stale': n}
    """
    dbapi = db_api.get_instance()
    reports = [
        (name, driver.list_hosts())
        for name, driver in factory.get_drivers('inventory').items()
    ]
    merged = _merge(reports)
    counts = {'created': 0, 'updated': 0, 'stale': 0}
    for name, values in merged.items():
        values['facts'] = dict(values.get('facts') or {}, stale=False)
        try:
            current = dbapi.get_host(name)
        except exception.HostNotFound:
            dbapi.create_host(dict(values, name=name))
            counts['created'] += 1
            continue
        changes = {k: v for k, v in values.items() if current.get(k) != v}
        if changes:
            if 'facts' in changes:
                changes['facts'] = dict(current['facts'], **values['facts'])
            dbapi.update_host(name, changes)
            counts['updated'] += 1
    sources = [name for name, _ in reports]
    for host in dbapi.list_hosts(filters={'source': sources}):
        if host['name'] not in merged and not host['facts'].get('stale'):
            dbapi.update_host(
                host['uuid'], {'facts': dict(host['facts'], stale=True)}
            )
            counts['stale'] += 1
    LOG.info(
        'Inventory sync: %(created)d created, %(updated)d updated, '
        '%(stale)d no longer reported.',
        counts,
    )
    return counts
