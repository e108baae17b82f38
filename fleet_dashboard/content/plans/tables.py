import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import exceptions
from horizon import tables

from fleet_dashboard import permissions
from fleet_dashboard.api import fleet as api

#: States from which fleet lets a plan be paused, resumed or cancelled
#: (fleet.conductor.plans).
PAUSABLE = ('running', 'blocked')
RESUMABLE = ('paused',)
ACTIVE = ('running', 'paused', 'blocked')
STATUS_CHOICES = (
    ('succeeded', True),
    ('failed', False),
    ('cancelled', False),
)


def _progress(plan):
    progress = plan.get('progress') or {}
    total = progress.get('total')
    if total is None:
        return '-'
    done = progress.get('succeeded', 0)
    failed = progress.get('failed', 0)
    text = _('%(done)s/%(total)s hosts done') % {'done': done, 'total': total}
    if failed:
        text += _(', %(failed)s failed') % {'failed': failed}
    return text


def _compact(key):
    def get(plan):
        value = plan.get(key)
        return json.dumps(value, sort_keys=True) if value else '-'

    return get


class _PlanAction(permissions.ActionMixin, tables.BatchAction):
    states = ()

    def allowed(self, request, plan=None):
        return plan is None or plan.get('state') in self.states


class PausePlan(_PlanAction):
    name = 'pause'
    states = PAUSABLE

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Pause Plan', 'Pause Plans', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Paused plan', 'Paused plans', count)

    def fleet_action(self, request, obj_id):
        api.plan_pause(request, obj_id)


class ResumePlan(_PlanAction):
    name = 'resume'
    states = RESUMABLE

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Resume Plan', 'Resume Plans', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Resumed plan', 'Resumed plans', count)

    def fleet_action(self, request, obj_id):
        api.plan_resume(request, obj_id)


class CancelPlan(_PlanAction):
    name = 'cancel'
    classes = ('btn-danger',)
    states = ACTIVE

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Cancel Plan', 'Cancel Plans', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Cancelled plan', 'Cancelled plans', count)

    def fleet_action(self, request, obj_id):
        api.plan_cancel(request, obj_id)


class CreatePlan(permissions.ActionMixin, tables.LinkAction):
    name = 'create'
    verbose_name = _('Create Plan')
    url = 'horizon:fleet:plans:create'
    classes = ('ajax-modal',)
    icon = 'plus'


class PlanFilterAction(tables.FilterAction):
    filter_type = 'server'
    filter_choices = (
        ('name', _('Name ='), True),
        ('state', _('State ='), True),
    )


class UpdatePlan(tables.Row):
    """Rows of active plans refresh themselves (Horizon's row polling)."""

    ajax = True

    def get_data(self, request, plan_id):
        try:
            return api.plan_get(request, plan_id)
        except Exception:
            exceptions.handle(request, ignore=True)
            return None


class PlansTable(tables.DataTable):
    name = tables.Column(
        lambda p: p.get('name') or p['uuid'],
        verbose_name=_('Plan'),
        link='horizon:fleet:plans:detail',
    )
    state = tables.Column(
        'state',
        verbose_name=_('State'),
        status=True,
        status_choices=STATUS_CHOICES,
    )
    reason = tables.Column(
        'state_reason', verbose_name=_('Why'), empty_value='-'
    )
    progress = tables.Column(_progress, verbose_name=_('Hosts'))
    budget = tables.Column(_compact('budget'), verbose_name=_('Budget'))
    created_at = tables.Column('created_at', verbose_name=_('Created'))

    def get_object_id(self, datum):
        return datum['uuid']

    def get_object_display(self, datum):
        return datum.get('name') or datum['uuid']

    class Meta:
        name = 'plans'
        verbose_name = _('Plans')
        status_columns = ('state',)
        row_class = UpdatePlan
        table_actions = (PlanFilterAction, CreatePlan)
        row_actions = (PausePlan, ResumePlan, CancelPlan)


def _run_link(row):
    uuid = row.get('execution_uuid')
    return (
        reverse('horizon:fleet:executions:detail', args=[uuid])
        if uuid
        else None
    )


class PlanHostsTable(tables.DataTable):
    position = tables.Column('position', verbose_name=_('#'))
    host = tables.Column(
        'host_name',
        verbose_name=_('Host'),
        link=lambda r: reverse(
            'horizon:fleet:hosts:detail', args=[r['host_name']]
        ),
    )
    state = tables.Column('state', verbose_name=_('State'))
    run = tables.Column(
        'execution_uuid',
        verbose_name=_('Run'),
        link=_run_link,
        empty_value='-',
    )
    result = tables.Column('result', verbose_name=_('Result'), empty_value='-')

    def get_object_id(self, datum):
        return datum['host_uuid']

    class Meta:
        name = 'plan_hosts'
        verbose_name = _('Hosts')
