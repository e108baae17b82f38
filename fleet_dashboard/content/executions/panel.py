from django.utils.translation import gettext_lazy as _
import horizon


class Executions(horizon.Panel):
    name = _('Maintenance Runs')
    slug = 'fleet_executions'
    # Both: an admin, and a "fleet" service in the token's catalog.
    permissions = ('openstack.services.fleet', 'openstack.roles.admin')
