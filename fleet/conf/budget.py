"""Disruption budgets (group ``[budget]``): how many hosts may be out of
service at once, enforced for every run at one admission point
(:mod:`fleet.common.budget`). A plan may override any of them."""

from oslo_config import cfg

group = cfg.OptGroup(
    'budget',
    title='Disruption budgets',
    help='Limits on hosts out of service at once, shared by API runs, '
    'runbook runs and plans. A run that would exceed one waits '
    '(state "waiting", with its reason) and is admitted when room frees. '
    'A limit is a number of hosts ("2") or a share of the compute hosts '
    'of the domain ("10%", rounded down, at least 1); empty means no '
    'limit.',
)

_LIMIT_HELP = (
    'Most compute hosts out of service at once in one {0} (a number, '
    'or a percentage such as "10%"); empty: no limit. Hosts out of '
    'service are those with an admitted run (pending, running, '
    'cancelling), those in state draining, maintenance, unmanaged or '
    'failed, and those whose nova-compute is disabled.'
)

opts = [
    cfg.StrOpt('max_out_per_az', help=_LIMIT_HELP.format('availability zone')),
    cfg.StrOpt('max_out_per_aggregate', help=_LIMIT_HELP.format('aggregate')),
    cfg.StrOpt('max_out_per_cell', help=_LIMIT_HELP.format('cell')),
    cfg.StrOpt('max_out_per_rack', help=_LIMIT_HELP.format('rack')),
    cfg.BoolOpt(
        'anti_affinity',
        default=True,
        help='Never admit a run on a host holding a member of a server '
        'group whose policy is in anti_affinity_policies while another '
        'host holding a member of that group is out of service.',
    ),
    cfg.ListOpt(
        'anti_affinity_policies',
        default=['anti-affinity'],
        help='Server group policies the anti_affinity rule keeps apart.',
    ),
    cfg.BoolOpt(
        'capacity_headroom',
        default=True,
        help='Admit a run only if the instances of its host fit on the '
        'hosts of its availability zone that stay in service (active, '
        'nova-compute enabled and up, not held by another run), after '
        'what the other admitted runs have still to move: the capacity '
        'model of the drain\'s own check, on the capacity fleet recorded. '
        'A run that does not fit waits ("capacity headroom: ...") instead '
        'of failing its capacity check. A zone whose capacity fleet does '
        'not know (no host with capacity facts) is not judged. A plan may '
        'override it (budget "capacity_headroom").',
    ),
    cfg.IntOpt(
        'default_plan_max_at_once',
        default=1,
        min=1,
        help='Hosts of one plan out of service at once when the plan does '
        'not say.',
    ),
    cfg.IntOpt(
        'recheck_interval',
        default=15,
        min=1,
        help='Seconds between two periodic re-checks by a conductor of the '
        'waiting runs and of the plans (runs are also re-checked at once '
        'whenever a run ends).',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
