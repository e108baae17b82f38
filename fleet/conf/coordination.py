from oslo_config import cfg

group = cfg.OptGroup(
    'coordination',
    title='Coordination of several conductors (tooz)',
    help='Several fleet-conductors elect, on a tooz backend (Redis, '
    'ZooKeeper, etcd, ...), the one that runs the once-per-cloud periodic '
    'work; the runs themselves are shared through the [jobboard]. Unset '
    'backend_url: this conductor is the only one. Every conductor of a '
    'deployment must use the same backend_url.',
)

opts = [
    cfg.StrOpt(
        'backend_url',
        secret=True,
        help='tooz backend URL, e.g. redis://127.0.0.1:6379 (needs the '
        'redis Python package) or zookeeper://127.0.0.1:2181; driver '
        'timeouts go in its query string, e.g. '
        'redis://127.0.0.1:6379?timeout=30. The conductor holding the '
        'leader lock runs inventory syncs, monitoring polls and audits. '
        'Unset (the default): a single conductor, no coordination.',
    ),
    cfg.FloatOpt(
        'heartbeat_interval',
        default=1.0,
        min=0.1,
        help='Seconds between two heartbeats to the backend; they keep '
        'this conductor a live member and its leader lock held. Must be '
        'well below the backend\'s membership and lock timeouts.',
    ),
    cfg.IntOpt(
        'takeover_interval',
        default=60,
        min=0,
        deprecated_for_removal=True,
        deprecated_reason='Runs are jobs on a TaskFlow jobboard ([jobboard] '
        'backend); a run whose conductor stops extending its claim is '
        'resumed by another conductor after [jobboard] claim_expiry.',
        help='Ignored.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
