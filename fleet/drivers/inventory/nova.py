"""Inventory of a real Nova, through :mod:`fleet.common.nova`.

One sync reads, in a handful of calls whatever the fleet's size: the
nova-compute services (state, status, disabled reason, availability
zone), the hypervisors and their Placement inventories (capacity net of
reserved, times the allocation ratio), every server of every project (the
flavor is embedded from microversion 2.47), the server groups (each
instance's group and policy) and the host aggregates.

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
        adapter = nova.get_adapter()
        services = adapter.list_services(binary=COMPUTE_BINARY)
        capacity = self._capacity(adapter)
        aggregates = {}
        if CONF.inventory.nova_aggregates:
            for agg in adapter.list_aggregates():
                for host in agg.get('hosts') or ():
                    aggregates.setdefault(host, []).append(agg['name'])
        groups = self._server_groups(adapter)
        instances = {}
        for server in adapter.list_all_servers():
            host = server.get('OS-EXT-SRV-ATTR:host')
            if host:
                inst = instance_of(server)
                group = groups.get(inst['uuid'])
                inst['server_group'] = group and group[0]
                inst['server_group_policy'] = group and group[1]
                instances.setdefault(host, []).append(inst)
        region = self._region()
        hosts = []
        for svc in services:
            facts = dict(capacity.get(svc['host'], {}))
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
                    'instances': instances.get(svc['host'], []),
                }
            )
        return hosts
