import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import tables
from horizon import views

from fleet_dashboard.api import fleet as api
from fleet_dashboard.content.runbooks import tables as runbook_tables

INDEX_URL = 'horizon:fleet:runbooks:index'


class IndexView(tables.DataTableView):
    table_class = runbook_tables.RunbooksTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('Runbooks')

    def get_data(self):
        try:
            return api.runbook_list(self.request)
        except Exception:
            exceptions.handle(self.request, _('Unable to list runbooks.'))
            return []


class DetailView(views.HorizonTemplateView):
    template_name = 'fleet/runbooks/detail.html'
    page_title = '{{ runbook.name }}'

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            runbook = api.runbook_get(self.request, self.kwargs['runbook'])
        except Exception:
            exceptions.handle(
                self.request,
                _('Unable to read runbook %s.') % self.kwargs['runbook'],
                redirect=reverse(INDEX_URL),
            )
        actions = runbook.pop('actions', None) or []
        context['runbook'] = runbook
        context['definition'] = json.dumps(
            {k: v for k, v in runbook.items() if k != 'links'},
            indent=2,
            sort_keys=True,
        )
        for action in actions:
            action['details_text'] = json.dumps(
                action.get('details') or {}, sort_keys=True
            )
        context['actions'] = actions
        return context


class DryRunView(tables.DataTableView):
    """What the runbook would do now about every firing alert (fleet's
    ``POST /v1/runbooks/{ident}/dry_run``: it decides, it does nothing)."""

    table_class = runbook_tables.DecisionsTable
    template_name = 'fleet/runbooks/dry_run.html'
    page_title = _('Dry Run of {{ runbook }}')

    def get_data(self):
        try:
            body = api.runbook_dry_run(self.request, self.kwargs['runbook'])
        except Exception:
            exceptions.handle(
                self.request,
                _('Unable to dry-run runbook %s.') % self.kwargs['runbook'],
                redirect=reverse(INDEX_URL),
            )
        return body.get('decisions') or []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['runbook'] = self.kwargs['runbook']
        context['url'] = reverse(INDEX_URL)
        return context
