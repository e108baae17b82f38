"""Signals in, deduplicated alerts out, then runbooks.

A signal is a dict (see :class:`fleet.drivers.base.MonitoringDriver`):
``source``, ``name``, ``severity``, ``host``, ``labels``,
``annotations``, ``fingerprint``, ``status`` (firing / resolved),
``occurrence_key`` and ``at``.

* The **fingerprint** identifies the alert: Alertmanager's own, or a
  stable hash of name, host and labels.
* The **occurrence key** identifies one occurrence: the same key seen
  again (Alertmanager re-sending a firing alert, a notification
  redelivered) refreshes ``last_seen`` but is not counted again.
* A host in maintenance (draining, maintenance, unmanaged, or held by a
  run) has its alerts silenced automatically: no runbook acts on them.

Usage::

    results = intake.process(signals, context, rpcapi)
"""

import hashlib
import json

from oslo_log import log

from fleet.alerts import runbooks
from fleet.alerts import states as alert_states
from fleet.common import exception
from fleet.common import states
from fleet.db import api as db_api
from fleet.notifications import alert as alert_notifications

LOG = log.getLogger(__name__)

#: Host states in which its alerts are silenced.
QUIET_HOST_STATES = (
    states.HOST_DRAINING,
    states.HOST_MAINTENANCE,
    states.HOST_UNMANAGED,
)


def fingerprint(name, host, labels):
    """A stable fingerprint of an alert without one of its own."""
    text = json.dumps(
        {'name': name, 'host': host, 'labels': labels or {}},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def host_silence(host):
    """Why alerts of ``host`` are silenced now, or None."""
    if host is None:
        return None
    if host['state'] in QUIET_HOST_STATES:
        return f'host {host["name"]} is {host["state"]}'
    if host['execution_uuid']:
        return f'host {host["name"]} is held by run {host["execution_uuid"]}'
    return None


def prepare(signals, dbapi):
    """Fill in fingerprints, hosts and silences (reads only)."""
    hosts = {}
    prepared = []
    for signal in signals:
        signal = dict(signal)
        name = signal.get('host')
        if name and name not in hosts:
            try:
                hosts[name] = dbapi.get_host(name)
            except exception.HostNotFound:
                hosts[name] = None
        host = hosts.get(name) if name else None
        signal['host_uuid'] = host['uuid'] if host else None
        signal['host_name'] = host['name'] if host else name
        signal.setdefault('annotations', {})
        signal['labels'] = signal.get('labels') or {}
        signal['fingerprint'] = signal.get('fingerprint') or fingerprint(
            signal['name'], name, signal['labels']
        )
        signal['silence'] = host_silence(host)
        prepared.append(signal)
    return prepared


def process(signals, context, rpcapi, act=True):
    """Record ``signals`` (one transaction) and let runbooks act.

    :param rpcapi: conductor client, to cast the runs runbooks start.
    :param act: evaluate runbooks (False only records).
    :returns: one dict per signal: ``alert`` (row), ``duplicate``,
        ``decisions`` (what each matching runbook decided).
    """
    dbapi = db_api.get_instance()
    results = dbapi.ingest_alerts(prepare(signals, dbapi))
    out = []
    for result in results:
        alert = result['alert']
        if result.get('ignored'):
            out.append({'alert': None, 'duplicate': False, 'decisions': []})
            continue
        if result['raised']:
            alert_notifications.emit(context, alert_notifications.RAISE, alert)
        if result['resolved']:
            alert_notifications.emit(
                context, alert_notifications.RESOLVE, alert
            )
        decisions = []
        if act and result['new'] and alert['state'] == alert_states.FIRING:
            decisions = runbooks.evaluate(alert, context, rpcapi)
        out.append(
            {
                'alert': alert,
                'duplicate': not result['new'] and not result['resolved'],
                'decisions': decisions,
            }
        )
    return out
