import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt(
        'host',
        sample_default='<hostname>',
        default=socket.gethostname(),
        help='Name of this node: the RPC server of a conductor listens '
        'on this name and it is recorded as the owner of the runs it '
        'executes.',
    ),
    cfg.BoolOpt(
        'all_in_one',
        default=False,
        help='Set by fleet-all-in-one: API and conductor share one '
        'process. Not meant to be set by hand.',
    ),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return {'DEFAULT': opts}
