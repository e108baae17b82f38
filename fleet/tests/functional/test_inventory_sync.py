"""The nova inventory driver's incremental listing against a real Nova
(the minicloud): what the incremental sync relies on.

* a server booted after the mark shows up in ``changes-since``, on its
  compute;
* deleted, it still shows up there, with status DELETED (and the driver
  flags it ``deleted``), while a full listing leaves it out;
* paging by marker, one server a page, lists the same servers as one
  page does.

Run it after ``python3 tools/minicloud/minicloud up``, under the
minicloud's lock::

    flock /tmp/fleet-minicloud.lock env FLEET_FUNCTIONAL=1 \
        .tox/functional/bin/python -m pytest -rs \
        fleet/tests/functional/test_inventory_sync.py
"""

import datetime
from unittest import mock

import pytest

from fleet.drivers.inventory import nova as nova_inventory
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
    boot(cloud['computes'][0], 2)
    one_page = _listed(driver, page_size=1000)
    assert len(one_page) >= 2
    pages = list(driver.list_instances(page_size=1))
    assert all(len(p) == 1 for p in pages)
    # Under the minicloud's lock nothing else changes the server list.
    assert {p[0]['uuid'] for p in pages} == set(one_page)
