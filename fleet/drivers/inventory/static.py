"""Inventory of the physical resources Nova does not know, from a file.

``[inventory] static_file`` names a YAML (or JSON, a subset of YAML) file
read at every sync, so an edit shows up at the next one::

    places:
      - {kind: region, name: RegionOne, variables: {ntp_server: 10.0.0.1}}
      - {kind: rack, name: r12, labels: {row: '3'}, variables: {pdu: pdu-12}}
    hosts:
      - name: tor-r12
        kind: switch
        region: RegionOne
        rack: r12
        serial: FDO1234X
        labels: {vendor: arista}
        variables: {mgmt_ip: 10.1.12.1}

Hosts it reports are of source ``static``; a name Nova also reports is
owned by whichever driver comes first in ``[drivers] inventory``.
"""

import json

from oslo_config import cfg
import yaml

from fleet.common import exception
from fleet.common import states
from fleet.drivers import base
from fleet.inventory import variables

CONF = cfg.CONF

HOST_KEYS = (
    'name',
    'kind',
    'region',
    'cell',
    'availability_zone',
    'rack',
    'hardware_id',
    'serial',
    'labels',
    'variables',
    'facts',
)
PLACE_KEYS = ('kind', 'name', 'labels', 'variables', 'description')


def load(path):
    """Read and check a static inventory file.

    :returns: ``{'hosts': [...], 'places': [...]}``.
    :raises: ConfigInvalid naming the file and the offending entry.
    """

    def bad(error):
        return exception.ConfigInvalid(
            error=f'[inventory] static_file {path}: {error}'
        )

    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise bad(e) from e
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as e:
        try:
            data = json.loads(text)
        except ValueError:
            raise bad(e) from e
    if not isinstance(data, dict):
        raise bad('expected a mapping with "hosts" and/or "places"')
    hosts = data.get('hosts') or []
    places = data.get('places') or []
    if not isinstance(hosts, list) or not isinstance(places, list):
        raise bad('"hosts" and "places" must be lists')
    seen = set()
    for i, host in enumerate(hosts):
        if not isinstance(host, dict) or not host.get('name'):
            raise bad(f'hosts[{i}] has no name')
        if host['name'] in seen:
            raise bad(f'host {host["name"]} is listed twice')
        seen.add(host['name'])
        host.setdefault('kind', 'compute')
        if host['kind'] not in states.HOST_KINDS:
            raise bad(
                f'host {host["name"]}: unknown kind {host["kind"]!r}; '
                f'kinds: {", ".join(states.HOST_KINDS)}'
            )
        for key in ('labels', 'variables', 'facts'):
            if not isinstance(host.get(key) or {}, dict):
                raise bad(f'host {host["name"]}: {key} must be a mapping')
    for i, place in enumerate(places):
        if not isinstance(place, dict) or not place.get('name'):
            raise bad(f'places[{i}] has no name')
        if place.get('kind') not in variables.PLACE_KINDS:
            raise bad(
                f'place {place["name"]}: kind must be one of '
                f'{", ".join(variables.PLACE_KINDS)}'
            )
    return {
        'hosts': [
            {k: h[k] for k in HOST_KEYS if h.get(k) is not None} for h in hosts
        ],
        'places': [
            {k: p[k] for k in PLACE_KEYS if p.get(k) is not None}
            for p in places
        ],
    }


class StaticInventory(base.InventoryDriver):
    """Hosts and places listed in ``[inventory] static_file``."""

    def validate_config(self):
        if not CONF.inventory.static_file:
            raise exception.ConfigInvalid(
                error='the "static" inventory driver needs [inventory] '
                'static_file'
            )
        load(CONF.inventory.static_file)

    def list_hosts(self):
        return load(CONF.inventory.static_file)['hosts']

    def list_places(self):
        return load(CONF.inventory.static_file)['places']
