from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages

from fleet_dashboard.api import fleet as api

DURATIONS = (
    (3600, _('1 hour')),
    (4 * 3600, _('4 hours')),
    (24 * 3600, _('1 day')),
    (7 * 24 * 3600, _('1 week')),
)


class SilenceForm(forms.SelfHandlingForm):
    alert = forms.CharField(widget=forms.HiddenInput())
    reason = forms.CharField(label=_('Reason'), max_length=255)
    duration = forms.TypedChoiceField(
        label=_('For'), choices=DURATIONS, coerce=int, initial=3600
    )

    def handle(self, request, data):
        try:
            api.alert_silence(
                request,
                data['alert'],
                data['reason'],
                duration=data['duration'],
            )
        except api.FleetError as e:
            exceptions.handle(
                request, _('Unable to silence the alert: %s') % e
            )
            return False
        messages.success(request, _('Alert silenced.'))
        return True
