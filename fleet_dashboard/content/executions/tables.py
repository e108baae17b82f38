from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import exceptions
from horizon import tables

from fleet_dashboard import permissions
from fleet_dashboard.api import fleet as api

FINAL_STATES = ('succeeded', 'failed', 'cancelled', 'rejected')
AWAITING = 'awaiting approval'
STATUS_CHOICES = (
    ('succeeded', True),
    ('failed', False),
    ('cancelled', False),
    ('rejected', False),
)


def _progress(run):
    summary = (run.get('progress') or {}).get('instances_summary') or {}
    total = summary.get('total')
    if total is None:
        return '-'
    return _('%(moved)s/%(total)s moved') % {
        'moved': summary.get('moved', 0),
        'total': total,
    }


def _host_link(run):
    host = run.get('host_name') or run.get('host_uuid')
    return reverse('horizon:fleet:hosts:detail', args=[host])


def _host(run):
    return run.get('host_name') or run.get('host_uuid')


class RunFilterAction(tables.FilterAction):
    filter_type = 'server'
    filter_choices = (
        ('host', _('Host ='), True),
        ('state', _('State ='), True),
        ('kind', _('Kind ='), True),
    )


class CancelRun(permissions.ActionMixin, tables.BatchAction):
    name = 'cancel'
    classes = ('btn-danger',)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Cancel Run', 'Cancel Runs', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy(
            'Cancellation requested for run',
            'Cancellation requested for runs',
            count,
        )

    def allowed(self, request, run=None):
        return run is None or run.get('state') not in FINAL_STATES + (
            'cancelling',
        )

    def fleet_action(self, request, obj_id):
        api.execution_cancel(request, obj_id)


class ApproveRun(permissions.ActionMixin, tables.BatchAction):
    name = 'approve'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Approve Run', 'Approve Runs', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Approved run', 'Approved runs', count)

    def allowed(self, request, run=None):
        return run is None or run.get('state') == AWAITING

    def fleet_action(self, request, obj_id):
        api.execution_approve(request, obj_id)


class RejectRun(permissions.ActionMixin, tables.BatchAction):
    name = 'reject'
    classes = ('btn-danger',)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Reject Run', 'Reject Runs', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Rejected run', 'Rejected runs', count)

    def allowed(self, request, run=None):
        return run is None or run.get('state') == AWAITING

    def fleet_action(self, request, obj_id):
        api.execution_reject(request, obj_id)


class UpdateRun(tables.Row):
    """Rows of running runs refresh themselves (Horizon's row polling)."""

    ajax = True

    def get_data(self, request, run_id):
        try:
            run = api.execution_get(request, run_id)
        except Exception:
            exceptions.handle(request, ignore=True)
            return None
        add_host_name(request, run)
        return run


def add_host_name(request, run):
    """Runs name their host by UUID: show its name too."""
    if not run or run.get('host_name'):
        return
    try:
        run['host_name'] = api.host_get(request, run['host_uuid'])['name']
    except Exception:
        exceptions.handle(request, ignore=True)


class RunsTable(tables.DataTable):
    uuid = tables.Column(
        'uuid',
        verbose_name=_('Run'),
        link='horizon:fleet:executions:detail',
    )
    host = tables.Column(_host, verbose_name=_('Host'), link=_host_link)
    kind = tables.Column('kind', verbose_name=_('Kind'))
    state = tables.Column(
        'state',
        verbose_name=_('State'),
        status=True,
        status_choices=STATUS_CHOICES,
    )
    step = tables.Column(
        'current_step', verbose_name=_('Step'), empty_value='-'
    )
    progress = tables.Column(_progress, verbose_name=_('Instances'))
    created_at = tables.Column('created_at', verbose_name=_('Created'))

    def get_object_id(self, datum):
        return datum['uuid']

    def get_object_display(self, datum):
        return datum['uuid']

    class Meta:
        name = 'runs'
        verbose_name = _('Maintenance Runs')
        status_columns = ('state',)
        row_class = UpdateRun
        table_actions = (RunFilterAction, CancelRun)
        row_actions = (ApproveRun, RejectRun, CancelRun)


class StepsTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Step'))
    state = tables.Column('state', verbose_name=_('State'))
    started_at = tables.Column(
        'started_at', verbose_name=_('Started'), empty_value='-'
    )
    finished_at = tables.Column(
        'finished_at', verbose_name=_('Finished'), empty_value='-'
    )

    def get_object_id(self, datum):
        return datum['name']

    class Meta:
        name = 'steps'
        verbose_name = _('Steps')


class RunInstancesTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Name'), empty_value='-')
    uuid = tables.Column('uuid', verbose_name=_('UUID'))
    state = tables.Column('state', verbose_name=_('State'))
    source = tables.Column('source', verbose_name=_('From'), empty_value='-')
    destination = tables.Column(
        'destination', verbose_name=_('To'), empty_value='-'
    )
    reason = tables.Column('reason', verbose_name=_('Why'), empty_value='-')

    def get_object_id(self, datum):
        return datum['uuid']

    class Meta:
        name = 'run_instances'
        verbose_name = _('Instances')


class EventsTable(tables.DataTable):
    created_at = tables.Column('created_at', verbose_name=_('When'))
    level = tables.Column('level', verbose_name=_('Level'))
    step = tables.Column('step', verbose_name=_('Step'), empty_value='-')
    message = tables.Column('message', verbose_name=_('Message'))

    def get_object_id(self, datum):
        return str(datum['index'])

    class Meta:
        name = 'events'
        verbose_name = _('Events')
