"""Inventory of a real Nova, through :mod:`fleet.common.nova`.

A full sync reads the nova-compute services (state, status, disabled
reason, availability zone), the hypervisors and their Placement
inventories (capacity net of reserved, times the allocation ratio), the
host aggregates, the server groups (each instance's group and policy)
and every server of every project, page by page (the flavor is embedded
from microversion 2.47). An incremental sync reads the services, the
server groups and only the servers changed since the previous sync
(``changes-since``, deleted ones included), page by page.

Usage::

    [drivers]
    inventory = nova,static
"""

from oslo_config import cfg
from oslo_log import log

from fleet.common import exception
from fleet.common import nova
from fleet.drivers import base

CONF = cfg.CONF
LOG = log.getLogger(__name__)

COMPUTE_BINARY = 'nova-compute'
#: Statuses of a server Nova deleted: gone from the record (a full
#: listing, without changes-since, leaves both out too).
DELETED_STATUSES = ('DELETED', 'SOFT_DELETED')
#: Placement resource classes and the fact each becomes.
RESOURCES = {'VCPU': 'vcpus', 'MEMORY_MB': 'memory_mb', 'DISK_GB': 'disk_gb'}


def capacity_of(inventories):
    """Usable capacity from Placement inventories: (total - reserved) *
    allocation_ratio, per fact name."""
    facts = {}
    for rc, fact in RESOURCES.items():
        inv = inventories.get(rc)
        if inv:
            facts[fact] = int(
                (inv.get('total', 0) - inv.get('reserved', 0))
                * inv.get('allocation_ratio', 1.0)
            )
    return facts


def instance_of(server):
    """An inventory instance from Nova's detailed server view."""
    flavor = server.get('flavor') or {}
    return {
        'uuid': server['id'],
        'name': server.get('name'),
        'status': server.get('status'),
        'task_state': server.get('OS-EXT-STS:task_state'),
        'project_id': server.get('tenant_id'),
        'flavor': flavor.get('original_name'),
        'vcpus': flavor.get('vcpus') or 0,
        'memory_mb': flavor.get('ram') or 0,
        'disk_gb': (flavor.get('disk') or 0) + (flavor.get('ephemeral') or 0),
    }


class NovaInventory(base.InventoryDriver):
    """Compute hosts, their instances and aggregates, from Nova."""

    reports_instances = True
    instance_changes = True

    def validate_config(self):
        # Builds the adapter: a bad [nova] section stops the service now.
        nova.get_adapter()

    def _region(self):
        return (
            CONF.inventory.nova_region or CONF.nova.region_name or 'RegionOne'
        )

    def _capacity(self, adapter):
        """{service host: capacity facts} from hypervisors and Placement."""
        capacity = {}
        for hyp in adapter.list_hypervisors():
            host = (hyp.get('service') or {}).get('host')
            if not host:
                continue
            try:
                usage = adapter.get_provider_usage(hyp['id'])
            except exception.ComputeError as e:
                LOG.warning('No Placement inventory for %s: %s', host, e)
                continue
            facts = capacity.setdefault(host, {})
            for key, value in capacity_of(usage['inventories']).items():
                facts[key] = facts.get(key, 0) + value
            facts.setdefault('hypervisors', []).append(
                hyp.get('hypervisor_hostname')
            )
        return capacity

    def _server_groups(self, adapter):
        """{instance uuid: (group id, policy)} of every server group; an
        error leaves them unknown (the sync goes on without them)."""
        members = {}
        try:
            groups = adapter.list_server_groups()
        except exception.ComputeError as e:
            LOG.warning('Cannot list server groups: %s', e)
            return members
        for group in groups:
            # "policy" from microversion 2.64, "policies" before.
            policy = group.get('policy') or next(
                iter(group.get('policies') or ()), None
            )
            for uuid in group.get('members') or ():
                members[uuid] = (group['id'], policy)
        return members

    def list_hosts(self):
        return self._hosts(full=True)

    def list_hosts_brief(self):
        """The services only: capacity (a Placement call per hypervisor)
        and aggregates wait for the next full sync."""
        return self._hosts(full=False)

    def _hosts(self, full):
        adapter = nova.get_adapter()
        services = adapter.list_services(binary=COMPUTE_BINARY)
        capacity = self._capacity(adapter) if full else {}
        aggregates = {}
        if full and CONF.inventory.nova_aggregates:
            for agg in adapter.list_aggregates():
                for host in agg.get('hosts') or ():
                    aggregates.setdefault(host, []).append(agg['name'])
        region = self._region()
        hosts = []
        for svc in services:
            facts = dict(capacity.get(svc['host'], {}))
            if full:
                facts['aggregates'] = sorted(aggregates.get(svc['host'], []))
            hosts.append(
                {
                    'name': svc['host'],
                    'kind': 'compute',
                    'region': region,
                    'availability_zone': svc.get('zone'),
                    'nova_service_id': str(svc['id']),
                    'nova_service_state': svc.get('state'),
                    'nova_service_status': svc.get('status'),
                    'nova_disabled_reason': svc.get('disabled_reason'),
                    'facts': facts,
                }
            )
        return hosts

    def list_instances(self, changes_since=None, page_size=1000):
        """Every server (or those changed since ``changes_since``), one
        ``GET /servers/detail`` page at a time, followed by marker until
        Nova returns an empty page: Nova may cap a page below
        ``page_size`` (its ``[api] max_limit``), so a short page does not
        mean the end.

        A server Nova is still scheduling is listed from its build
        request, ahead of the cells' instances, then from its cell: paged
        across that moment it comes twice, the later one the fresher
        (callers apply pages in order).

        A page that fails raises (ComputeError): the caller keeps its
        previous high-water mark and asks again next time.
        """
        adapter = nova.get_adapter()
        groups = self._server_groups(adapter)
        marker = None
        while True:
            servers = adapter.list_servers_page(
                changes_since=changes_since, limit=page_size, marker=marker
            )
            if not servers:
                return
            marker = servers[-1]['id']
            page = []
            for server in servers:
                inst = instance_of(server)
                group = groups.get(inst['uuid'])
                inst['server_group'] = group and group[0]
                inst['server_group_policy'] = group and group[1]
                inst['host'] = server.get('OS-EXT-SRV-ATTR:host')
                inst['deleted'] = server.get('status') in DELETED_STATUSES
                page.append(inst)
            yield page
