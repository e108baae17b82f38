"""The plan creation form: the common fields of ``POST /v1/plans``.

Which hosts (names, an availability zone, an aggregate, labels, or the
hosts failing rules of an audit profile), what each host's run is
(``drain``, or ``drain_patch_reboot`` with a catalogued executor action)
and how many hosts may be out at once. Budgets per failure domain,
windows and blocking alerts keep fleet's defaults here; ``openstack fleet
plan create`` takes them all.

With *Dry run* ticked (the default), the form asks fleet for the plan's
order, waves and ETA (``"dry_run": true``, nothing recorded) and comes
back with them and the box cleared: the next submit creates the plan.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages

from fleet_dashboard.api import fleet as api
from fleet_dashboard.content.audits import forms as audit_forms
from fleet_dashboard.content.hosts import forms as host_forms

#: The most hosts at once fleet's plan schema takes (empty: its default,
#: ``[budget] default_plan_max_at_once``).
MAX_AT_ONCE = 10000
#: The form's fields that select hosts: at least one is needed.
SELECTOR_FIELDS = (
    'hosts',
    'availability_zone',
    'aggregate',
    'labels',
    'audit_profile',
)


def parse_labels(text):
    """``tier=gold, rack=r1`` -> ``{'tier': 'gold', 'rack': 'r1'}``.

    :raises: ValidationError naming the first entry that is not
        ``key=value``.
    """
    labels = {}
    for item in audit_forms.split_names(text):
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise forms.ValidationError(
                _('"%s" is not key=value.') % item[:60]
            )
        labels[key] = value
    return labels


def format_eta(seconds):
    if seconds is None:
        return _('unknown (no migration measured yet)')
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f'{hours} h {minutes:02d} min'
    if minutes:
        return f'{minutes} min {secs:02d} s'
    return f'{secs} s'


class CreatePlanForm(forms.SelfHandlingForm):
    name = forms.CharField(label=_('Name'), max_length=255, required=False)
    hosts = forms.CharField(
        label=_('Host names'),
        required=False,
        widget=forms.Textarea(attrs={'rows': 2}),
        help_text=_('Separated by commas or spaces.'),
    )
    availability_zone = forms.CharField(
        label=_('Availability zone'), max_length=255, required=False
    )
    aggregate = forms.CharField(
        label=_('Aggregate'), max_length=255, required=False
    )
    labels = forms.CharField(
        label=_('Labels'),
        required=False,
        help_text=_('key=value, separated by commas or spaces.'),
    )
    audit_profile = forms.ChoiceField(
        label=_('Failing audit profile'),
        required=False,
        help_text=_(
            'With a rule: the hosts failing it (fleet API 1.10 or later).'
        ),
    )
    audit_rule = forms.CharField(
        label=_('Failing audit rules'),
        required=False,
        help_text=_(
            'Rule names of the profile, separated by commas or spaces: the '
            'hosts failing any of them.'
        ),
    )
    kind = forms.ChoiceField(label=_('Each host'), choices=host_forms.KINDS)
    action = forms.ChoiceField(
        label=_('Patch action'),
        required=False,
        help_text=_(
            'A catalogued executor action for the patch step (only for '
            '"drain, patch, reboot"); empty: the server default.'
        ),
    )
    max_at_once = forms.IntegerField(
        label=_('Max hosts at once'),
        min_value=1,
        max_value=MAX_AT_ONCE,
        required=False,
        help_text=_('How many hosts may be out together; empty: default.'),
    )
    dry_run = forms.BooleanField(
        label=_('Dry run first'),
        required=False,
        initial=True,
        help_text=_(
            'Show the order, the waves and the ETA; create nothing. The '
            'next submit (box cleared) creates the plan.'
        ),
    )

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        #: What the last dry run answered, for the template.
        self.preview = None
        self.fields['action'].choices = host_forms.action_choices(request)
        profiles = [('', _('None'))]
        try:
            found = api.audit_profile_list(request)
        except Exception:
            found = []
            exceptions.handle(
                request, _('Unable to list the audit profiles.'), ignore=True
            )
        for profile in found:
            profiles.append((profile['name'], profile['name']))
        self.fields['audit_profile'].choices = profiles

    def clean_hosts(self):
        return audit_forms.split_names(self.cleaned_data.get('hosts'))

    def clean_labels(self):
        return parse_labels(self.cleaned_data.get('labels'))

    def clean_audit_rule(self):
        return audit_forms.split_names(self.cleaned_data.get('audit_rule'))

    def clean(self):
        data = super().clean()
        profile, rule = data.get('audit_profile'), data.get('audit_rule')
        if 'audit_profile' not in self.errors and bool(profile) != bool(rule):
            raise forms.ValidationError(
                _(
                    'A failing audit rule needs its profile, and a profile a '
                    'rule.'
                )
            )
        selected = any(data.get(k) for k in SELECTOR_FIELDS)
        if not selected and not self.errors:
            raise forms.ValidationError(
                _(
                    'Select the hosts: names, an availability zone, an '
                    'aggregate, labels or a failing audit rule.'
                )
            )
        if data.get('action') and data.get('kind') != 'drain_patch_reboot':
            raise forms.ValidationError(
                _('A patch action needs the kind "drain, patch, reboot".')
            )
        return data

    @staticmethod
    def body(data):
        """The ``POST /v1/plans`` body of the cleaned ``data``."""
        selector = {
            k: data[k]
            for k in ('hosts', 'availability_zone', 'aggregate', 'labels')
            if data.get(k)
        }
        if data.get('audit_profile'):
            rules = data['audit_rule']
            selector['audit'] = {
                'profile': data['audit_profile'],
                'rule': rules[0] if len(rules) == 1 else rules,
            }
        action = {'kind': data['kind']}
        if data.get('action'):
            action['action'] = data['action']
        body = {'selector': selector, 'action': action}
        if data.get('max_at_once'):
            body['budget'] = {'max_at_once': data['max_at_once']}
        if data.get('name'):
            body['name'] = data['name']
        return body

    def handle(self, request, data):
        body = self.body(data)
        try:
            if data.get('dry_run'):
                preview = api.plan_create(request, dict(body, dry_run=True))
            else:
                plan = api.plan_create(request, body)
        except api.FleetError:
            # Horizon's error message with fleet's one-line reason (no
            # host selected, policy, ...): exceptions.handle shows a
            # HorizonException's own text, as it trusts it.
            exceptions.handle(request)
            return False
        if data.get('dry_run'):
            self.show_preview(preview)
            # Back to the form with the preview; nothing was created.
            return False
        messages.success(
            request,
            _('Plan %s created.') % (plan.get('name') or plan['uuid']),
        )
        return plan

    def show_preview(self, preview):
        """Keep ``preview`` for the template and clear the box, so that
        the next submit creates the plan."""
        waves = preview.get('waves') or []
        self.preview = {
            'hosts': preview.get('hosts') or [],
            'waves': [', '.join(w) for w in waves],
            'eta': format_eta(preview.get('eta_s')),
            'budget': ', '.join(
                f'{k}={v}'
                for k, v in sorted((preview.get('budget') or {}).items())
            ),
        }
        self.data = self.data.copy()
        self.data.pop('dry_run', None)


def detail_url(plan):
    return reverse('horizon:fleet:plans:detail', args=[plan['uuid']])
