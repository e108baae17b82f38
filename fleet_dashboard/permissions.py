"""Who sees the fleet dashboard and who sees its action buttons.

Horizon shows a dashboard or panel when the user has every permission of
its ``permissions`` tuple, where a nested tuple means "any of these"
(``openstack_auth.user.User.has_perms``). The roles follow fleet's default
policy (``fleet/policies/base.py``): ``observer_api`` is ``role:admin or
role:fleet_observer``, ``admin_api`` is ``role:admin``. A deployment that
changed those rules sets ``FLEET_DASHBOARD_READ_ROLES`` /
``FLEET_DASHBOARD_ACT_ROLES`` (lists of role names) in Horizon's
``local_settings.py``; fleet's API decides in any case, and a refused
action is shown as Horizon's error message.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import messages

from fleet_dashboard.api import fleet as api

SERVICE = 'openstack.services.fleet'
READ_ROLES = tuple(
    getattr(
        settings, 'FLEET_DASHBOARD_READ_ROLES', ('admin', 'fleet_observer')
    )
)
ACT_ROLES = tuple(getattr(settings, 'FLEET_DASHBOARD_ACT_ROLES', ('admin',)))

#: A dashboard's or panel's ``permissions``: fleet in the catalog, and
#: one of the read roles.
READ = (SERVICE, tuple(f'openstack.roles.{r}' for r in READ_ROLES))
#: Permissions to see an action button.
ACT = (SERVICE, tuple(f'openstack.roles.{r}' for r in ACT_ROLES))


def can_act(request):
    """Whether ``request``'s user gets fleet's action buttons."""
    return request.user.has_perms(ACT)


class ActionMixin:
    """An action shown only to users who may act (see :func:`can_act`):
    a read-only observer sees no button at all. (Horizon calls
    ``_allowed``, which calls the action's own ``allowed``.)"""

    def _allowed(self, request, datum):
        return can_act(request) and super()._allowed(request, datum)

    def action(self, request, obj_id):
        """A batch action's call, with fleet's reason in the error
        message when fleet refuses it (Horizon's own message names only
        the object): subclasses define ``fleet_action``."""
        try:
            return self.fleet_action(request, obj_id)
        except api.FleetError as e:
            messages.error(
                request,
                _('Unable to %(action)s %(id)s: %(reason)s')
                % {
                    'action': str(self._get_action_name([obj_id])).lower(),
                    'id': obj_id,
                    'reason': e,
                },
            )
            # Handled: Horizon adds no second, reason-less message.
            raise exceptions.HandledException([type(e), e, None]) from e


class ActViewMixin:
    """A form view only for users who may act (see :func:`can_act`):
    the button is hidden from the others, and a typed or bookmarked URL
    answers 403 rather than a form fleet would refuse anyway."""

    def dispatch(self, request, *args, **kwargs):
        if not can_act(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
