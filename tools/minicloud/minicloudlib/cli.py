"""Command line of tools/minicloud/minicloud."""

import argparse
import fcntl
import os
import sys

from minicloudlib import cloud as cloud_mod
from minicloudlib import state as st


def _parser():
    p = argparse.ArgumentParser(
        prog='minicloud',
        description='A real OpenStack (Keystone, Placement, Glance, Neutron '
        'API, Nova with fake computes) on 127.0.0.1 for fleet\'s '
        'functional tests. State lives in $FLEET_MINICLOUD_DIR '
        '(default ~/.fleet-minicloud).',
    )
    sub = p.add_subparsers(dest='command', required=True)
    up = sub.add_parser(
        'up', help='install, configure and start what is down (idempotent)'
    )
    up.add_argument(
        '--computes',
        type=int,
        metavar='N',
        help='number of fake nova-compute hosts fc1..fcN '
        '[$FLEET_MINICLOUD_COMPUTES, default 3]',
    )
    up.add_argument(
        '--migration-seconds',
        type=float,
        metavar='S',
        help='duration of a simulated live migration '
        '[$FLEET_MINICLOUD_MIGRATION_SECONDS, default 2]',
    )
    up.add_argument(
        '--debug',
        action='store_true',
        default=None,
        help='debug logging in every service [$FLEET_MINICLOUD_DEBUG]',
    )
    up.add_argument('--no-debug', dest='debug', action='store_false')
    up.add_argument(
        '--port-base',
        type=int,
        metavar='PORT',
        help='first of the ports used (keystone, placement, '
        'glance, neutron, nova-api) '
        '[$FLEET_MINICLOUD_PORT_BASE, default 15000]',
    )
    up.add_argument(
        '--keystone-port',
        type=int,
        metavar='PORT',
        help='keystone port [$FLEET_MINICLOUD_KEYSTONE_PORT, '
        'default: the port base]',
    )
    up.add_argument(
        '--timeout',
        type=int,
        default=180,
        help='seconds to wait for the computes [180]',
    )
    down = sub.add_parser('down', help='stop the processes minicloud started')
    down.add_argument(
        '--purge',
        action='store_true',
        help='also drop the databases and delete the state '
        'but venv/ and logs/: the next up builds a new '
        'cloud',
    )
    down.add_argument(
        '--infra',
        action='store_true',
        help='also report whether minicloud started RabbitMQ '
        'or MariaDB (they are shared, never stopped)',
    )
    sub.add_parser(
        'status', help='show what runs; exit 1 if something expected is down'
    )
    sub.add_parser('env', help='print shell exports for the cloud')
    rc = sub.add_parser(
        'restart-compute',
        help='restart one fake compute (a host reboot) and '
        'wait until it reports up',
    )
    rc.add_argument('name', help='compute host, e.g. fc1')
    rc.add_argument('--no-wait', action='store_true')
    rc.add_argument('--timeout', type=int, default=90)
    sc = sub.add_parser(
        'stop-compute',
        help='stop one fake compute (a host that died); '
        '"restart-compute" brings it back',
    )
    sc.add_argument('name', help='compute host, e.g. fc1')
    return p


def main(argv=None):
    args = _parser().parse_args(argv)
    state = st.State()
    overrides = {}
    if args.command == 'up':
        overrides = {
            'computes': args.computes,
            'migration_seconds': args.migration_seconds,
            'debug': args.debug,
            'port_base': args.port_base,
            'keystone_port': args.keystone_port,
        }
        if args.computes is not None and args.computes < 1:
            sys.exit('--computes must be at least 1')
    state.load_params(overrides)
    cloud = cloud_mod.Cloud(state, quiet=args.command in ('env', 'status'))
    if args.command in ('up', 'down', 'restart-compute', 'stop-compute'):
        # One command that changes the cloud at a time.
        os.makedirs(state.run, exist_ok=True)
        lock = open(os.path.join(state.run, 'minicloud.lock'), 'w')  # noqa: SIM115
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            cloud.say('another minicloud command is running; waiting')
            fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        if args.command == 'up':
            cloud.up(timeout=args.timeout)
        elif args.command == 'down':
            cloud.down(infra_too=args.infra)
            if args.purge:
                cloud.purge()
        elif args.command == 'status':
            problems = cloud.status()
            if problems:
                print('%d problem(s)' % problems)
                return 1
        elif args.command == 'env':
            print('export FLEET_MINICLOUD_DIR=%s' % state.root)
            print(
                'export FLEET_MINICLOUD_CONFIG=%s'
                % os.path.join(state.root, 'fleet.json')
            )
            print(
                'export OS_CLIENT_CONFIG_FILE=%s'
                % os.path.join(state.root, 'clouds.yaml')
            )
            print('export OS_CLOUD=minicloud-admin')
            sys.stdout.write(cloud.openrc())
            print('# openstack CLI: %s' % state.bin('openstack'))
        elif args.command == 'restart-compute':
            cloud.cfg.render_all()
            cloud.restart_compute(
                args.name, wait=not args.no_wait, timeout=args.timeout
            )
        elif args.command == 'stop-compute':
            cloud.stop_compute(args.name)
    except cloud_mod.SetupError as e:
        print('minicloud: ERROR: %s' % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
