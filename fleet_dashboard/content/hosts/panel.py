from django.utils.translation import gettext_lazy as _
import horizon


class Hosts(horizon.Panel):
    name = _('Hosts')
    slug = 'fleet_hosts'
    # Both: an admin, and a "fleet" service in the token's catalog.
    permissions = ('openstack.services.fleet', 'openstack.roles.admin')
