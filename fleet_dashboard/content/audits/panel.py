from django.utils.translation import gettext_lazy as _
import horizon

from fleet_dashboard import permissions


class Audits(horizon.Panel):
    name = _('Audits')
    slug = 'audits'
    # A "fleet" service in the token's catalog, and an admin or observer.
    permissions = permissions.READ
