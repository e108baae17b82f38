"""[alerts]: alert intake, the Alertmanager webhook, runbooks and fleet's
own notifications."""

from oslo_config import cfg

group = cfg.OptGroup(
    'alerts',
    title='Alerts and runbooks',
    help='How fleet takes in alerts (API, Alertmanager webhook, '
    'monitoring drivers) and acts on them through runbooks.',
)

opts = [
    cfg.StrOpt(
        'webhook_token',
        secret=True,
        help='Shared bearer token of POST /v1/webhooks/alertmanager, the '
        'only credential that route takes: "Authorization: Bearer '
        '<token>" (Alertmanager\'s http_config.authorization); a missing '
        'or wrong token gets 401, a Keystone token included. Unset, the '
        'webhook is off (403).',
    ),
    cfg.IntOpt(
        'max_webhook_alerts',
        default=500,
        min=1,
        help='Largest number of alerts one webhook or POST /v1/alerts '
        'request may carry; a larger payload gets 400.',
    ),
    cfg.IntOpt(
        'default_silence_seconds',
        default=3600,
        min=1,
        help='Duration of a silence that names none.',
    ),
    cfg.StrOpt(
        'notification_topic',
        default='fleet_notifications',
        help='Topic of fleet\'s own versioned notifications (alert.raise, '
        'alert.resolve, execution.start, execution.end, finding.update). '
        'The driver comes '
        'from [oslo_messaging_notifications] driver (use messagingv2).',
    ),
    cfg.StrOpt(
        'nova_notification_topic',
        default='versioned_notifications',
        help='Topic of Nova\'s versioned notifications the "nova" '
        'monitoring driver listens on.',
    ),
    cfg.StrOpt(
        'nova_notification_exchange',
        default='nova',
        help='Exchange Nova publishes its notifications to (nova.conf '
        '[DEFAULT] control_exchange, "nova" by default). The "nova" '
        'monitoring driver listens there, not on fleet\'s own '
        'control_exchange.',
    ),
    cfg.StrOpt(
        'listener_pool',
        default='fleet-monitoring',
        help='Listener pool of the "nova" monitoring driver: every '
        'conductor in the pool shares one queue, so each Nova '
        'notification becomes one signal however many conductors run. '
        'Apart from the inventory listener\'s pool.',
    ),
    cfg.IntOpt(
        'nova_service_poll_interval',
        default=60,
        min=0,
        help='Seconds between two looks of the "nova" monitoring driver at '
        'Nova\'s os-services (through the compute driver): Nova sends no '
        'notification when a compute stops reporting, so a compute seen '
        '"down" raises NovaComputeDown, one occurrence per outage (keyed '
        'by the host and its last heartbeat, so any number of conductors '
        'polling count it once); seen "up" again, the alert resolves. 0 '
        'disables the poll.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
