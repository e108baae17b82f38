from django.utils.translation import gettext_lazy as _
import horizon


class Alerts(horizon.Panel):
    name = _('Alerts')
    slug = 'fleet_alerts'
    # Both: an admin, and a "fleet" service in the token's catalog.
    permissions = ('openstack.services.fleet', 'openstack.roles.admin')
