"""[metrics]: fleet's own Prometheus metrics (``GET /metrics`` on
fleet-api, and each conductor's in-process counters)."""

from oslo_config import cfg

group = cfg.OptGroup(
    'metrics',
    title="fleet's own metrics",
    help='fleet-api serves GET /metrics (Prometheus text format): runs, '
    'alerts and hosts by state read from the database at scrape time, and '
    'the depth of the notification listeners\' RabbitMQ queues. Each '
    'fleet-conductor can serve its own process counters (migrations and '
    'their durations, notification lag) on a port of its own.',
)

opts = [
    cfg.BoolOpt(
        'enabled',
        default=True,
        help='Serve GET /metrics on fleet-api. Off, the route is 404.',
    ),
    cfg.StrOpt(
        'scrape_token',
        secret=True,
        help='Bearer token Prometheus presents to GET /metrics '
        '("Authorization: Bearer <token>", Prometheus\'s '
        'scrape_config authorization.credentials). A request with it '
        'needs no Keystone token; without it, the route needs a Keystone '
        'token that passes the "fleet:metrics:get" policy (admin or '
        'fleet_observer by default). A wrong bearer token gets 401.',
    ),
    cfg.IntOpt(
        'conductor_port',
        default=0,
        min=0,
        max=65535,
        help='TCP port on which each fleet-conductor serves its process '
        'metrics (migrations and their durations, notification lag) in '
        'Prometheus text format at /metrics, unauthenticated. 0 (the '
        'default) serves nothing. Give each conductor on one machine its '
        'own port.',
    ),
    cfg.HostAddressOpt(
        'conductor_host',
        default='127.0.0.1',
        help='Address the conductor\'s metrics port binds to. Loopback by '
        'default: the port has no authentication; expose it only on a '
        'network Prometheus alone reaches.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
