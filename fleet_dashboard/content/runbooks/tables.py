import json

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from fleet_dashboard import permissions
from fleet_dashboard.api import fleet as api


def _compact(key):
    def get(runbook):
        value = runbook.get(key)
        if not value:
            return '-'
        return json.dumps(value, sort_keys=True)

    return get


class EnableRunbook(permissions.ActionMixin, tables.BatchAction):
    name = 'enable'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Enable Runbook', 'Enable Runbooks', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Enabled runbook', 'Enabled runbooks', count)

    def allowed(self, request, runbook=None):
        return runbook is None or not runbook.get('enabled')

    def fleet_action(self, request, obj_id):
        api.runbook_set_enabled(request, obj_id, True)


class DisableRunbook(permissions.ActionMixin, tables.BatchAction):
    name = 'disable'
    classes = ('btn-danger',)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Disable Runbook', 'Disable Runbooks', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Disabled runbook', 'Disabled runbooks', count)

    def allowed(self, request, runbook=None):
        return runbook is None or bool(runbook.get('enabled'))

    def fleet_action(self, request, obj_id):
        api.runbook_set_enabled(request, obj_id, False)


class DryRunRunbook(tables.LinkAction):
    """What the runbook would do now; read-only, so fleet's default policy
    lets observers do it too (``fleet:runbook:dry_run``)."""

    name = 'dry_run'
    verbose_name = _('Dry Run')
    url = 'horizon:fleet:runbooks:dry_run'
    icon = 'search'


class RunbooksTable(tables.DataTable):
    name = tables.WrappingColumn(
        'name',
        verbose_name=_('Name'),
        link='horizon:fleet:runbooks:detail',
    )
    enabled = tables.Column(
        'enabled',
        verbose_name=_('Enabled'),
        filters=(lambda v: _('Yes') if v else _('No'),),
    )
    match = tables.Column(_compact('match'), verbose_name=_('Match'))
    remediation = tables.Column(
        _compact('remediation'), verbose_name=_('Remediation')
    )
    approval = tables.Column(
        'approval', verbose_name=_('Approval'), empty_value='-'
    )

    def get_object_id(self, datum):
        return datum['name']

    def get_object_display(self, datum):
        return datum['name']

    class Meta:
        name = 'runbooks'
        verbose_name = _('Runbooks')
        table_actions = (EnableRunbook, DisableRunbook)
        row_actions = (DryRunRunbook, EnableRunbook, DisableRunbook)


class DecisionsTable(tables.DataTable):
    alert = tables.Column('alert', verbose_name=_('Alert'))
    host = tables.Column('host', verbose_name=_('Host'), empty_value='-')
    action = tables.Column('action', verbose_name=_('Would Do'))
    approval = tables.Column(
        'approval', verbose_name=_('Approval'), empty_value='-'
    )
    occurrences = tables.Column(
        'occurrences', verbose_name=_('Occurrences'), empty_value='-'
    )
    reason = tables.Column('reason', verbose_name=_('Why'), empty_value='-')

    def get_object_id(self, datum):
        return datum['alert_uuid']

    class Meta:
        name = 'decisions'
        verbose_name = _('Decisions')
