from oslo_config import cfg

group = cfg.OptGroup(
    'fake_cloud',
    title='Simulated cloud',
    help='The simulated cloud behind the "fake" inventory and compute '
    'drivers: the embedded default, for demos, tests and scale benchmarks.',
)

opts = [
    cfg.IntOpt(
        'hosts', default=4, min=1, help='Number of simulated compute hosts.'
    ),
    cfg.IntOpt(
        'instances_per_host',
        default=3,
        min=0,
        help='Instances started on each simulated host.',
    ),
    cfg.FloatOpt(
        'migration_seconds',
        default=0.5,
        min=0,
        help='Time one simulated migration takes once it runs.',
    ),
    cfg.FloatOpt(
        'api_delay',
        default=0.2,
        min=0,
        help='Seconds between an accepted request and its effect, as in '
        'Nova: a migration record appears, an abort or a confirmation '
        'takes effect, this long after the API answered.',
    ),
    cfg.ListOpt(
        'instance_states',
        default=['ACTIVE'],
        help='Nova statuses given to the instances of each simulated host '
        'in turn (ACTIVE, PAUSED, SHUTOFF, SUSPENDED, RESCUE, SHELVED, '
        'SHELVED_OFFLOADED, ERROR), e.g. "ACTIVE,ACTIVE,SHUTOFF,PAUSED".',
    ),
    cfg.FloatOpt(
        'failure_rate',
        default=0.0,
        min=0,
        max=1,
        help='Probability that a simulated migration fails.',
    ),
    cfg.IntOpt(
        'seed',
        default=0,
        help='Seed of the random generator, so a simulated run can '
        'be repeated exactly.',
    ),
    cfg.IntOpt(
        'vcpus_per_host',
        default=64,
        min=1,
        help='vCPUs of each simulated host.',
    ),
    cfg.IntOpt(
        'memory_mb_per_host',
        default=262144,
        min=1,
        help='Memory (MiB) of each simulated host.',
    ),
    cfg.StrOpt(
        'kernel',
        default='5.14.0-427.el9.x86_64',
        help='Kernel every simulated host runs at first (its "kernel" '
        'fact, and the version of its "kernel" package); the "fake" '
        'executor changes it when an action gives new facts.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
