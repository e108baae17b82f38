"""fleet-api: the REST API, served by cheroot (see fleet.api.service)."""

import sys

from oslo_config import cfg
from oslo_service import service

from fleet.api import service as api_service
from fleet.common import service as fleet_service

CONF = cfg.CONF


def main():
    fleet_service.prepare_command(sys.argv)
    launcher = service.launch(
        CONF, api_service.APIService(), restart_method='mutate'
    )
    return launcher.wait()


if __name__ == '__main__':
    sys.exit(main())
