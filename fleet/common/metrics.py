"""fleet's own process metrics (prometheus_client), and the conductor's
port that serves them.

These count what happens inside one process: migrations fleet drove and
how long each took, and how late Nova's notifications reach the
monitoring listener. Each conductor serves its own at
``http://[metrics] conductor_host:[metrics] conductor_port/metrics``
(off by default); Prometheus scrapes every conductor and sums. What the
database knows (runs, alerts, hosts by state) and the listeners' queue
depth are served by fleet-api at ``GET /metrics``
(:mod:`fleet.api.metrics`), whichever conductor did the work.

Usage::

    from fleet.common import metrics
    metrics.MIGRATIONS.labels(type='live-migration', outcome='completed').inc()
    metrics.start_server()      # fleet-conductor, once
"""

import datetime

from oslo_config import cfg
from oslo_log import log
from oslo_utils import timeutils
import prometheus_client

CONF = cfg.CONF
LOG = log.getLogger(__name__)

#: Seconds: a migration of a fake cloud takes ~1 s, a live migration of
#: a loaded guest minutes.
MIGRATION_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300)

MIGRATIONS = prometheus_client.Counter(
    'fleet_instance_migrations',
    'Instance moves this conductor waited for, by type (Nova\'s '
    'migration types live-migration and migration, or offload) and '
    'outcome (completed, failed).',
    ['type', 'outcome'],
)
MIGRATION_SECONDS = prometheus_client.Histogram(
    'fleet_instance_migration_seconds',
    'Seconds from asking Nova to move an instance to seeing it landed.',
    ['type'],
    buckets=MIGRATION_BUCKETS,
)
NOTIFICATION_LAG = prometheus_client.Histogram(
    'fleet_notification_lag_seconds',
    'Seconds between a notification\'s emission (its timestamp) and its '
    'handling by a fleet listener.',
    ['listener'],
    buckets=LAG_BUCKETS,
)

INGESTED = prometheus_client.Counter(
    'fleet_inventory_notifications',
    'Nova notifications the inventory listener received, by outcome: '
    'applied, ignored as stale (older than the last applied), moved '
    '(the old host\'s view of a migrated instance), unchanged, unknown '
    '(an instance or host the inventory does not hold, or an event it '
    'does not use), malformed (dropped, logged), or requeued (the '
    'database was unavailable; counted at each delivery).',
    ['outcome'],
)
INGEST_BATCH_SECONDS = prometheus_client.Histogram(
    'fleet_inventory_notification_batch_seconds',
    'Seconds to apply one batch of Nova notifications (one transaction).',
    buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
)

_server = None


def observe_lag(listener, timestamp):
    """Record a notification's lag; ``timestamp`` is oslo.messaging's
    metadata ``timestamp`` ("2026-11-30 18:00:00.123456", UTC). An
    unreadable one is ignored."""
    try:
        sent = datetime.datetime.fromisoformat(str(timestamp))
    except (TypeError, ValueError):
        return
    if sent.tzinfo is not None:
        sent = sent.astimezone(datetime.UTC).replace(tzinfo=None)
    lag = (timeutils.utcnow() - sent).total_seconds()
    NOTIFICATION_LAG.labels(listener=listener).observe(max(lag, 0.0))


def start_server():
    """Serve this process's metrics if ``[metrics] conductor_port`` is
    set (once per process).

    :returns: the port, or None.
    """
    global _server
    port = CONF.metrics.conductor_port
    if not port:
        return None
    if _server is None:
        _server = prometheus_client.start_http_server(
            port, addr=CONF.metrics.conductor_host
        )
        LOG.info(
            'Conductor metrics on http://%s:%d/metrics.',
            CONF.metrics.conductor_host,
            port,
        )
    return port
