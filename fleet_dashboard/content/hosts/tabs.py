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


class HostDetailTabs(tabs.DetailTabsGroup):
    slug = 'host_details'
    tabs = (OverviewTab, InstancesTab, HistoryTab)
