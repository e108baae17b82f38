#!/usr/bin/env python3
"""Capacity model at scale: how long a drain's capacity check and the
``GET /v1/capacity`` what-if take on a large simulated fleet.

Syncs ``--hosts`` simulated computes with ``--instances-per-host``
instances each into a SQLite file database (fake inventory driver), then
prints figures only:

* ``view_s``: :func:`fleet.inventory.capacity.compute` with one host
  taken down (the API's what-if), from the database rows;
* ``reserve_s``: ``reserve_capacity`` with the model's check inside the
  transaction (every compute host, every instance and the reservations
  read under the capacity lock), for one host, as ``CheckCapacity`` does;
* ``live_s``: the compute driver's ``list_host_capacities`` (on Nova two
  API calls; on the simulated cloud, which has no bulk read, one
  ``get_host_capacity`` per host, each a pass over every instance: the
  simulator's cost, not fleet's);
* ``task_s``: the whole ``CheckCapacity`` step on the simulated cloud
  (the live read above, then the check and the reservation).

Usage::

    .tox/py3/bin/python tools/bench/capacity_bench.py \
        [--hosts 2000] [--instances-per-host 20]
"""

import argparse
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=2000)
    parser.add_argument('--instances-per-host', type=int, default=20)
    args = parser.parse_args()

    from fleet import conf as fleet_conf
    from fleet.common import states
    from fleet.conductor import inventory
    from fleet.conductor.tasks import compute
    from fleet.db import api as db_api
    from fleet.db import migration
    from fleet.inventory import capacity

    conf = fleet_conf.CONF
    workdir = tempfile.mkdtemp(prefix='fleet-capacity-bench-')
    conf([], project='fleet', default_config_files=[])
    conf.set_override(
        'connection', f'sqlite:///{workdir}/fleet.db', group='database'
    )
    conf.set_override('hosts', args.hosts, group='fake_cloud')
    conf.set_override(
        'instances_per_host', args.instances_per_host, group='fake_cloud'
    )
    migration.upgrade('head')
    dbapi = db_api.get_instance()
    start = time.monotonic()
    inventory.sync()
    t_sync = time.monotonic() - start

    hosts = dbapi.list_hosts(filters={'kind': 'compute'})
    instances = dbapi.list_instances()
    source = hosts[0]['name']
    start = time.monotonic()
    view = capacity.compute(hosts, instances, without=[source])
    t_view = time.monotonic() - start

    run = dbapi.create_execution(
        {'kind': 'drain', 'state': states.EXEC_RUNNING}
    )['uuid']
    demand = capacity.demand_of(dbapi.list_instances({'host': source}))

    def check(hosts, instances, reservations):
        result = capacity.check_drain(
            hosts, instances, source, demand, reservations=reservations
        )
        return {'availability_zone': result['availability_zone']}

    start = time.monotonic()
    dbapi.reserve_capacity(run, source, check)
    t_reserve = time.monotonic() - start

    from fleet.drivers import factory

    start = time.monotonic()
    factory.get_compute().list_host_capacities()
    t_live = time.monotonic() - start

    params = {'target_host': None}
    start = time.monotonic()
    summary = compute.CheckCapacity().execute(run, hosts[1]['name'], params)
    t_task = time.monotonic() - start
    print(
        f'hosts={len(hosts)} instances={len(instances)} '
        f'sync_s={t_sync:.1f} view_s={t_view:.2f} '
        f'fits={view["what_if"]["fits"]} reserve_s={t_reserve:.2f} '
        f'live_s={t_live:.2f} task_s={t_task:.2f} '
        f'candidates={len(summary["candidates"])}'
    )


if __name__ == '__main__':
    main()
