from oslo_config import cfg

group = cfg.OptGroup(
    'coordination',
    title='Coordination of several conductors (tooz)',
    help='Several fleet-conductors share the runs through locks and a '
    'group of live members on a tooz backend (Redis, ZooKeeper, etcd, '
    '...). Unset backend_url: one conductor, no coordination. Every '
    'conductor of a deployment must use the same backend_url.',
)

opts = [
    cfg.StrOpt(
        'backend_url',
        secret=True,
        help='tooz backend URL, e.g. redis://127.0.0.1:6379 (needs the '
        'redis Python package) or zookeeper://127.0.0.1:2181; driver '
        'timeouts go in its query string, e.g. '
        'redis://127.0.0.1:6379?timeout=30. A conductor holds the lock of '
        'each run it runs and takes over the runs of conductors that left '
        'the group. Unset (the default): a single conductor, no '
        'coordination.',
    ),
    cfg.FloatOpt(
        'heartbeat_interval',
        default=1.0,
        min=0.1,
        help='Seconds between two heartbeats to the backend; they keep '
        'this conductor a live member and its run locks held. Must be '
        'well below the backend\'s membership and lock timeouts.',
    ),
    cfg.IntOpt(
        'takeover_interval',
        default=60,
        min=0,
        help='Seconds between two looks for active runs whose conductor '
        'is not a live member any more, to take them over; 0 disables '
        'the periodic look (runs are still taken over at start).',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
