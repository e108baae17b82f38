"""fleet-dbsync: create or upgrade fleet's database schema.

Usage::

    fleet-dbsync [--config-file fleet.conf] upgrade [--revision REV]
    fleet-dbsync stamp --revision REV
    fleet-dbsync version
"""

import sys

from oslo_config import cfg

from fleet.common import service as fleet_service
from fleet.db import migration

CONF = cfg.CONF


def _upgrade():
    migration.upgrade(CONF.command.revision)
    print(f'Database at revision {migration.version()}.')


def _stamp():
    migration.stamp(CONF.command.revision)
    print(f'Database stamped at {migration.version()}.')


def _version():
    print(migration.version() or 'empty (run "fleet-dbsync upgrade")')


def _add_commands(subparsers):
    parser = subparsers.add_parser(
        'upgrade', help='Upgrade the schema (default: to the newest).'
    )
    parser.add_argument('--revision', default='head')
    parser.set_defaults(func=_upgrade)
    parser = subparsers.add_parser(
        'stamp', help='Record a revision without running migrations.'
    )
    parser.add_argument('--revision', required=True)
    parser.set_defaults(func=_stamp)
    parser = subparsers.add_parser(
        'version', help='Print the current revision.'
    )
    parser.set_defaults(func=_version)


command_opt = cfg.SubCommandOpt(
    'command',
    title='Command',
    help='Available commands',
    handler=_add_commands,
)


def main():
    CONF.register_cli_opt(command_opt)
    fleet_service.prepare_command(sys.argv)
    CONF.command.func()
    return 0


if __name__ == '__main__':
    sys.exit(main())
