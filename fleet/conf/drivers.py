from oslo_config import cfg

group = cfg.OptGroup(
    'drivers',
    title='Drivers',
    help='Which stevedore drivers fleet loads. A name that no installed '
    'driver has stops the service at start-up.',
)

opts = [
    cfg.ListOpt(
        'inventory',
        default=['fake'],
        help='Inventory drivers (namespace fleet.inventory), merged in '
        'this order.',
    ),
    cfg.ListOpt(
        'monitoring',
        default=['noop'],
        help='Monitoring drivers (namespace fleet.monitoring).',
    ),
    cfg.ListOpt(
        'executor',
        default=['noop'],
        help='Executor drivers (namespace fleet.executor) that runs may use.',
    ),
    cfg.ListOpt(
        'compute',
        default=['fake'],
        help='The compute driver (namespace fleet.compute) that flows act '
        'through: "nova" for a real cloud, "fake" for the simulated one. '
        'Exactly one.',
    ),
    cfg.ListOpt(
        'facts',
        default=['fake'],
        help='Facts drivers (namespace fleet.facts): what a host is (OS, '
        'kernel, packages, services, config values, file hashes), for '
        'audits. Their facts are merged in this order, a later driver '
        'winning a key both give. "fake" gives the simulated cloud\'s.',
    ),
    cfg.StrOpt(
        'default_executor',
        default='noop',
        help='Executor used when a run names none. Must be enabled.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
