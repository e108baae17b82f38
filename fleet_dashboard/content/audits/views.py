"""The Audits panel: audit profiles, their compliance, and findings.

``/fleet/audits/`` lists the profiles; a profile's page shows its rules
with the hosts passing and failing each, overall and per availability
zone (``GET /v1/audit_profiles/{name}/compliance``), each count linking
to those findings; ``/fleet/audits/findings/`` lists findings, filtered
by the table's filter or by the query string (``?profile=&rule=&result=
&host=&severity=``, which the compliance links use); a finding's page
shows its evidence and every change of its result.
"""

import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import tables
from horizon.utils import functions

from fleet_dashboard import permissions
from fleet_dashboard.api import fleet as api
from fleet_dashboard.content.audits import forms as audit_forms
from fleet_dashboard.content.audits import tables as audit_tables

INDEX_URL = 'horizon:fleet:audits:index'
FINDINGS_URL = 'horizon:fleet:audits:findings'


class IndexView(tables.DataTableView):
    table_class = audit_tables.ProfilesTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('Audit Profiles')

    def get_data(self):
        try:
            return api.audit_profile_list(self.request)
        except Exception:
            exceptions.handle(
                self.request, _('Unable to list the audit profiles.')
            )
            return []


def compliance_rows(profile, compliance):
    """The rows of the two compliance tables: one per rule (its check
    from the profile, its counts from the compliance), and one per rule
    and availability zone (zones in name order)."""
    checks = {r['name']: r for r in profile.get('rules') or []}
    counted = {r['rule']: r for r in compliance.get('rules') or []}
    empty = dict.fromkeys(audit_tables.RESULTS, 0)
    rules, zones = [], []
    # The profile's order; a rule without findings yet counts zeros.
    for name, rule in checks.items():
        entry = counted.get(name) or {}
        rules.append(
            {
                'profile': profile['name'],
                'rule': name,
                'severity': entry.get('severity')
                or rule.get('severity')
                or 'warning',
                'check': rule.get('check'),
                'hosts': dict(empty, **(entry.get('hosts') or {})),
            }
        )
        by_zone = entry.get('availability_zones') or {}
        for zone in sorted(by_zone):
            zones.append(
                {
                    'profile': profile['name'],
                    'rule': name,
                    'zone': zone,
                    'hosts': dict(empty, **by_zone[zone]),
                }
            )
    return rules, zones


class ProfileDetailView(tables.MultiTableView):
    """A profile: its definition and its compliance."""

    table_classes = (
        audit_tables.RuleComplianceTable,
        audit_tables.ZoneComplianceTable,
    )
    template_name = 'fleet/audits/profile.html'
    page_title = _('Audit Profile {{ profile.name }}')

    def _load(self):
        if not hasattr(self, 'profile'):
            name = self.kwargs['profile']
            try:
                self.profile = api.audit_profile_get(self.request, name)
            except Exception:
                exceptions.handle(
                    self.request,
                    _('Unable to read audit profile %s.') % name,
                    redirect=reverse(INDEX_URL),
                )
            try:
                compliance = api.audit_profile_compliance(self.request, name)
            except Exception:
                # The profile is still worth showing without the counts.
                compliance = {}
                exceptions.handle(
                    self.request,
                    _('Unable to read the compliance of profile %s.') % name,
                )
            self.compliance = compliance
            self.rules, self.zones = compliance_rows(self.profile, compliance)
        return self.profile

    def get_rules_data(self):
        self._load()
        return self.rules

    def get_zones_data(self):
        self._load()
        return self.zones

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        profile = self._load()
        context['profile'] = profile
        totals = self.compliance.get('totals') or {}
        context['totals'] = [
            (
                audit_tables.RESULT_LABELS[r],
                totals.get(r, 0),
                audit_tables.findings_url(profile=profile['name'], result=r),
            )
            for r in audit_tables.RESULTS
        ]
        context['applies_to'] = (
            json.dumps(profile['applies_to'], indent=2, sort_keys=True)
            if profile.get('applies_to')
            else None
        )
        context['url'] = reverse(INDEX_URL)
        context['actions'] = audit_tables.ProfilesTable(
            self.request
        ).render_row_actions(profile)
        return context


class FindingsView(tables.DataTableView):
    table_class = audit_tables.FindingsTable
    template_name = 'fleet/audits/findings.html'
    page_title = _('Findings')

    def query_filters(self):
        """The filters of the query string (links from a profile's
        compliance), empty ones left out."""
        return {
            k: self.request.GET[k]
            for k in audit_tables.FINDING_QUERY
            if self.request.GET.get(k)
        }

    def has_more_data(self, table):
        return self._more

    def get_data(self):
        # Both apply; on the same field the query string (a link just
        # followed) wins over the table's filter (kept in the session).
        filters = self.get_filters()
        filters.update(self.query_filters())
        # A fleet has hosts x rules findings: one page at a time, one
        # more than shown to know whether there is a next page.
        size = functions.get_page_size(self.request)
        marker = self.request.GET.get(self.table_class._meta.pagination_param)
        if marker:
            filters['marker'] = marker
        self._more = False
        try:
            findings = api.finding_list(
                self.request, limit=size + 1, **filters
            )
        except Exception:
            exceptions.handle(self.request, _('Unable to list findings.'))
            return []
        self._more = len(findings) > size
        return findings[:size]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['query_filters'] = sorted(self.query_filters().items())
        context['all_url'] = reverse(FINDINGS_URL)
        return context


class FindingDetailView(tables.DataTableView):
    """A finding: its evidence and every change of its result."""

    table_class = audit_tables.FindingHistoryTable
    template_name = 'fleet/audits/finding.html'
    page_title = _('Finding {{ finding.rule }} on {{ finding.host_name }}')

    def _finding(self):
        if not hasattr(self, 'finding'):
            uuid = self.kwargs['finding_id']
            try:
                self.finding = api.finding_get(self.request, uuid)
            except Exception:
                exceptions.handle(
                    self.request,
                    _('Unable to read finding %s.') % uuid,
                    redirect=reverse(FINDINGS_URL),
                )
        return self.finding

    def get_data(self):
        history = [
            dict(event, position=i)
            for i, event in enumerate(self._finding().get('history') or [])
        ]
        # Newest first, as the other history tables.
        return sorted(history, key=lambda e: e.get('at') or '', reverse=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        finding = self._finding()
        context['finding'] = finding
        context['evidence'] = json.dumps(
            finding.get('evidence'), indent=2, sort_keys=True
        )
        context['host_url'] = audit_tables.host_link(finding)
        context['profile_url'] = audit_tables.profile_link(finding)
        context['url'] = reverse(FINDINGS_URL)
        return context


class RunAuditView(permissions.ActViewMixin, forms.ModalFormView):
    form_class = audit_forms.RunAuditForm
    template_name = 'fleet/form.html'
    ajax_template_name = 'fleet/_form.html'
    modal_id = 'run_audit_modal'
    modal_header = _('Run Audit')
    submit_label = _('Run Audit')
    page_title = _('Run Audit')

    def get_initial(self):
        return {'profile': self.kwargs['profile']}

    def get_success_url(self):
        return reverse(
            'horizon:fleet:audits:profile', args=[self.kwargs['profile']]
        )

    def get_cancel_url(self):
        return self.get_success_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse(
            'horizon:fleet:audits:run', args=[self.kwargs['profile']]
        )
        context['help_text'] = (
            _(
                'Audits the hosts now against profile %s: every rule on '
                'every host gives pass, fail, error or not applicable; a new '
                'failure raises an alert that runbooks can act on.'
            )
            % self.kwargs['profile']
        )
        return context
