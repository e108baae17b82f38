import re

from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages

from fleet_dashboard.api import fleet as api
from fleet_dashboard.content.audits import tables as audit_tables


def split_names(text):
    """Names separated by commas, spaces or new lines, in order, once."""
    names = []
    for name in re.split(r'[\s,]+', text or ''):
        if name and name not in names:
            names.append(name)
    return names


def summary_text(profile, result):
    """A one-line account of ``POST /v1/audits``'s answer."""
    if result.get('accepted'):
        return _(
            'Audit against %(profile)s accepted: the conductor gathers the '
            'facts, then audits; the findings change when it is done.'
        ) % {'profile': profile}
    counts = (result.get('profiles') or {}).get(profile) or {}
    text = _(
        'Audited %(hosts)s host(s) against %(profile)s: %(counts)s; '
        '%(changes)s result(s) changed.'
    ) % {
        'hosts': result.get('hosts', 0),
        'profile': profile,
        'counts': ', '.join(
            f'{counts.get(r, 0)} {r}' for r in audit_tables.RESULTS
        ),
        'changes': len(result.get('changes') or []),
    }
    # An audit of every host checks again only the hosts whose facts or
    # place changed since the last one (fleet.audits.auditor): the counts
    # are of those; without this, a failing host left as it was would
    # read as "0 fail".
    unchanged = (result.get('unchanged') or {}).get(profile)
    if unchanged:
        text += ' ' + _(
            'The counts are of the hosts checked again: %(unchanged)s '
            'host(s) had not changed since the last audit and keep their '
            'findings.'
        ) % {'unchanged': unchanged}
    return text


class RunAuditForm(forms.SelfHandlingForm):
    profile = forms.CharField(widget=forms.HiddenInput())
    hosts = forms.CharField(
        label=_('Hosts'),
        required=False,
        widget=forms.Textarea(attrs={'rows': 3}),
        help_text=_(
            'Host names or UUIDs, separated by commas or spaces; empty: '
            'every host.'
        ),
    )
    gather = forms.BooleanField(
        label=_('Gather facts first'),
        required=False,
        help_text=_(
            'The conductor gathers the hosts\' facts, then audits, in the '
            'background; without it the facts fleet holds are audited now.'
        ),
    )

    def clean_hosts(self):
        hosts = split_names(self.cleaned_data.get('hosts'))
        too_long = [h for h in hosts if len(h) > 255]
        if too_long:
            raise forms.ValidationError(
                _('Not a host name: %s') % too_long[0][:40]
            )
        return hosts

    def handle(self, request, data):
        profile = data['profile']
        try:
            result = api.audit_run(
                request,
                hosts=data['hosts'] or None,
                profiles=[profile],
                gather=data['gather'],
            )
        except api.FleetError:
            # Horizon's error message with fleet's one-line reason (policy,
            # unknown host, ...): exceptions.handle shows a
            # HorizonException's own text, as it trusts it.
            exceptions.handle(request)
            return False
        messages.success(request, summary_text(profile, result))
        return True
