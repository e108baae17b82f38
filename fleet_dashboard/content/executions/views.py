from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import tables
from horizon import tabs

from fleet_dashboard.api import fleet as api
from fleet_dashboard.content.executions import tables as run_tables
from fleet_dashboard.content.executions import tabs as run_tabs

INDEX_URL = 'horizon:fleet:executions:index'


class IndexView(tables.DataTableView):
    table_class = run_tables.RunsTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('Maintenance Runs')

    def get_data(self):
        try:
            runs = api.execution_list(self.request, **self.get_filters())
        except Exception:
            exceptions.handle(
                self.request, _('Unable to list maintenance runs.')
            )
            return []
        _add_host_names(self.request, runs)
        return runs


def _add_host_names(request, runs):
    """Runs name their host by UUID: show its name (one host list)."""
    if not runs:
        return
    try:
        names = {h['uuid']: h['name'] for h in api.host_list(request)}
    except Exception:
        exceptions.handle(request, ignore=True)
        return
    for run in runs:
        run.setdefault('host_name', names.get(run.get('host_uuid')))


class DetailView(tabs.TabbedTableView):
    tab_group_class = run_tabs.RunDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = _('Run {{ run.uuid }}')

    def get_data(self):
        try:
            return api.execution_get(self.request, self.kwargs['run_id'])
        except Exception:
            exceptions.handle(
                self.request,
                _('Unable to read run %s.') % self.kwargs['run_id'],
                redirect=reverse(INDEX_URL),
            )

    def get_tabs(self, request, **kwargs):
        # Horizon asks for the tabs more than once a request; one GET.
        if not hasattr(self, 'run'):
            self.run = self.get_data()
            run_tables.add_host_name(request, self.run)
        return self.tab_group_class(request, run=self.run, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['run'] = self.run
        context['url'] = reverse(INDEX_URL)
        table = run_tables.RunsTable(self.request)
        context['actions'] = table.render_row_actions(self.run)
        return context
