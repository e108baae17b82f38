from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages

from fleet_dashboard.api import fleet as api

KINDS = (
    ('drain', _('Drain (move every instance away)')),
    ('drain_patch_reboot', _('Drain, patch, reboot and return')),
)
ON_INSTANCE_FAILURE = (
    ('', _('Server default')),
    ('abort', _('Abort the run')),
    ('skip', _('Skip it and go on')),
    ('cold_migrate', _('Cold-migrate it')),
)


def action_choices(request):
    """The catalogued executor actions as choices, the server's default
    first; an error listing them is shown and leaves only the default."""
    choices = [('', _('Server default'))]
    try:
        actions = api.action_list(request)
    except Exception:
        actions = []
        exceptions.handle(
            request, _('Unable to list the executor actions.'), ignore=True
        )
    for action in actions:
        name = action['name'] if isinstance(action, dict) else action
        choices.append((name, name))
    return choices


class StartMaintenanceForm(forms.SelfHandlingForm):
    host = forms.CharField(label=_('Host'), widget=forms.HiddenInput())
    kind = forms.ChoiceField(label=_('Kind'), choices=KINDS)
    action = forms.ChoiceField(
        label=_('Patch action'),
        required=False,
        help_text=_(
            'A catalogued executor action for the patch step (only for '
            '"drain, patch, reboot"); empty: the server default.'
        ),
    )
    max_parallel = forms.IntegerField(
        label=_('Parallel migrations'),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_('How many instances move at a time; empty: default.'),
    )
    on_instance_failure = forms.ChoiceField(
        label=_('When an instance cannot move'),
        choices=ON_INSTANCE_FAILURE,
        required=False,
    )

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields['action'].choices = action_choices(request)

    def clean(self):
        data = super().clean()
        if data.get('action') and data.get('kind') != 'drain_patch_reboot':
            raise forms.ValidationError(
                _('A patch action needs the kind "drain, patch, reboot".')
            )
        return data

    def handle(self, request, data):
        fields = {
            'action': data.get('action'),
            'max_parallel': data.get('max_parallel'),
        }
        if data.get('on_instance_failure'):
            fields['on_instance_failure'] = {
                'then': data['on_instance_failure']
            }
        try:
            run = api.execution_create(
                request, data['host'], kind=data['kind'], **fields
            )
        except api.FleetError as e:
            # fleet's own one-line reason (host busy, no capacity, ...).
            exceptions.handle(
                request,
                _('Unable to start maintenance on %(host)s: %(error)s')
                % {'host': data['host'], 'error': e},
            )
            return False
        messages.success(
            request,
            _('Maintenance run %(run)s started on %(host)s.')
            % {'run': run['uuid'], 'host': data['host']},
        )
        self.run = run
        return run


class ReasonForm(forms.SelfHandlingForm):
    """A host state change with a reason."""

    host = forms.CharField(widget=forms.HiddenInput())
    reason = forms.CharField(label=_('Reason'), max_length=255, required=False)

    success_message = ''
    failure_message = ''

    def call(self, request, host, reason):
        raise NotImplementedError

    def handle(self, request, data):
        try:
            self.call(request, data['host'], data.get('reason') or None)
        except api.FleetError as e:
            exceptions.handle(
                request,
                self.failure_message % {'host': data['host'], 'error': e},
            )
            return False
        messages.success(
            request, self.success_message % {'host': data['host']}
        )
        return True


class ReleaseForm(ReasonForm):
    success_message = _(
        'Host %(host)s released: its run is cancelled and it is handed to a '
        'human (unmanaged).'
    )
    failure_message = _('Unable to release host %(host)s: %(error)s')

    def call(self, request, host, reason):
        api.host_release(request, host, reason=reason)


class UnmanageForm(ReasonForm):
    reason = forms.CharField(label=_('Reason'), max_length=255)
    success_message = _('Host %(host)s handed to a human (unmanaged).')
    failure_message = _('Unable to unmanage host %(host)s: %(error)s')

    def call(self, request, host, reason):
        api.host_unmanage(request, host, reason)


class ManageForm(ReasonForm):
    success_message = _('Host %(host)s is managed by fleet again.')
    failure_message = _('Unable to manage host %(host)s: %(error)s')

    def call(self, request, host, reason):
        api.host_manage(request, host, reason=reason)


def detail_url(run):
    return reverse('horizon:fleet:executions:detail', args=[run['uuid']])
