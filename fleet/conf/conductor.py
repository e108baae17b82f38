from oslo_config import cfg

group = cfg.OptGroup('conductor', title='fleet-conductor options')

opts = [
    cfg.StrOpt(
        'topic',
        default='fleet-conductor',
        help='RPC topic the conductors listen on.',
    ),
    cfg.IntOpt(
        'rpc_timeout',
        default=30,
        min=1,
        help='Seconds the API waits for a conductor to answer a call.',
    ),
    cfg.IntOpt(
        'workers',
        default=8,
        min=1,
        help='Threads that serve RPC requests in one conductor.',
    ),
    cfg.IntOpt(
        'inventory_sync_interval',
        default=300,
        min=0,
        help='Seconds between periodic inventory syncs from the enabled '
        'inventory drivers; 0 disables the periodic sync. A periodic sync '
        'is incremental (only what changed since the last one) where the '
        'drivers allow it, and full every inventory_full_sync_interval.',
    ),
    cfg.IntOpt(
        'inventory_full_sync_interval',
        default=3600,
        min=0,
        help='Seconds between full inventory syncs, which list every '
        'server and repair any drift the incremental syncs missed (a '
        'deletion Nova archived before an incremental sync saw it, a '
        'clock skewed beyond [inventory] sync_clock_skew). 0: every '
        'periodic sync is full. A full sync also runs when the conductor '
        'starts and when one is requested through the API.',
    ),
    cfg.BoolOpt(
        'sync_inventory_on_start',
        default=True,
        help='Sync the inventory from the enabled inventory drivers once '
        'when the conductor starts (in the background), so hosts are '
        'known at once rather than after inventory_sync_interval.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
