"""fleet's metrics as fleet-api serves them at ``GET /metrics``.

A custom collector asks the database at scrape time (three GROUP BYs):
hosts, runs and alerts by state, whichever conductor did the work; and
RabbitMQ for the depth of the notification listeners' pool queues (a
passive declare: nothing is created). Process counters of the conductors
(migrations, notification lag) are on each conductor's own port
(:mod:`fleet.common.metrics`).

Usage::

    text, content_type = metrics.render()
"""

import contextlib

from oslo_config import cfg
from oslo_log import log
import oslo_messaging as messaging
import prometheus_client
from prometheus_client import core

from fleet.common import states
from fleet.db import api as db_api

CONF = cfg.CONF
LOG = log.getLogger(__name__)

#: Seconds a queue-depth probe may take before the scrape goes on
#: without it.
QUEUE_TIMEOUT = 2


def _listener_queues():
    """{listener: pool queue} of the listeners this deployment runs."""
    queues = {}
    if 'nova' in (CONF.drivers.monitoring or ()):
        queues['nova-monitoring'] = CONF.alerts.listener_pool
    if CONF.inventory.listen_notifications:
        queues['inventory'] = CONF.inventory.notifications_pool
    return queues


def queue_depths(queues):
    """{listener: messages waiting} of RabbitMQ pool queues; listeners
    whose queue does not exist (yet) or whose broker is not RabbitMQ are
    left out.

    :raises: nothing: a broker that does not answer is logged.
    """
    try:
        url = (
            CONF.oslo_messaging_notifications.transport_url
            or CONF.transport_url
        )
    except cfg.NoSuchOptError:
        # oslo.messaging registers them with its first transport.
        return {}
    if not url or not queues:
        return {}
    parsed = messaging.TransportURL.parse(CONF, url)
    if parsed.transport not in ('rabbit', 'amqp') or not parsed.hosts:
        return {}
    import kombu  # oslo.messaging's rabbit driver depends on it

    host = parsed.hosts[0]
    broker = kombu.Connection(
        hostname=host.hostname,
        port=host.port or 5672,
        userid=host.username or 'guest',
        password=host.password or 'guest',
        virtual_host=parsed.virtual_host or '/',
        connect_timeout=QUEUE_TIMEOUT,
    )
    depths = {}
    try:
        with broker:
            for listener, queue in queues.items():
                channel = broker.channel()
                try:
                    _name, count, _consumers = channel.queue_declare(
                        queue=queue, passive=True
                    )
                    depths[listener] = count
                except Exception as e:
                    # 404: no conductor ever listened with this pool.
                    LOG.debug('Queue %s not read: %s', queue, e)
                finally:
                    with contextlib.suppress(Exception):
                        channel.close()
    except Exception as e:
        LOG.warning('Queue depths not read from %s: %s', host.hostname, e)
    return depths


class FleetCollector:
    """The database's and the broker's view, collected per scrape."""

    def collect(self):
        counts = db_api.get_instance().count_by_state()
        for key, name, doc, known in (
            (
                'hosts',
                'fleet_hosts',
                'Hosts by state.',
                states.HOST_STATES,
            ),
            (
                'executions',
                'fleet_runs',
                'Runs (maintenance and remediation) by state.',
                (),
            ),
            ('alerts', 'fleet_alerts', 'Alerts by state.', ()),
        ):
            family = core.GaugeMetricFamily(name, doc, labels=['state'])
            by_state = dict.fromkeys(known, 0)
            by_state.update(counts.get(key) or {})
            for state, count in sorted(by_state.items()):
                family.add_metric([state], count)
            yield family
        family = core.GaugeMetricFamily(
            'fleet_listener_queue_messages',
            'Messages waiting in a notification listener\'s RabbitMQ pool '
            'queue (all conductors in the pool consume it).',
            labels=['listener', 'queue'],
        )
        queues = _listener_queues()
        for listener, count in sorted(queue_depths(queues).items()):
            family.add_metric([listener, queues[listener]], count)
        yield family


def render():
    """The metrics in Prometheus text format.

    :returns: (bytes, content type).
    """
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(FleetCollector())
    return (
        prometheus_client.generate_latest(registry),
        prometheus_client.CONTENT_TYPE_LATEST,
    )
