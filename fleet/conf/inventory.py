from oslo_config import cfg

group = cfg.OptGroup(
    'inventory',
    title='Inventory',
    help='Where the inventory comes from beyond the periodic full sync '
    '([conductor] inventory_sync_interval): Nova\'s versioned '
    'notifications, the static driver\'s file, the nova driver\'s extras.',
)

opts = [
    cfg.BoolOpt(
        'listen_notifications',
        default=False,
        help='Apply Nova\'s versioned notifications (service.update, '
        'instance.create.end, instance.delete.end, live migrations, '
        'instance.update) to the inventory as they come, between full '
        'syncs. Needs a real message bus shared with Nova: off by default, '
        'as the all-in-one\'s fake:// bus carries none.',
    ),
    cfg.StrOpt(
        'notifications_topic',
        default='versioned_notifications',
        help='Topic Nova sends its versioned notifications on '
        '(nova.conf [notifications] versioned_notifications_topics).',
    ),
    cfg.StrOpt(
        'notifications_exchange',
        default='nova',
        help='Exchange Nova sends its notifications to (its '
        'control_exchange).',
    ),
    cfg.StrOpt(
        'notifications_pool',
        default='fleet-inventory',
        help='Listener pool: every pool gets its own copy of each '
        'notification, and conductors in one pool share the work. Keep it '
        'apart from other fleet listeners (e.g. monitoring).',
    ),
    cfg.IntOpt(
        'notifications_batch_size',
        default=500,
        min=1,
        help='Most notifications applied in one database transaction. '
        'A batch is acknowledged once committed, and requeued whole if '
        'the database is unavailable. With '
        '[oslo_messaging_rabbit] rabbit_qos_prefetch_count set, a batch '
        'holds at most that many messages: keep it at least twice this.',
    ),
    cfg.FloatOpt(
        'notifications_batch_timeout',
        default=0.5,
        min=0.01,
        help='Seconds a batch waits to fill once its first notification '
        'arrived: the most a notification is delayed when Nova is quiet.',
    ),
    cfg.StrOpt(
        'static_file',
        help='YAML or JSON file of the physical resources Nova does not '
        'know (switches, PDUs, storage nodes) and of places (regions, '
        'cells, racks) with their labels and variables; read by the '
        '"static" inventory driver at each sync.',
    ),
    cfg.StrOpt(
        'nova_region',
        help='Region the "nova" inventory driver puts its hosts in; by '
        'default [nova] region_name, else RegionOne.',
    ),
    cfg.BoolOpt(
        'nova_aggregates',
        default=True,
        help='Whether the "nova" inventory driver reads host aggregates '
        '(facts.aggregates, capacity per aggregate).',
    ),
    cfg.IntOpt(
        'sync_page_size',
        default=1000,
        min=1,
        max=10000,
        help='Servers asked of Nova per page (GET /servers/detail limit) '
        'and instances written per database transaction by the inventory '
        'sync. Nova returns at most its own [api] max_limit (1000 by '
        'default) a page whatever is asked; the sync follows the pages to '
        'the end either way.',
    ),
    cfg.IntOpt(
        'sync_clock_skew',
        default=60,
        min=0,
        help='Seconds an incremental sync reaches back before the start '
        'of the previous sync (Nova\'s changes-since). Covers clocks of '
        'Nova\'s services behind the conductor\'s (each nova-compute '
        'stamps the servers it updates with its own clock) and Nova\'s '
        'timestamps kept to the second; changes seen twice are applied '
        'twice, harmlessly.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
