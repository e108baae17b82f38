import json

from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import tables

from fleet_dashboard import permissions
from fleet_dashboard.api import fleet as api
from fleet_dashboard.content.plans import forms as plan_forms
from fleet_dashboard.content.plans import tables as plan_tables

INDEX_URL = 'horizon:fleet:plans:index'


class IndexView(tables.DataTableView):
    table_class = plan_tables.PlansTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('Plans')

    def get_data(self):
        try:
            return api.plan_list(self.request, **self.get_filters())
        except Exception:
            exceptions.handle(self.request, _('Unable to list plans.'))
            return []


class DetailView(tables.DataTableView):
    """A plan: its definition, state and every host's place and run."""

    table_class = plan_tables.PlanHostsTable
    template_name = 'fleet/plans/detail.html'
    page_title = _('Plan {{ plan.name|default:plan.uuid }}')

    def _plan(self):
        if not hasattr(self, 'plan'):
            try:
                self.plan = api.plan_get(self.request, self.kwargs['plan_id'])
            except Exception:
                exceptions.handle(
                    self.request,
                    _('Unable to read plan %s.') % self.kwargs['plan_id'],
                    redirect=reverse(INDEX_URL),
                )
        return self.plan

    def get_data(self):
        hosts = self._plan().get('hosts') or []
        return sorted(hosts, key=lambda h: h.get('position') or 0)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self._plan()
        context['plan'] = plan
        context['progress'] = plan_tables._progress(plan)
        context['definition'] = json.dumps(
            {
                k: plan.get(k)
                for k in (
                    'selector',
                    'action',
                    'budget',
                    'blocking_alerts',
                    'max_failed_hosts',
                    'windows',
                )
                if plan.get(k) not in (None, {}, [])
            },
            indent=2,
            sort_keys=True,
        )
        context['url'] = reverse(INDEX_URL)
        context['actions'] = plan_tables.PlansTable(
            self.request
        ).render_row_actions(plan)
        return context


class CreateView(permissions.ActViewMixin, forms.ModalFormView):
    form_class = plan_forms.CreatePlanForm
    template_name = 'fleet/plans/create.html'
    ajax_template_name = 'fleet/plans/_create.html'
    success_url = reverse_lazy(INDEX_URL)
    submit_url = reverse_lazy('horizon:fleet:plans:create')
    modal_id = 'create_plan_modal'
    modal_header = _('Create Plan')
    submit_label = _('Create Plan')
    page_title = _('Create Plan')

    def get_success_url_from_handled(self, plan):
        return plan_forms.detail_url(plan)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['help_text'] = _(
            'fleet drains the selected hosts in waves, as many at once as '
            'the budget allows, and runs the chosen action on each; it '
            'stops after a failed host. With "Dry run first" ticked, '
            'submitting shows the order, waves and ETA and creates nothing.'
        )
        return context
