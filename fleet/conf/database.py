from oslo_config import cfg
from oslo_db import options as db_options

DEFAULT_CONNECTION = 'sqlite:///fleet.sqlite'


def register_opts(conf):
    db_options.set_defaults(conf, connection=DEFAULT_CONNECTION)


def list_opts():
    # The [database] options belong to oslo.db and are listed by its own
    # namespace in the generator config; nothing fleet-specific here.
    return {}


def update_opt_defaults(conf=cfg.CONF):
    db_options.set_defaults(conf, connection=DEFAULT_CONNECTION)
