"""Options of group ``[auditing]``: checking hosts' stored facts against
the audit profiles.

Example ``fleet.conf``::

    [auditing]
    interval = 900
    raise_alerts = true
"""

from oslo_config import cfg

group = cfg.OptGroup(
    'auditing',
    title='Audits',
    help='Checking hosts\' stored facts against the enabled audit '
    'profiles, recording findings and raising "audit" alerts.',
)

opts = [
    cfg.IntOpt(
        'interval',
        default=900,
        min=0,
        help='Seconds between two audits of every host\'s stored facts '
        'against every enabled profile by the conductor; 0 audits only on '
        'demand (POST /v1/audits) and after facts are gathered.',
    ),
    cfg.BoolOpt(
        'raise_alerts',
        default=True,
        help='Raise an alert (source "audit", name "AuditFailed", labels '
        '"profile" and "rule") when a rule starts failing on a host, and '
        'resolve it when the rule passes again. Runbooks match these '
        'alerts like any other.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
