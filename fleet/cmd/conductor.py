"""fleet-conductor: RPC server, notification listener, flow engine."""

import sys

from oslo_config import cfg
from oslo_service import service

from fleet.common import service as fleet_service

CONF = cfg.CONF


def main():
    fleet_service.prepare_command(sys.argv)
    launcher = service.launch(
        CONF, fleet_service.ConductorService(), restart_method='mutate'
    )
    return launcher.wait()


if __name__ == '__main__':
    sys.exit(main())
