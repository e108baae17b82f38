import json
from urllib import parse

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import tables

from fleet_dashboard import permissions

#: A finding's results, as fleet's audits give them (fleet.audits.rules).
RESULTS = ('pass', 'fail', 'error', 'notapplicable')
RESULT_LABELS = {
    'pass': _('Pass'),
    'fail': _('Fail'),
    'error': _('Error'),
    'notapplicable': _('Not Applicable'),
}
#: Findings filters the findings page takes from its query string.
FINDING_QUERY = ('profile', 'rule', 'result', 'host', 'severity')
PROFILE_DETAIL = 'horizon:fleet:audits:profile'
FINDINGS = 'horizon:fleet:audits:findings'
FINDING_DETAIL = 'horizon:fleet:audits:finding'
HOST_DETAIL = 'horizon:fleet:hosts:detail'


def findings_url(**filters):
    """The findings page with ``filters`` (``profile``, ``rule``,
    ``result``, ``host``) in its query string."""
    query = parse.urlencode({k: v for k, v in filters.items() if v})
    url = reverse(FINDINGS)
    return f'{url}?{query}' if query else url


def _json(value):
    return json.dumps(value, sort_keys=True) if value else '-'


def _applies_to(profile):
    return (
        _json(profile.get('applies_to'))
        if profile.get('applies_to')
        else _('every host')
    )


class RunAudit(permissions.ActionMixin, tables.LinkAction):
    """Audit now against one profile (``POST /v1/audits``), optionally
    only some hosts: for users who may act."""

    name = 'run_audit'
    verbose_name = _('Run Audit')
    url = 'horizon:fleet:audits:run'
    classes = ('ajax-modal',)
    icon = 'play'


class ProfileFindings(tables.LinkAction):
    """The findings of a profile; read-only, so for observers too."""

    name = 'findings'
    verbose_name = _('View Findings')
    icon = 'search'

    def get_link_url(self, datum=None):
        if datum is None:
            return reverse(FINDINGS)
        return findings_url(profile=datum['name'])


class AllFindings(ProfileFindings):
    # Its own name: Horizon keys a table's actions by name.
    name = 'all_findings'
    verbose_name = _('All Findings')


class ProfilesTable(tables.DataTable):
    name = tables.WrappingColumn(
        'name', verbose_name=_('Name'), link=PROFILE_DETAIL
    )
    description = tables.Column(
        'description', verbose_name=_('Description'), empty_value='-'
    )
    enabled = tables.Column(
        'enabled',
        verbose_name=_('Enabled'),
        filters=(lambda v: _('Yes') if v else _('No'),),
    )
    rules = tables.Column(
        lambda p: len(p.get('rules') or []), verbose_name=_('Rules')
    )
    applies_to = tables.Column(_applies_to, verbose_name=_('Applies To'))
    updated_at = tables.Column(
        lambda p: p.get('updated_at') or p.get('created_at'),
        verbose_name=_('Updated'),
        empty_value='-',
    )

    def get_object_id(self, datum):
        return datum['name']

    def get_object_display(self, datum):
        return datum['name']

    class Meta:
        name = 'profiles'
        verbose_name = _('Audit Profiles')
        table_actions = (AllFindings,)
        row_actions = (RunAudit, ProfileFindings)


def _count_column(result, link=True):
    """A column of the hosts with ``result``; with ``link``, a count
    links to those findings (fleet's findings have no zone filter, so a
    zone's count does not link)."""

    def findings(row):
        if not row['hosts'].get(result):
            return None
        return findings_url(
            profile=row['profile'], rule=row['rule'], result=result
        )

    return tables.Column(
        lambda row: row['hosts'].get(result, 0),
        verbose_name=RESULT_LABELS[result],
        link=findings if link else None,
    )


class RuleComplianceTable(tables.DataTable):
    """Per rule of a profile: its check and the hosts per result."""

    rule = tables.Column('rule', verbose_name=_('Rule'))
    severity = tables.Column('severity', verbose_name=_('Severity'))
    check = tables.Column(
        lambda r: _json(r.get('check')), verbose_name=_('Check')
    )
    passed = _count_column('pass')
    failed = _count_column('fail')
    error = _count_column('error')
    notapplicable = _count_column('notapplicable')

    def get_object_id(self, datum):
        return datum['rule']

    class Meta:
        name = 'rules'
        verbose_name = _('Compliance by Rule')


class ZoneComplianceTable(tables.DataTable):
    """Per rule and availability zone: the hosts per result."""

    rule = tables.Column('rule', verbose_name=_('Rule'))
    zone = tables.Column('zone', verbose_name=_('Availability Zone'))
    passed = _count_column('pass', link=False)
    failed = _count_column('fail', link=False)
    error = _count_column('error', link=False)
    notapplicable = _count_column('notapplicable', link=False)

    def get_object_id(self, datum):
        return f'{datum["rule"]}@{datum["zone"]}'

    class Meta:
        name = 'zones'
        verbose_name = _('Compliance by Availability Zone')


class FindingFilterAction(tables.FilterAction):
    filter_type = 'server'
    filter_choices = (
        ('result', _('Result ='), True),
        ('host', _('Host ='), True),
        ('rule', _('Rule ='), True),
        ('profile', _('Profile ='), True),
        ('severity', _('Severity ='), True),
    )


def host_link(finding):
    name = finding.get('host_name')
    return reverse(HOST_DETAIL, args=[name]) if name else None


def profile_link(finding):
    name = finding.get('profile_name')
    return reverse(PROFILE_DETAIL, args=[name]) if name else None


class FindingsTable(tables.DataTable):
    host = tables.Column('host_name', verbose_name=_('Host'), link=host_link)
    profile = tables.Column(
        'profile_name', verbose_name=_('Profile'), link=profile_link
    )
    rule = tables.WrappingColumn(
        'rule', verbose_name=_('Rule'), link=FINDING_DETAIL
    )
    severity = tables.Column('severity', verbose_name=_('Severity'))
    result = tables.Column('result', verbose_name=_('Result'))
    message = tables.Column(
        'message', verbose_name=_('Message'), empty_value='-'
    )
    checked_at = tables.Column('checked_at', verbose_name=_('Checked'))
    changed_at = tables.Column(
        'changed_at', verbose_name=_('Changed'), empty_value='-'
    )

    def get_object_id(self, datum):
        return datum['uuid']

    def get_object_display(self, datum):
        return f'{datum.get("host_name")} {datum.get("rule")}'

    def get_pagination_string(self):
        """The next page's query: its marker, and the filters of this
        page's query string (Horizon's own keeps only the marker)."""
        query = {
            k: v
            for k, v in self.request.GET.items()
            if k in FINDING_QUERY and v
        }
        query[self._meta.pagination_param] = (
            self.get_object_id(self.data[-1]) if self.data else ''
        )
        return parse.urlencode(query)

    class Meta:
        name = 'findings'
        verbose_name = _('Findings')
        table_actions = (FindingFilterAction,)


class FindingHistoryTable(tables.DataTable):
    at = tables.Column('at', verbose_name=_('When'))
    old_result = tables.Column(
        'old_result', verbose_name=_('From'), empty_value='-'
    )
    new_result = tables.Column('new_result', verbose_name=_('To'))
    message = tables.Column(
        'message', verbose_name=_('Message'), empty_value='-'
    )
    evidence = tables.Column(
        lambda e: _json(e.get('evidence')), verbose_name=_('Evidence')
    )

    def get_object_id(self, datum):
        # Set by the view: two changes may share a second.
        return datum['position']

    class Meta:
        name = 'history'
        verbose_name = _('History')
