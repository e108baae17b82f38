"""The ``prometheus`` monitoring driver: host metrics from Prometheus.

Every ``[prometheus] poll_interval`` seconds it runs one instant query
per metric (``GET /api/v1/query``, options ``[prometheus] *_query``:
node_exporter names for CPU, memory, disk space and I/O, network; ipmi
exporter names for power and temperature), maps each series to a fleet
host through ``[prometheus] host_label`` (``instance``, its ``:port``
dropped by default), and:

* stores the latest value of each metric per host, with the sample's
  time (``GET /v1/hosts/{id}/metrics``); series of hosts fleet does not
  know are skipped;
* checks the ``[prometheus] thresholds`` rules (``disk_used_percent>90:
  warning``): a host breaking one raises ``HostMetricThreshold``
  (labels ``metric`` and ``rule``) through the alert intake, so runbooks
  act on it; back within bounds, it resolves.

Queries are evaluated at the poll time rounded down to the interval, so
every conductor running the driver asks about the same instant; the
occurrence key is the rule, the host and that instant, and the database
counts it once however many conductors raise it: a runbook's threshold
"N occurrences in T" then means "broken at N polls".

A query that fails (Prometheus down, a bad query, a timeout) is logged
and skipped for that poll; the others go on.

Usage (the conductor does this)::

    driver = factory.get_driver('monitoring', 'prometheus')
    driver.start(on_signal)
    driver.stop()
"""

import dataclasses
import datetime
import math
import operator
import re
import threading
import time

from oslo_config import cfg
from oslo_log import log
import requests

from fleet.common import exception
from fleet.conf import prometheus as prometheus_conf
from fleet.db import api as db_api
from fleet.drivers import base

CONF = cfg.CONF
LOG = log.getLogger(__name__)

SOURCE = 'prometheus'
ALERT_NAME = 'HostMetricThreshold'
#: {metric name: (option, unit)}
METRICS = {
    name: (option, unit)
    for option, name, unit, _query, _help in prometheus_conf.METRICS
}
_OPS = {
    '>=': operator.ge,
    '<=': operator.le,
    '>': operator.gt,
    '<': operator.lt,
}
_RULE = re.compile(
    r'^\s*(?P<metric>[a-z_]+)\s*(?P<op>>=|<=|>|<)\s*'
    r'(?P<value>-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*:\s*(?P<severity>\w+)\s*$'
)
SEVERITIES = ('info', 'warning', 'critical')


class PrometheusError(exception.FleetException):
    _msg_fmt = 'Prometheus query failed: %(reason)s'


@dataclasses.dataclass(frozen=True)
class Rule:
    """One threshold rule, e.g. ``disk_used_percent>90:warning``."""

    text: str
    metric: str
    op: str
    value: float
    severity: str

    def broken(self, value):
        return _OPS[self.op](value, self.value)


def parse_rule(text):
    """A :class:`Rule` from its text.

    :raises: ConfigInvalid, naming the rule and what is wrong.
    """
    match = _RULE.match(text or '')
    if match is None:
        raise exception.ConfigInvalid(
            error=f'[prometheus] thresholds: {text!r} is not '
            '"<metric><op><value>:<severity>", e.g. '
            '"disk_used_percent>90:warning"'
        )
    metric = match['metric']
    if metric not in METRICS:
        raise exception.ConfigInvalid(
            error=f'[prometheus] thresholds: unknown metric {metric!r} in '
            f'{text!r}; known: {", ".join(sorted(METRICS))}'
        )
    severity = match['severity'].lower()
    if severity not in SEVERITIES:
        raise exception.ConfigInvalid(
            error=f'[prometheus] thresholds: severity {severity!r} in '
            f'{text!r} is not one of {", ".join(SEVERITIES)}'
        )
    return Rule(
        text=text.replace(' ', ''),
        metric=metric,
        op=match['op'],
        value=float(match['value']),
        severity=severity,
    )


class PrometheusClient:
    """The one function of Prometheus's HTTP API fleet uses."""

    def __init__(self, url, timeout, token=None, verify=True):
        self.url = url.rstrip('/') + '/api/v1/query'
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = verify
        if token:
            self.session.headers['Authorization'] = f'Bearer {token}'

    def query(self, expr, at):
        """An instant query evaluated at ``at`` (epoch seconds).

        :returns: [(labels dict, sample time as epoch seconds, float)].
        :raises: PrometheusError
        """
        try:
            response = self.session.post(
                self.url,
                data={'query': expr, 'time': f'{at:.3f}'},
                timeout=self.timeout,
            )
        except requests.RequestException as e:
            raise PrometheusError(reason=f'{self.url}: {e}') from e
        try:
            body = response.json()
        except ValueError:
            raise PrometheusError(
                reason=f'{self.url} answered {response.status_code} '
                'with no JSON'
            ) from None
        if body.get('status') != 'success':
            raise PrometheusError(
                reason=f'{body.get("errorType")}: {body.get("error")} '
                f'(HTTP {response.status_code})'
            )
        data = body.get('data') or {}
        if data.get('resultType') != 'vector':
            raise PrometheusError(
                reason=f'expected an instant vector, got '
                f'{data.get("resultType")!r}'
            )
        out = []
        for series in data.get('result') or ():
            stamp, value = series['value']
            out.append(
                (series.get('metric') or {}, float(stamp), float(value))
            )
        return out


def _queries():
    label = CONF.prometheus.host_label
    window = CONF.prometheus.rate_window
    out = {}
    for name, (option, unit) in METRICS.items():
        template = getattr(CONF.prometheus, option)
        if template:
            # Not "$label": oslo.config would substitute it itself.
            expr = template.replace('{{label}}', label).replace(
                '{{window}}', window
            )
            out[name] = (expr, unit)
    return out


class PrometheusMonitoring(base.MonitoringDriver):
    def __init__(self):
        self._stop = threading.Event()
        self._poller = None
        #: (host name, rule text) seen broken at the last poll; None
        #: before the first, which reads the firing alerts instead.
        self._broken = None
        self.rules = [parse_rule(t) for t in CONF.prometheus.thresholds or ()]
        self.client = PrometheusClient(
            CONF.prometheus.url,
            CONF.prometheus.timeout,
            token=CONF.prometheus.bearer_token,
            verify=CONF.prometheus.verify,
        )
        self._host_name = re.compile(CONF.prometheus.host_label_regex)

    def start(self, on_signal):
        self._stop.clear()
        interval = CONF.prometheus.poll_interval
        if interval > 0:
            self._poller = threading.Thread(
                target=self._poll_loop,
                args=(interval, on_signal),
                name='prometheus-monitoring-poll',
                daemon=True,
            )
            self._poller.start()

    def _poll_loop(self, interval, on_signal):
        while not self._stop.is_set():
            try:
                for signal in self.poll():
                    on_signal(signal)
            except Exception:
                LOG.exception('Poll of Prometheus failed.')
            self._stop.wait(interval - time.time() % interval)

    def host_of(self, labels):
        """The fleet host name a series' labels name, or None."""
        value = labels.get(CONF.prometheus.host_label)
        if not value:
            return None
        match = self._host_name.match(value)
        if match is None:
            return None
        return match.group(1) if match.groups() else match.group(0)

    def poll(self, now=None):
        """One poll: query, store, check the rules.

        :param now: epoch seconds (default: the clock).
        :returns: the threshold signals (firing and resolved).
        """
        dbapi = db_api.get_instance()
        now = time.time() if now is None else now
        interval = CONF.prometheus.poll_interval
        at = now - now % interval if interval > 0 else now
        hosts = {h['name']: h['uuid'] for h in dbapi.list_hosts()}
        samples = {}
        for name, (expr, unit) in _queries().items():
            try:
                result = self.client.query(expr, at)
            except PrometheusError as e:
                LOG.warning('Metric %s not read: %s', name, e)
                continue
            for labels, stamp, value in result:
                host = self.host_of(labels)
                if host not in hosts or math.isnan(value):
                    continue
                samples.setdefault(host, {})[name] = {
                    'value': value,
                    'unit': unit,
                    'sampled_at': datetime.datetime.fromtimestamp(
                        stamp, datetime.UTC
                    ).replace(tzinfo=None),
                }
        for host, metrics in samples.items():
            dbapi.set_host_metrics(hosts[host], metrics, SOURCE)
        return self._check(dbapi, samples, at)

    def _check(self, dbapi, samples, at):
        if self._broken is None:
            self._broken = {
                (a['host_name'], a['labels'].get('rule'))
                for a in dbapi.list_alerts(
                    filters={'name': ALERT_NAME, 'source': SOURCE}
                )
                if a['state'] != 'resolved'
            }
        stamp = datetime.datetime.fromtimestamp(at, datetime.UTC).replace(
            tzinfo=None
        )
        signals = []
        broken = set()
        for rule in self.rules:
            for host, metrics in samples.items():
                sample = metrics.get(rule.metric)
                if sample is None:
                    # Not measured this poll: neither broken nor mended.
                    if (host, rule.text) in self._broken:
                        broken.add((host, rule.text))
                    continue
                is_broken = rule.broken(sample['value'])
                if is_broken:
                    broken.add((host, rule.text))
                elif (host, rule.text) not in self._broken:
                    continue
                signals.append(
                    {
                        'source': SOURCE,
                        'name': ALERT_NAME,
                        'severity': rule.severity,
                        'host': host,
                        'labels': {'metric': rule.metric, 'rule': rule.text},
                        'annotations': {
                            'value': f'{sample["value"]:g}',
                            'unit': sample['unit'],
                            'summary': f'{rule.metric} of {host} is '
                            f'{sample["value"]:g} {sample["unit"]} '
                            f'(rule {rule.text})',
                        },
                        'status': 'firing' if is_broken else 'resolved',
                        'occurrence_key': f'{rule.text}@{host}@'
                        f'{stamp.isoformat()}',
                        'at': stamp,
                    }
                )
        # A host no longer reported at all keeps its alert: its exporter
        # being gone is not the value coming back within bounds.
        for key in self._broken:
            if key[0] not in samples:
                broken.add(key)
        self._broken = broken
        return signals

    def stop(self):
        self._stop.set()
        if self._poller is not None:
            self._poller.join(CONF.prometheus.timeout * 2 + 5)
            self._poller = None
