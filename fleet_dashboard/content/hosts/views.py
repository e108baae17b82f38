from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import tables
from horizon import tabs

from fleet_dashboard.api import fleet as api
from fleet_dashboard.content.hosts import forms as host_forms
from fleet_dashboard.content.hosts import tables as host_tables
from fleet_dashboard.content.hosts import tabs as host_tabs

INDEX_URL = 'horizon:fleet:hosts:index'


class IndexView(tables.DataTableView):
    table_class = host_tables.HostsTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('Hosts')

    def get_data(self):
        filters = self.get_filters()
        label = filters.pop('label', None)
        if label:
            key, sep, value = label.partition('=')
            filters['labels'] = {key.strip(): value.strip() if sep else None}
        try:
            hosts = api.host_list(self.request, **filters)
        except Exception:
            exceptions.handle(self.request, _('Unable to list fleet hosts.'))
            return []
        try:
            counts = api.instance_counts(self.request)
        except Exception:
            # The table is still worth showing without the counts.
            counts = {}
            exceptions.handle(
                self.request,
                _('Unable to count the instances of the hosts.'),
                ignore=True,
            )
        for host in hosts:
            host['instance_count'] = counts.get(host['name'])
        return hosts


class DetailView(tabs.TabbedTableView):
    tab_group_class = host_tabs.HostDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ host.name }}'

    def get_data(self):
        try:
            return api.host_get(self.request, self.kwargs['host'])
        except Exception:
            exceptions.handle(
                self.request,
                _('Unable to read host %s.') % self.kwargs['host'],
                redirect=reverse(INDEX_URL),
            )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        host = self.host
        context['host'] = host
        context['url'] = reverse(INDEX_URL)
        table = host_tables.HostsTable(self.request)
        context['actions'] = table.render_row_actions(host)
        return context

    def get_tabs(self, request, **kwargs):
        # Horizon asks for the tabs more than once a request; one GET.
        if not hasattr(self, 'host'):
            self.host = self.get_data()
        return self.tab_group_class(request, fleet_host=self.host, **kwargs)


class HostFormView(forms.ModalFormView):
    template_name = 'fleet/form.html'
    ajax_template_name = 'fleet/_form.html'
    success_url = reverse_lazy(INDEX_URL)
    help_text = ''

    def get_initial(self):
        return {'host': self.kwargs['host']}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse(
            self.submit_url_name, args=[self.kwargs['host']]
        )
        context['help_text'] = self.help_text
        return context


class StartMaintenanceView(HostFormView):
    form_class = host_forms.StartMaintenanceForm
    modal_id = 'start_maintenance_modal'
    modal_header = _('Start Maintenance')
    submit_label = _('Start Maintenance')
    submit_url_name = 'horizon:fleet:hosts:maintenance'
    page_title = _('Start Maintenance')
    help_text = _(
        'fleet disables the host\'s nova-compute, live-migrates every '
        'instance to hosts with room for it and, for "drain, patch, '
        'reboot", patches and reboots the host and returns it to service. '
        'The run page shows its progress.'
    )

    def get_success_url_from_handled(self, run):
        return host_forms.detail_url(run)


class ReleaseView(HostFormView):
    form_class = host_forms.ReleaseForm
    modal_id = 'release_host_modal'
    modal_header = _('Release Host')
    submit_label = _('Release Host')
    submit_url_name = 'horizon:fleet:hosts:release'
    page_title = _('Release Host')
    help_text = _(
        'Forces the host free: its active run ends cancelled, the host is '
        'handed to a human (unmanaged) and its nova-compute stays disabled '
        'until it is managed again.'
    )


class UnmanageView(HostFormView):
    form_class = host_forms.UnmanageForm
    modal_id = 'unmanage_host_modal'
    modal_header = _('Hand to a Human')
    submit_label = _('Unmanage')
    submit_url_name = 'horizon:fleet:hosts:unmanage'
    page_title = _('Hand to a Human')
    help_text = _('fleet leaves an unmanaged host alone until taken back.')


class ManageView(HostFormView):
    form_class = host_forms.ManageForm
    modal_id = 'manage_host_modal'
    modal_header = _('Take Back')
    submit_label = _('Manage')
    submit_url_name = 'horizon:fleet:hosts:manage'
    page_title = _('Take Back')
    help_text = _('The host is active again: fleet may run maintenance on it.')
