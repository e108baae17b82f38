"""openstackclient plugin interface of fleet.

openstackclient loads this module from the ``openstack.cli.extension``
entry point, adds :func:`build_option_parser`'s global options, and calls
:func:`make_client` the first time a command uses
``self.app.client_manager.fleet``. The commands are listed under
``openstack.fleet.v1`` in setup.cfg.
"""

import argparse
import logging

from osc_lib import utils

from fleet.client import client as fleet_client

LOG = logging.getLogger(__name__)

API_NAME = 'fleet'
API_VERSION_OPTION = 'os_fleet_api_version'
#: "1" asks for the newest version both sides speak (see Client).
DEFAULT_API_VERSION = '1'
API_VERSIONS = ('1',) + tuple(
    '1.%d' % minor
    for minor in range(
        fleet_client.MIN_VERSION[1], fleet_client.MAX_VERSION[1] + 1
    )
)


def _normalize(version):
    # openstackclient picks the command group from the major version
    # ("openstack.fleet.v1"), so "latest" must not reach it as is.
    if not version or version.strip().lower() == fleet_client.LATEST:
        return DEFAULT_API_VERSION
    return version.strip()


class _VersionAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, _normalize(values))


def check_api_version(version):
    """Accept any "1.N": the client negotiates, and the server says which
    versions it has if the one asked for is not among them.

    :returns: True, to skip openstackclient's check against API_VERSIONS.
    """
    return True


def make_client(instance):
    """Return a :class:`fleet.client.Client` for the client manager.

    The endpoint is, in order: ``fleet_endpoint_override`` (clouds.yaml),
    ``--os-endpoint`` (with any auth type), then the "fleet" entry of the
    service catalog for the chosen interface and region.
    """
    version = instance._api_version.get(API_NAME, DEFAULT_API_VERSION)
    options = instance._cli_options
    # --os-endpoint is an auth option of "none" only; with a password it
    # is still what the user wants fleet to talk to.
    endpoint = options.get_endpoint(API_NAME) or options.config.get('endpoint')
    LOG.debug(
        'fleet client: API version %s, endpoint %s',
        version,
        endpoint or '(from the catalog)',
    )
    return fleet_client.Client(
        session=instance.session,
        endpoint=endpoint,
        api_version=_normalize(version),
        interface=instance.interface,
        region_name=instance.region_name,
    )


def build_option_parser(parser):
    """Add ``--os-fleet-api-version`` to openstackclient's options."""
    parser.add_argument(
        '--os-fleet-api-version',
        metavar='<fleet-api-version>',
        default=_normalize(utils.env('OS_FLEET_API_VERSION')),
        action=_VersionAction,
        help='fleet API microversion, "1.N" or "latest" (default: the '
        'newest both the client and the server support; env: '
        'OS_FLEET_API_VERSION).',
    )
    return parser
