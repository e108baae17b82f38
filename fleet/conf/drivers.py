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
        default=['nova'],
        help='Inventory drivers (namespace fleet.inventory), merged in '
        'this order. The default reads the real cloud (Nova); only '
        'fleet-all-in-one defaults to "fake", the simulated cloud.',
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
        default=['nova'],
        help='The compute driver (namespace fleet.compute) that flows act '
        'through: "nova" (the default) for a real cloud, "fake" for the '
        'simulated one (the default of fleet-all-in-one only). Exactly '
        'one.',
    ),
    cfg.ListOpt(
        'facts',
        default=[],
        help='Facts drivers (namespace fleet.facts): what a host is (OS, '
        'kernel, packages, services, config values, file hashes), for '
        'audits. Their facts are merged in this order, a later driver '
        'winning a key both give: "ansible", "script", "static"; "fake" '
        'gives the simulated cloud\'s (the default of fleet-all-in-one '
        'only). None by default: audits then check the facts stored '
        'otherwise, and nothing is gathered.',
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
