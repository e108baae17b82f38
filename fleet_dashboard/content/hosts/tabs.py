from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import tabs

from fleet_dashboard.api import fleet as api
from fleet_dashboard.content.hosts import tables


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'fleet/hosts/_detail_overview.html'

    def get_context_data(self, request):
        host = self.tab_group.kwargs['fleet_host']
        return {'host': host, 'run_url': tables._run_link(host)}


class InstancesTab(tabs.TableTab):
    name = _('Instances')
    slug = 'instances'
    table_classes = (tables.InstancesTable,)
    template_name = 'horizon/common/_detail_table.html'

    def get_instances_data(self):
        return self.tab_group.kwargs['fleet_host'].get('instances') or []


class HistoryTab(tabs.TableTab):
    name = _('History')
    slug = 'history'
    table_classes = (tables.HistoryTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_history_data(self):
        host = self.tab_group.kwargs['fleet_host']
        try:
            return api.host_history(self.request, host['uuid'])
        except Exception:
            exceptions.handle(
                self.request,
                _('Unable to read the history of host %s.') % host['name'],
            )
            return []


class FactsTab(tabs.TableTab):
    """The facts fleet last gathered of the host (API 1.6)."""

    name = _('Facts')
    slug = 'facts'
    table_classes = (tables.FactsTable,)
    template_name = 'fleet/hosts/_detail_facts.html'
    preload = False

    def _facts(self):
        if not hasattr(self, '_gathered'):
            host = self.tab_group.kwargs['fleet_host']
            try:
                self._gathered = api.host_facts(self.request, host['uuid'])
            except Exception:
                self._gathered = None
                exceptions.handle(
                    self.request,
                    _('Unable to read the facts of host %s.') % host['name'],
                )
        return self._gathered

    def get_facts_data(self):
        return tables.flatten_facts((self._facts() or {}).get('facts'))

    def get_context_data(self, request, **kwargs):
        context = super().get_context_data(request, **kwargs)
        context['gathered'] = self._facts()
        return context


class FindingsTab(tabs.TableTab):
    """The audit findings of the host (API 1.6)."""

    name = _('Findings')
    slug = 'findings'
    table_classes = (tables.FindingsTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_findings_data(self):
        host = self.tab_group.kwargs['fleet_host']
        try:
            return api.finding_list(self.request, host=host['uuid'])
        except Exception:
            exceptions.handle(
                self.request,
                _('Unable to list the findings of host %s.') % host['name'],
            )
            return []


class MetricsTab(tabs.TableTab):
    """The host's latest metric values (API 1.7)."""

    name = _('Metrics')
    slug = 'metrics'
    table_classes = (tables.MetricsTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_metrics_data(self):
        host = self.tab_group.kwargs['fleet_host']
        try:
            return api.host_metrics(self.request, host['uuid'])
        except Exception:
            exceptions.handle(
                self.request,
                _('Unable to read the metrics of host %s.') % host['name'],
            )
            return []


class HostDetailTabs(tabs.DetailTabsGroup):
    slug = 'host_details'
    tabs = (
        OverviewTab,
        InstancesTab,
        HistoryTab,
        FactsTab,
        FindingsTab,
        MetricsTab,
    )
