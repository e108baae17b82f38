"""Options of group ``[audit]``: the CADF audit trail of the API.

Example ``fleet.conf``::

    [audit]
    enabled = true
    audit_map_file = /etc/fleet/api_audit_map.conf

The events go to the notification bus ([oslo_messaging_notifications],
or keystonemiddleware's own [audit_middleware_notifications]) as
``audit.http.response``, one per write request.
"""

from oslo_config import cfg

group = cfg.OptGroup(
    'audit',
    title='CADF audit trail',
    help='keystonemiddleware\'s audit middleware in fleet-api: one CADF '
    'event (initiator, target, action, outcome) per write request, on '
    'the notification bus.',
)

opts = [
    cfg.BoolOpt(
        'enabled',
        default=False,
        help='Emit a CADF event for every API request not in '
        '"ignore_req_list" (by default: every write). Needs a notification '
        'driver ([oslo_messaging_notifications] driver = messagingv2).',
    ),
    cfg.StrOpt(
        'audit_map_file',
        default='/etc/fleet/api_audit_map.conf',
        help='keystonemiddleware audit map of fleet\'s API: its resources '
        '(path keywords), custom actions and service type. fleet ships '
        'one as etc/fleet/api_audit_map.conf.',
    ),
    cfg.ListOpt(
        'ignore_req_list',
        default=['GET', 'HEAD'],
        help='HTTP methods not audited. Reads are not, by default: the '
        'trail is of what changed the fleet, and who asked.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
