"""Gathering the facts of hosts through the ``fleet.facts`` drivers.

The drivers of ``[drivers] facts`` are asked in order and their facts
merged (a later driver wins a key both give). A driver that fails for a
host is recorded in the host's ``errors``; if every driver fails, the
facts stored before are kept as they were (with their own time), so an
unreachable host is never audited against an empty set of facts; the
errors are recorded in the stored row's ``errors`` (or, for a host that
never had facts, in its history). A driver returning more than ``[facts]
max_bytes`` of facts fails like any other.

Usage::

    row = facts.gather_host(host)          # stores and returns the row
    facts.gather_hosts(hosts)              # in parallel
    facts.effective(host, row)             # what rules read
"""

import concurrent.futures
import json

from oslo_config import cfg
from oslo_log import log

from fleet.common import exception
from fleet.db import api as db_api
from fleet.drivers import factory
from fleet.drivers.facts import static

CONF = cfg.CONF
LOG = log.getLogger(__name__)


def gather_host(host, dbapi=None):
    """Gather and store the facts of one host.

    :param host: the host (dict).
    :returns: ``{'stored': the facts row or None, 'errors': {driver:
        message}}``; ``stored`` is None when every driver failed.
    """
    dbapi = dbapi or db_api.get_instance()
    merged = {}
    used = []
    errors = {}
    drivers = factory.get_facts_drivers()
    if not drivers:
        return {
            'stored': None,
            'errors': {'-': 'no facts driver is enabled ([drivers] facts)'},
        }
    for name, driver in drivers:
        try:
            got = driver.gather(host) or {}
            size = len(json.dumps(got, default=str))
            if size > CONF.facts.max_bytes:
                raise exception.FactsError(
                    host=host['name'],
                    driver=name,
                    reason=f'{size} bytes of facts, more than [facts] '
                    f'max_bytes ({CONF.facts.max_bytes})',
                )
            static.merge(merged, got)
            used.append(name)
        except Exception as e:
            LOG.warning('Facts of %s from %s: %s', host['name'], name, e)
            errors[name] = str(e)[:1000]
    if not used:
        _record_failure(dbapi, host, errors)
        return {'stored': None, 'errors': errors}
    row = dbapi.set_host_facts(
        host['uuid'], host['name'], merged, used, errors
    )
    return {'stored': row, 'errors': errors}


def _record_failure(dbapi, host, errors):
    """Record that no driver could gather the facts of ``host``: in the
    errors of its stored facts (which stay as they were, with their own
    time), or, if it never had any, in its history."""
    try:
        if dbapi.set_host_facts_errors(host['uuid'], errors) is None:
            dbapi.add_host_history(
                host['uuid'],
                'gather_facts',
                changes={'errors': errors},
                history={
                    'source': 'audit',
                    'reason': 'Facts could not be gathered: '
                    + '; '.join(f'{k}: {v}' for k, v in errors.items()),
                },
            )
    except Exception:
        LOG.exception('Cannot record the facts errors of %s.', host['name'])


def gather_hosts(hosts, dbapi=None):
    """Gather the facts of ``hosts``, ``[facts] max_parallel`` at once.

    :returns: ``{'gathered': n, 'failed': {host name: errors}}``.
    """
    dbapi = dbapi or db_api.get_instance()
    failed = {}
    gathered = 0
    workers = max(1, min(CONF.facts.max_parallel, len(hosts)))
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = {pool.submit(gather_host, h, dbapi): h for h in hosts}
        for future in concurrent.futures.as_completed(futures):
            host = futures[future]
            try:
                result = future.result()
            except Exception as e:  # the database, not a driver
                LOG.exception('Cannot store the facts of %s.', host['name'])
                failed[host['name']] = {'store': str(e)}
                continue
            if result['stored'] is None:
                failed[host['name']] = result['errors']
            else:
                gathered += 1
    return {'gathered': gathered, 'failed': failed}


def effective(host, row):
    """The facts rules read: the inventory's (``host['facts']``)
    overlaid with the gathered ones."""
    inventory = host.get('facts')
    if not inventory:
        return row['facts'] if row else {}
    facts = dict(inventory)
    if row:
        facts.update(row['facts'] or {})
    return facts
