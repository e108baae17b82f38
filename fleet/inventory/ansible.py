"""The fleet as an Ansible dynamic inventory.

Groups: ``region_<name>``, ``az_<name>``, ``cell_<name>``,
``rack_<name>``, ``kind_<kind>``, ``state_<state>`` and
``label_<key>_<value>``, names reduced to ``[A-Za-z0-9_]``. Hostvars are
the resolved variables plus ``fleet_*`` facts of the host (kind, state,
place, labels, uuid). Retired hosts are left out.

Usage::

    doc = ansible.inventory(dbapi.list_hosts(), dbapi.list_places())
    # {"_meta": {"hostvars": {...}}, "all": {"children": [...]}, ...}
"""

import re

from fleet.common import states
from fleet.inventory import variables

_UNSAFE = re.compile(r'[^A-Za-z0-9_]')


def group_name(*parts):
    return _UNSAFE.sub('_', '_'.join(str(p) for p in parts))


def inventory(hosts, places):
    """Build the inventory document (``ansible-inventory --list`` form)."""
    index = variables.index_places(places)
    hostvars = {}
    groups = {}
    for host in hosts:
        if host['state'] == states.HOST_RETIRED:
            continue
        name = host['name']
        hvars = dict(variables.resolve(host, index)['variables'])
        hvars.update(
            fleet_uuid=host['uuid'],
            fleet_kind=host['kind'],
            fleet_state=host['state'],
            fleet_region=host.get('region'),
            fleet_availability_zone=host.get('availability_zone'),
            fleet_cell=host.get('cell'),
            fleet_rack=host.get('rack'),
            fleet_labels=dict(host.get('labels') or {}),
        )
        hostvars[name] = hvars
        member_of = [
            group_name('kind', host['kind']),
            group_name('state', host['state']),
        ]
        for prefix, key in (
            ('region', 'region'),
            ('az', 'availability_zone'),
            ('cell', 'cell'),
            ('rack', 'rack'),
        ):
            if host.get(key):
                member_of.append(group_name(prefix, host[key]))
        for key, value in (host.get('labels') or {}).items():
            member_of.append(group_name('label', key, value))
        for group in member_of:
            groups.setdefault(group, {'hosts': []})['hosts'].append(name)
    doc = {'_meta': {'hostvars': hostvars}}
    doc.update(sorted(groups.items()))
    doc['all'] = {'children': sorted(groups) + ['ungrouped']}
    return doc
