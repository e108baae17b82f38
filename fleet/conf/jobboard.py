from oslo_config import cfg

group = cfg.OptGroup(
    'jobboard',
    title='Runs as jobs on a TaskFlow jobboard',
    help='Each maintenance run is a job on a TaskFlow jobboard. A '
    'conductor claims a job with an expiry that it keeps extending while '
    'it works; a conductor that dies or stalls loses its claim and '
    'another resumes the run from its persisted flow. "memory" (the '
    'default) is a board inside the process: one conductor only (the '
    'all-in-one, a single fleet-conductor). Several conductors need a '
    'shared board: "redis" (or "zookeeper", "etcd"), and a [coordination] '
    'backend_url so that periodic work runs on one of them.',
)

opts = [
    cfg.StrOpt(
        'backend',
        default='memory',
        choices=[
            ('memory', 'In-process board: a single conductor.'),
            ('redis', "TaskFlow's Redis jobboard (needs the redis package)."),
            ('zookeeper', "TaskFlow's ZooKeeper jobboard (needs kazoo)."),
            ('etcd', "TaskFlow's etcd jobboard (needs etcd3gw)."),
        ],
        help='Where the runs\' jobs are posted and claimed. Every conductor '
        'of a deployment must use the same board.',
    ),
    cfg.StrOpt(
        'backend_hosts',
        default='127.0.0.1',
        help='Host(s) of the board\'s backend (redis: one host; zookeeper: '
        'comma separated host:port list).',
    ),
    cfg.PortOpt(
        'backend_port',
        default=6379,
        help='Port of the board\'s backend (redis 6379, etcd 2379; '
        'zookeeper takes ports in backend_hosts).',
    ),
    cfg.StrOpt(
        'backend_password',
        secret=True,
        help='Password of the board\'s backend (redis).',
    ),
    cfg.IntOpt(
        'backend_db',
        default=0,
        min=0,
        help='Redis database number of the board.',
    ),
    cfg.StrOpt(
        'board_name',
        default='fleet_jobboard',
        help='Name of the board (its key prefix / znode path): two fleet '
        'deployments sharing a backend need two names.',
    ),
    cfg.FloatOpt(
        'claim_expiry',
        default=30.0,
        min=1.0,
        help='Seconds a conductor\'s claim on a run lasts unless it extends '
        'it (redis; zookeeper claims end with the session). A conductor '
        'that stops extending (dead, stalled, cut off) for this long loses '
        'the run to another conductor. Lower: faster recovery; higher: '
        'fewer false takeovers under load.',
    ),
    cfg.FloatOpt(
        'claim_refresh_interval',
        default=0,
        min=0,
        help='Seconds between two extensions of the claims a conductor '
        'holds (Octavia\'s lease refresh); 0 (the default): a third of '
        'claim_expiry.',
    ),
    cfg.FloatOpt(
        'poll_interval',
        default=1.0,
        min=0.05,
        help='Seconds between two looks for unclaimed jobs.',
    ),
    cfg.IntOpt(
        'max_runs',
        default=16,
        min=1,
        help='Most runs one conductor runs at once; it claims no more '
        'jobs beyond that, so other conductors take them.',
    ),
    cfg.FloatOpt(
        'leader_check_interval',
        default=5.0,
        min=0.1,
        help='Seconds between two attempts to become (or stay) the leader '
        'that runs the once-per-cloud periodic work (inventory sync, '
        'monitoring polls, re-posting of runs without a job). Needs '
        '[coordination] backend_url; without it this conductor is always '
        'the leader.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
