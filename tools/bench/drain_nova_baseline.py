#!/usr/bin/env python3
"""Baseline for fleet's drain benchmark: drain a host with bare novaclient.

What an operator's shell loop would do, with no fleet in the way: disable
nothing, just live-migrate every instance off one host with at most P at
a time (the scheduler picks destinations), wait for each migration to
complete, print the wall time. fleet's own drain of the same host is
compared against this figure.

It runs on the minicloud (``python3 tools/minicloud/minicloud up``) and
reads ``$FLEET_MINICLOUD_DIR/fleet.json``. It is a tool, not fleet code,
so it talks to Nova through novaclient directly.

Usage::

    /root/fleet-venv/bin/python tools/bench/drain_nova_baseline.py \\
        --instances 20 --parallel 4 --host fc1

Reusable pieces (fleet's own drain benchmark imports them)::

    from drain_nova_baseline import connect, boot_instances, delete_all
    cloud = connect()
    uuids = boot_instances(cloud, 'fc1', 20)
"""

import argparse
import concurrent.futures
import json
import os
import sys
import time
import uuid as uuidlib

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client

MICROVERSION = '2.88'
DONE = 'completed'
FAILED = ('error', 'failed', 'cancelled')


def state_dir() -> str:
    return os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
        os.path.expanduser('~'), '.fleet-minicloud'
    )


class Cloud:
    """A novaclient on the minicloud, as admin, plus what booting needs.

    :ivar nova: the novaclient client (microversion 2.88).
    :ivar session: the keystoneauth session.
    :ivar config: the minicloud's fleet.json.
    """

    def __init__(self, config: dict, who: str = 'admin') -> None:
        self.config = config
        self.session = ks_session.Session(
            auth=v3.Password(auth_url=config['auth_url'], **config[who])
        )
        self.nova = nova_client.Client(
            MICROVERSION, session=self.session, region_name=config['region']
        )

    def image_id(self) -> str:
        images = self.session.get(
            '/v2/images?name=%s' % self.config['image'],
            endpoint_filter={
                'service_type': 'image',
                'region_name': self.config['region'],
            },
        ).json()['images']
        if not images:
            raise RuntimeError('image %s missing' % self.config['image'])
        return images[0]['id']

    def flavor_id(self) -> str:
        return self.nova.flavors.find(name=self.config['flavor']).id


def connect(path: str | None = None, who: str = 'admin') -> Cloud:
    """The minicloud described by ``fleet.json``.

    :param path: fleet.json; default ``$FLEET_MINICLOUD_DIR/fleet.json``.
    :param who: ``admin`` or ``fleet`` (fleet's service user).
    """
    path = path or os.path.join(state_dir(), 'fleet.json')
    with open(path) as f:
        return Cloud(json.load(f), who)


def wait_servers(cloud: Cloud, uuids: list[str], timeout: float) -> None:
    """Wait until every server is ACTIVE with no task state.

    :raises: RuntimeError if one ends in ERROR or the time runs out.
    """
    deadline = time.monotonic() + timeout
    pending = set(uuids)
    while pending:
        # One list call per round, not one GET per server: cheap on the
        # 2-core test machine.
        for server in cloud.nova.servers.list(
            search_opts={'all_tenants': True}, limit=-1
        ):
            if server.id not in pending:
                continue
            if server.status == 'ERROR':
                raise RuntimeError('server %s went to ERROR' % server.id)
            if server.status == 'ACTIVE' and not getattr(
                server, 'OS-EXT-STS:task_state', None
            ):
                pending.discard(server.id)
        if not pending:
            return
        if time.monotonic() > deadline:
            raise RuntimeError('servers not ACTIVE in time: %s' % pending)
        time.sleep(0.5)


def boot_instances(
    cloud: Cloud,
    host: str,
    count: int = 20,
    prefix: str = 'bench',
    timeout: float = 300,
) -> list[str]:
    """Boot ``count`` instances onto ``host`` and wait until ACTIVE.

    One request with ``min_count``/``max_count`` (Nova boots them as a
    batch), forced onto the host with ``availability_zone='nova:<host>'``
    (admin only), without networks (microversion >= 2.37).

    :returns: the servers' UUIDs.
    """
    name = '%s-%s' % (prefix, uuidlib.uuid4().hex[:6])
    cloud.nova.servers.create(
        name,
        cloud.image_id(),
        cloud.flavor_id(),
        availability_zone='nova:%s' % host,
        nics='none',
        min_count=count,
        max_count=count,
    )
    # A multi-create answers with the reservation, not the servers.
    uuids = []
    deadline = time.monotonic() + timeout
    while len(uuids) < count:
        # dict: paging may repeat servers created in the same second.
        uuids = list(
            dict.fromkeys(
                s.id
                for s in cloud.nova.servers.list(
                    search_opts={'all_tenants': True, 'name': '^%s' % name},
                    limit=-1,
                )
            )
        )
        if time.monotonic() > deadline:
            raise RuntimeError('only %d of %d servers' % (len(uuids), count))
        if len(uuids) < count:
            time.sleep(0.5)
    wait_servers(cloud, uuids, timeout)
    return uuids


def delete_all(cloud: Cloud, uuids: list[str], timeout: float = 120) -> None:
    """Delete servers and wait until they are gone."""
    for server_id in uuids:
        try:
            cloud.nova.servers.delete(server_id)
        except Exception as e:  # noqa: BLE001 - best effort cleanup
            print('delete %s: %s' % (server_id, e), file=sys.stderr)
    deadline = time.monotonic() + timeout
    remaining = set(uuids)
    while remaining and time.monotonic() < deadline:
        listed = {
            s.id
            for s in cloud.nova.servers.list(
                search_opts={'all_tenants': True}, limit=-1
            )
        }
        remaining &= listed
        if remaining:
            time.sleep(0.5)


def migrate_one(cloud: Cloud, server_id: str, timeout: float) -> dict:
    """Live-migrate one server and wait for its migration to end.

    :returns: ``{'uuid', 'status', 'dest', 'seconds'}``.
    """
    started = time.monotonic()

    def latest():
        records = cloud.nova.migrations.list(
            instance_uuid=server_id, migration_type='live-migration'
        )
        return max(records, key=lambda m: m.id) if records else None

    before = latest()
    before_id = before.id if before else None
    cloud.nova.servers.live_migrate(server_id, None, 'auto')
    while True:
        # The record appears shortly after the 202: wait for a new one.
        current = latest()
        if current is not None and current.id != before_id:
            if current.status == DONE or current.status in FAILED:
                return {
                    'uuid': server_id,
                    'status': current.status,
                    'dest': current.dest_compute,
                    'seconds': round(time.monotonic() - started, 2),
                }
        if time.monotonic() - started > timeout:
            return {
                'uuid': server_id,
                'status': 'timeout',
                'dest': None,
                'seconds': round(time.monotonic() - started, 2),
            }
        time.sleep(0.5)


def drain(
    cloud: Cloud,
    host: str,
    parallel: int = 4,
    timeout: float = 600,
    only: list[str] | None = None,
) -> dict:
    """Live-migrate every instance off ``host``, ``parallel`` at a time.

    :param only: migrate only these servers (on a cloud shared with other
        tests, the ones the benchmark booted).
    :returns: ``{'instances', 'wall_seconds', 'results', 'by_status'}``.
    """
    servers = [
        s.id
        for s in cloud.nova.servers.list(
            search_opts={'all_tenants': True, 'host': host}, limit=-1
        )
        if only is None or s.id in only
    ]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        results = list(
            pool.map(lambda s: migrate_one(cloud, s, timeout), servers)
        )
    wall = round(time.monotonic() - started, 2)
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r['status']] = by_status.get(r['status'], 0) + 1
    return {
        'instances': len(servers),
        'wall_seconds': wall,
        'results': results,
        'by_status': by_status,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--host', help='host to drain (default: first)')
    parser.add_argument('--instances', type=int, default=20)
    parser.add_argument('--parallel', type=int, default=4)
    parser.add_argument(
        '--keep', action='store_true', help='do not delete the instances'
    )
    parser.add_argument(
        '--no-boot',
        action='store_true',
        help='drain everything on the host, boot nothing (otherwise only '
        'the booted instances move, so others sharing the cloud are left '
        'alone)',
    )
    args = parser.parse_args(argv)

    cloud = connect()
    host = args.host or cloud.config['computes'][0]
    uuids: list[str] = []
    try:
        if not args.no_boot:
            t0 = time.monotonic()
            uuids = boot_instances(cloud, host, args.instances)
            print(
                'booted %d instances on %s in %.1fs'
                % (len(uuids), host, time.monotonic() - t0)
            )
        report = drain(
            cloud, host, args.parallel, only=None if args.no_boot else uuids
        )
        dests: dict[str, int] = {}
        for r in report['results']:
            dests[r['dest']] = dests.get(r['dest'], 0) + 1
        print(
            'drained %d instances off %s with parallelism %d in %.2fs '
            '(migration_seconds=%s): %s; destinations %s'
            % (
                report['instances'],
                host,
                args.parallel,
                report['wall_seconds'],
                cloud.config.get('migration_seconds'),
                report['by_status'],
                dests,
            )
        )
        seconds = sorted(r['seconds'] for r in report['results'])
        if seconds:
            print(
                'per instance: min %.2fs median %.2fs max %.2fs'
                % (seconds[0], seconds[len(seconds) // 2], seconds[-1])
            )
    finally:
        if uuids and not args.keep:
            delete_all(cloud, uuids)
    return 0


if __name__ == '__main__':
    sys.exit(main())
