"""fleet's Python client library, shared by the openstackclient plugin
(:mod:`fleet.cli`) and any other consumer (a Horizon panel, scripts).

Usage::

    from fleet.client import Client, FleetClientError

    client = Client(session=keystoneauth_session)
    client.hosts.list(state='active')
"""

from fleet.client.client import Client
from fleet.client.exceptions import FleetClientError

__all__ = ['Client', 'FleetClientError']
