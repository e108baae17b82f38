"""WSGI entry point of fleet-api for uwsgi, gunicorn or mod_wsgi.

    gunicorn 'fleet.wsgi.api:initialize_application()'

The config file comes from ``$OS_FLEET_CONFIG_DIR/fleet.conf`` (default
/etc/fleet/fleet.conf) and must exist: the application refuses to load
without it (or without ``[database] connection``) rather than serve on
defaults. The server's own command-line arguments are never parsed as
fleet options.
"""

import gc
import os

from oslo_config import cfg

from fleet.api import app
from fleet.common import exception
from fleet.common import rpc
from fleet.common import service as fleet_service

CONF = cfg.CONF


def config_file_path():
    """``$OS_FLEET_CONFIG_DIR/fleet.conf``, by default
    ``/etc/fleet/fleet.conf``."""
    config_dir = os.environ.get('OS_FLEET_CONFIG_DIR', '/etc/fleet')
    return os.path.join(config_dir, 'fleet.conf')


def initialize_application():
    """The fleet-api WSGI application, configured from
    :func:`config_file_path`.

    :raises: :class:`fleet.common.exception.ConfigInvalid` when that file
        is missing or ``[database] connection`` is not set in it.
    """
    config_file = config_file_path()
    if not os.path.isfile(config_file):
        # Running on defaults would serve an API with no database and no
        # cloud behind it; the server's log must say why it cannot start.
        raise exception.ConfigInvalid(
            error=f'fleet-api (WSGI): config file {config_file} not found. '
            'Write it (see etc/fleet/fleet.conf.sample) or point '
            'OS_FLEET_CONFIG_DIR at the directory that holds fleet.conf.'
        )
    fleet_service.prepare_service(
        ['fleet-api'], default_config_files=[config_file]
    )
    rpc.init(CONF)
    application = app.setup_app()
    # As fleet.api.service does: what lives as long as the process leaves
    # the collector's sight (and is shared with forked workers).
    gc.collect()
    gc.freeze()
    return application
