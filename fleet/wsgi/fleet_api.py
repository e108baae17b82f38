"""fleet-api's WSGI application as a module attribute, for servers that
import ``module:application`` (DevStack's uwsgi: ``module =
fleet.wsgi.fleet_api:application``). Importing it reads the config
(``$OS_FLEET_CONFIG_DIR/fleet.conf``), see :mod:`fleet.wsgi.api`."""

from fleet.wsgi import api

application = api.initialize_application()
