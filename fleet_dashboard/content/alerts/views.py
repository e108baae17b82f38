from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import tables

from fleet_dashboard.api import fleet as api
from fleet_dashboard.content.alerts import forms as alert_forms
from fleet_dashboard.content.alerts import tables as alert_tables

INDEX_URL = 'horizon:fleet:alerts:index'


class IndexView(tables.DataTableView):
    table_class = alert_tables.AlertsTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('Alerts')

    def get_data(self):
        try:
            return api.alert_list(self.request, **self.get_filters())
        except Exception:
            exceptions.handle(self.request, _('Unable to list alerts.'))
            return []


class SilenceView(forms.ModalFormView):
    form_class = alert_forms.SilenceForm
    template_name = 'fleet/form.html'
    ajax_template_name = 'fleet/_form.html'
    success_url = reverse_lazy(INDEX_URL)
    modal_id = 'silence_alert_modal'
    modal_header = _('Silence Alert')
    submit_label = _('Silence')
    page_title = _('Silence Alert')

    def get_initial(self):
        return {'alert': self.kwargs['alert_id']}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse(
            'horizon:fleet:alerts:silence',
            args=[self.kwargs['alert_id']],
        )
        context['help_text'] = _(
            'Silences the alert for the time chosen, with a reason other '
            'operators see.'
        )
        return context
