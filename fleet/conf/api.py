from oslo_config import cfg
from oslo_middleware import sizelimit

group = cfg.OptGroup('api', title='fleet-api options')

opts = [
    cfg.HostAddressOpt(
        'host_ip',
        default='127.0.0.1',
        help='Address fleet-api (and fleet-all-in-one) listens on.',
    ),
    cfg.PortOpt('port', default=9880, help='TCP port fleet-api listens on.'),
    cfg.StrOpt(
        'auth_strategy',
        default='keystone',
        choices=[
            ('keystone', 'Validate tokens with keystonemiddleware.'),
            (
                'noauth',
                'No authentication: every request is an admin. '
                'Only for all-in-one and tests on a trusted host.',
            ),
        ],
        help='How API requests are authenticated.',
    ),
    cfg.IntOpt(
        'max_limit',
        default=1000,
        min=1,
        help='Largest number of items a list request returns; a larger '
        '"limit" is reduced to this.',
    ),
    cfg.IntOpt(
        'default_limit',
        default=100,
        min=1,
        help='Number of items a list request returns when it gives no '
        '"limit".',
    ),
    cfg.StrOpt(
        'public_endpoint',
        help='Public URL of this API, used in links when fleet runs '
        'behind a proxy. Defaults to the request URL.',
    ),
    cfg.IntOpt(
        'workers',
        default=16,
        min=1,
        help='Threads serving requests in the built-in server (cheroot; '
        'fleet-api, fleet-all-in-one). Under uwsgi or gunicorn their '
        'own settings apply.',
    ),
    cfg.IntOpt(
        'backlog',
        default=1024,
        min=1,
        help='Connections the built-in server lets wait to be accepted '
        '(listen backlog; the kernel caps it at net.core.somaxconn). '
        'Clients beyond it are refused or reset.',
    ),
    cfg.IntOpt(
        'client_socket_timeout',
        default=60,
        min=1,
        help='Seconds the built-in server waits on an idle or slow '
        'client connection (keep-alive included) before closing it.',
    ),
]


#: fleet's default of [oslo_middleware] max_request_body_size: an
#: Alertmanager notification of [alerts] max_webhook_alerts (500) alerts
#: is about 500 KiB, beyond the library's 112 KiB.
MAX_REQUEST_BODY_SIZE = 1024 * 1024


def update_opt_defaults():
    """fleet's defaults of library options (generator hook too)."""
    cfg.set_defaults(
        sizelimit.OPTS, max_request_body_size=MAX_REQUEST_BODY_SIZE
    )


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
    update_opt_defaults()


def list_opts():
    return {group: opts}
