"""Options of group ``[nova]``: how fleet reaches Nova (and Placement).

keystoneauth's own options (``auth_type`` and the auth plugin's options,
the session options ``timeout``, ``cafile``, ``insecure``, ... and the
adapter options ``region_name``, ``valid_interfaces``,
``endpoint_override``, ...) are registered in this group, as ironic and
watcher do, so one section configures the whole client. fleet adds the
compute API microversion and its own retry policy.

Example ``fleet.conf``::

    [nova]
    auth_type = password
    auth_url = http://keystone:5000/v3
    username = fleet
    password = secret
    project_name = service
    user_domain_name = Default
    project_domain_name = Default
    region_name = RegionOne
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = 'nova'

group = cfg.OptGroup(
    GROUP,
    title='Nova client',
    help='How fleet reaches the compute API (Nova) and Placement, used by '
    'the "nova" compute driver. The fleet user needs the admin role: it '
    'disables compute services and migrates other projects\' instances.',
)

#: Lowest microversion the adapter works with: os-services addressed by
#: UUID (2.53), a target host for cold migration (2.56), migration UUIDs and
#: paging of os-migrations (2.59).
MIN_API_VERSION = '2.59'

#: Default microversion: live migration returns at once (>= 2.34), embedded
#: flavors in servers (>= 2.47), and the newest version python-novaclient
#: 18.x and Nova 2026.1 both know without changing the server's shape
#: (2.90 renames the hostname field).
DEFAULT_API_VERSION = '2.88'

opts = [
    cfg.StrOpt(
        'api_version',
        default=DEFAULT_API_VERSION,
        help='Compute API microversion fleet requests. At least %s; the '
        'default is tested against Nova 2026.1.' % MIN_API_VERSION,
    ),
    cfg.IntOpt(
        'max_retries',
        default=3,
        min=0,
        help='How many times a Nova or Placement call is retried after a '
        'transient error: connection failure, or HTTP 502/503/504 (only '
        'connection refused and 503 for calls that are not idempotent, '
        'such as starting a migration, since the others may have been '
        'acted on). Leave keystoneauth\'s connect_retries and '
        'status_code_retries unset, or both retry.',
    ),
    cfg.FloatOpt(
        'retry_delay',
        default=0.5,
        min=0,
        help='Seconds before the first retry; each next retry waits twice '
        'as long, up to max_retry_delay.',
    ),
    cfg.FloatOpt(
        'max_retry_delay',
        default=8.0,
        min=0,
        help='Longest wait between two retries, in seconds.',
    ),
]

# keystoneauth's options get fleet's defaults: a bounded request time
# (keystoneauth waits forever by default) and the compute service type.
# They are set on the option objects themselves, not with set_default(),
# which ConfigOpts.clear() (run by every parse) would undo.
_KS_DEFAULTS = {
    'timeout': 60,
    'service_type': 'compute',
    'valid_interfaces': ['internal', 'public'],
}


def _ks_opts():
    """keystoneauth's session and adapter options, with fleet defaults."""
    ks_opts = ks_loading.get_session_conf_options() + (
        ks_loading.get_adapter_conf_options(include_deprecated=False)
    )
    cfg.set_defaults(ks_opts, **_KS_DEFAULTS)
    return ks_opts


def register_opts(conf):
    # A group of its own for each ConfigOpts: register_group keeps a
    # shallow copy, so two of them given the same OptGroup share its
    # options, and the auth plugin options keystoneauth registers on one
    # (auth_url, required) would appear in the other.
    conf.register_group(
        cfg.OptGroup(group.name, title=group.title, help=group.help)
    )
    conf.register_opts(opts, group=group)
    conf.register_opts(_ks_opts(), group=group)
    # auth_type and auth_section; the chosen plugin's own options are
    # registered by keystoneauth when it loads the plugin.
    ks_loading.register_auth_conf_options(conf, GROUP)


def list_opts():
    # The sample shows the password plugin's options, the usual choice.
    auth_opts = ks_loading.get_auth_common_conf_options() + (
        ks_loading.get_auth_plugin_conf_options('password')
    )
    listed = opts + _ks_opts()
    names = {o.dest for o in listed}
    return {group: listed + [o for o in auth_opts if o.dest not in names]}
