from django.utils.translation import gettext_lazy as _
import horizon


class Runbooks(horizon.Panel):
    name = _('Runbooks')
    slug = 'fleet_runbooks'
    # Both: an admin, and a "fleet" service in the token's catalog.
    permissions = ('openstack.services.fleet', 'openstack.roles.admin')
