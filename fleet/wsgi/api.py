"""WSGI entry point of fleet-api for uwsgi, gunicorn or mod_wsgi.

    gunicorn 'fleet.wsgi.api:initialize_application()'

The config file comes from ``$OS_FLEET_CONFIG_DIR/fleet.conf`` (default
/etc/fleet/fleet.conf); the server's own command-line arguments are never
parsed as fleet options.
"""

import gc
import os

from oslo_config import cfg

from fleet.api import app
from fleet.common import rpc
from fleet.common import service as fleet_service

CONF = cfg.CONF


def initialize_application():
    config_dir = os.environ.get('OS_FLEET_CONFIG_DIR', '/etc/fleet')
    config_file = os.path.join(config_dir, 'fleet.conf')
    files = [config_file] if os.path.exists(config_file) else []
    fleet_service.prepare_service(['fleet-api'], default_config_files=files)
    rpc.init(CONF)
    application = app.setup_app()
    # As fleet.api.service does: what lives as long as the process leaves
    # the collector's sight (and is shared with forked workers).
    gc.collect()
    gc.freeze()
    return application
