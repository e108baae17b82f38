"""Options of the drain / maintenance flow (group ``[maintenance]``)."""

from oslo_config import cfg

group = cfg.OptGroup(
    'maintenance',
    title='Maintenance runs',
    help='How fleet-conductor runs drain / patch / reboot executions.',
)

opts = [
    cfg.IntOpt(
        'default_max_parallel',
        default=2,
        min=1,
        help='Live migrations run at once when a run does not say.',
    ),
    cfg.IntOpt(
        'max_parallel_limit',
        default=16,
        min=1,
        help='Highest max_parallel a run may ask for: each parallel '
        'migration holds one conductor thread.',
    ),
    cfg.IntOpt(
        'default_retries',
        default=1,
        min=0,
        help='Extra live-migration attempts per instance when a run does '
        'not say.',
    ),
    cfg.FloatOpt(
        'poll_interval',
        default=1.0,
        min=0,
        help='Seconds between two polls of a migration or a service.',
    ),
    cfg.IntOpt(
        'migration_timeout',
        default=900,
        min=1,
        help='Seconds one migration may take before it counts as failed.',
    ),
    cfg.IntOpt(
        'executor_timeout',
        default=3600,
        min=1,
        help='Seconds the executor step (patch / reboot) may take.',
    ),
    cfg.IntOpt(
        'verify_timeout',
        default=600,
        min=0,
        help='Seconds to wait for nova-compute to report up after the '
        'executor step.',
    ),
    cfg.BoolOpt(
        'resume_on_start',
        default=True,
        help='Resume, when the conductor starts, the runs it (or no '
        'conductor) owned in state pending, running or cancelling.',
    ),
    cfg.StrOpt(
        'persistence_connection',
        secret=True,
        help='SQLAlchemy URL of the TaskFlow persistence backend. Empty: '
        'fleet\'s own [database] connection (TaskFlow\'s tables live '
        'beside fleet\'s).',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
