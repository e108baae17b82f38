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
    cfg.IntOpt(
        'task_wait_timeout',
        default=600,
        min=0,
        help='Seconds to wait for an action already in flight on an '
        'instance (a user\'s snapshot, resize, reboot, ...) to end before '
        'fleet moves it; fleet never takes such an action over. After '
        'that the attempt fails (see the run\'s on_instance_failure).',
    ),
    cfg.IntOpt(
        'abort_timeout',
        default=20,
        min=0,
        help='Seconds a failed or cancelled attempt waits for its move to '
        'stop (a live migration aborted, a cold one finished and '
        'confirmed), so that the next attempt or the end of the run finds '
        'the instance at rest and records where it is.',
    ),
    cfg.StrOpt(
        'suspended_policy',
        default='skip',
        choices=[
            (
                'skip',
                'leave it on the host, recorded; a run that patches '
                'or reboots the host then fails before the executor',
            ),
            (
                'leave',
                'leave it on the host, recorded; the host counts as drained',
            ),
            ('abort', 'refuse the run before anything moves'),
        ],
        help='What a run does with a SUSPENDED instance, which Nova moves '
        'neither live nor cold. A run\'s state_policies override it.',
    ),
    cfg.StrOpt(
        'rescued_policy',
        default='skip',
        choices=[
            ('skip', 'leave it on the host, recorded (see suspended_policy)'),
            ('leave', 'leave it on the host; the host counts as drained'),
            ('abort', 'refuse the run before anything moves'),
        ],
        help='What a run does with an instance in RESCUE, which Nova does '
        'not migrate.',
    ),
    cfg.StrOpt(
        'shelved_policy',
        default='offload',
        choices=[
            (
                'offload',
                'shelve-offload it: it leaves the host and is '
                'placed anew when unshelved',
            ),
            ('skip', 'leave it on the host, recorded'),
            ('leave', 'leave it on the host; the host counts as drained'),
            ('abort', 'refuse the run before anything moves'),
        ],
        help='What a run does with a SHELVED instance not yet offloaded '
        '(SHELVED_OFFLOADED instances are on no host: nothing to do).',
    ),
    cfg.StrOpt(
        'error_policy',
        default='skip',
        choices=[
            ('skip', 'leave it on the host, recorded'),
            ('leave', 'leave it on the host; the host counts as drained'),
            ('abort', 'refuse the run before anything moves'),
        ],
        help='What a run does with an instance in ERROR (or any state '
        'fleet does not know), which Nova does not migrate.',
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
