"""The *Fleet* dashboard: fleet's panels, for its admins and observers.

fleet's API is an infrastructure API (like nova's os-services) whose
default policy has two personas: ``admin`` does everything and
``fleet_observer`` reads everything (``fleet/policies/base.py``). Horizon's
Admin dashboard is for the ``admin`` role only, so an observer could not
open panels placed there; fleet has a dashboard of its own instead, shown
when the token's catalog has a ``fleet`` service and the user has one of
the roles of :data:`fleet_dashboard.permissions.READ_ROLES`. Actions show
only to the roles of :data:`~fleet_dashboard.permissions.ACT_ROLES`, and
fleet's API still decides: a refused call is an error message.
"""

from django.utils.translation import gettext_lazy as _
import horizon

from fleet_dashboard import permissions


class Fleet(horizon.Dashboard):
    name = _('Fleet')
    slug = 'fleet'
    default_panel = 'hosts'
    permissions = permissions.READ


horizon.register(Fleet)
