"""The nova inventory driver's incremental listing against a real Nova
(the minicloud): what the incremental sync relies on.

* a server booted after the mark shows up in ``changes-since``, on its
  compute;
* deleted, it still shows up there, with status DELETED (and the driver
  flags it ``deleted``), while a full listing leaves it out;
* paging by marker, one server a page, lists the same servers as one
  page does;
* and the conductor's sync itself (in this process, on MariaDB): after a
  full sync, one incremental sync shows a server booted in Nova, and
  after its deletion one incremental sync forgets it.

Run it after ``python3 tools/minicloud/minicloud up``, under the
minicloud's lock::

    flock /tmp/fleet-minicloud.lock env FLEET_FUNCTIONAL=1 \
        .tox/functional/bin/python -m pytest -rs \
        fleet/tests/functional/test_inventory_sync.py
"""

import datetime
from unittest import mock

import pytest

from fleet import conf as fleet_conf
from fleet.common import exception
from fleet.conductor import inventory
from fleet.db import api as db_api
from fleet.drivers.inventory import nova as nova_inventory
from fleet.tests import base as fleet_base
from fleet.tests.functional import base as fbase
from fleet.tests.functional import test_nova_compute_driver as ncd

pytestmark = ncd.pytestmark
cloud = ncd.cloud
conf = ncd.conf
adapter = ncd.adapter
boot = ncd.boot


@pytest.fixture
def driver(adapter):
    with mock.patch.object(
        nova_inventory.nova, 'get_adapter', return_value=adapter
    ):
        yield nova_inventory.NovaInventory()


def _listed(driver, **kwargs):
    return {
        i['uuid']: i for page in driver.list_instances(**kwargs) for i in page
    }


def test_changes_since_shows_new_and_deleted_servers(
    cloud, adapter, boot, driver
):
    # A minute back: the minicloud's services share this machine's clock,
    # Nova keeps seconds only.
    mark = datetime.datetime.utcnow() - datetime.timedelta(seconds=60)
    host = cloud['computes'][0]
    (uuid,) = boot(host, 1)
    ncd._wait(
        f'{uuid} on {host}',
        lambda: (
            _listed(driver, changes_since=mark).get(uuid, {}).get('host')
            == host
        ),
        timeout=ncd.TIMEOUT,
        interval=2,
    )
    changed = _listed(driver, changes_since=mark)
    assert changed[uuid]['deleted'] is False
    assert uuid in _listed(driver)

    adapter.nova.servers.delete(uuid)

    def gone():
        inst = _listed(driver, changes_since=mark).get(uuid)
        return inst is not None and inst['deleted']

    ncd._wait(f'{uuid} deleted', gone, timeout=ncd.TIMEOUT, interval=2)
    assert uuid not in _listed(driver)
    # Servers not changed since the mark are not listed.
    later = datetime.datetime.utcnow() + datetime.timedelta(seconds=60)
    assert uuid not in _listed(driver, changes_since=later)


def test_paging_by_marker_lists_every_server(boot, cloud, driver):
    booted = set(boot(cloud['computes'][0], 2))
    # While Nova schedules a server it lists it from its build request,
    # ahead of the cells' instances, and afterwards from its cell: a
    # listing paged across that moment names it twice (the later entry
    # is the fresher, and the sync writes pages in order). Page once
    # they are built.
    ncd._wait(
        'the booted servers active',
        lambda: all(
            (_listed(driver).get(u) or {}).get('status') == 'ACTIVE'
            for u in booted
        ),
        timeout=ncd.TIMEOUT,
        interval=1,
    )
    before = set(_listed(driver, page_size=1000))
    assert booted <= before
    pages = list(driver.list_instances(page_size=1))
    after = set(_listed(driver, page_size=1000))
    assert all(len(p) == 1 for p in pages)
    paged = [p[0]['uuid'] for p in pages]
    assert len(paged) == len(set(paged)), 'a server listed twice'
    # A server an earlier test deleted may still be going away while this
    # one lists (Nova deletes asynchronously): every server listed both
    # before and after the paging must be in it, and nothing else may.
    assert booted <= set(paged)
    assert before & after <= set(paged) <= before | after


@pytest.fixture
def conductor_db(adapter):
    """The conductor's sync in this process: fleet's CONF with the nova
    drivers, Nova through the minicloud adapter, a throwaway MariaDB
    database. hold_services is left out: it would change the shared
    minicloud's compute services."""
    conf_fixture = fleet_base.ConfFixture()
    drivers = fleet_base.DriversFixture()
    database = fbase.create_mysql_database()
    db = fleet_base.Database(database.url)
    conf_fixture.setUp()
    drivers.setUp()
    try:
        db.setUp()
        for name, value in (('inventory', ['nova']), ('compute', ['nova'])):
            fleet_conf.CONF.set_override(name, value, group='drivers')
        with (
            mock.patch('fleet.common.nova.get_adapter', return_value=adapter),
            mock.patch.object(inventory, 'hold_services', return_value={}),
        ):
            yield db_api.get_instance()
    finally:
        db.cleanUp()
        database.drop()
        drivers.cleanUp()
        conf_fixture.cleanUp()


def test_one_incremental_sync_follows_a_create_and_a_delete(
    cloud, adapter, boot, conductor_db
):
    dbapi = conductor_db
    assert inventory.sync(full=True)['full'] is True
    host = cloud['computes'][0]
    (uuid,) = boot(host, 1)
    ncd._wait(
        f'{uuid} active',
        lambda: adapter.get_server(uuid).get('status') == 'ACTIVE',
        timeout=ncd.TIMEOUT,
        interval=2,
    )
    counts = inventory.sync()
    assert counts['full'] is False
    assert dbapi.get_instance(uuid)['host'] == host

    adapter.nova.servers.delete(uuid)

    def gone():
        try:
            adapter.get_server(uuid)
        except exception.InstanceNotFound:
            return True
        return False

    ncd._wait(f'{uuid} deleted', gone, timeout=ncd.TIMEOUT, interval=2)
    counts = inventory.sync()
    assert counts['full'] is False
    assert counts['instances']['deleted'] >= 1
    with pytest.raises(exception.InstanceNotFound):
        dbapi.get_instance(uuid)
