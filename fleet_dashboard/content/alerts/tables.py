from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from fleet_dashboard import permissions
from fleet_dashboard.api import fleet as api


class AlertFilterAction(tables.FilterAction):
    filter_type = 'server'
    filter_choices = (
        ('name', _('Name ='), True),
        ('state', _('State ='), True),
        ('severity', _('Severity ='), True),
        ('host', _('Host ='), True),
    )


class AcknowledgeAlert(permissions.ActionMixin, tables.BatchAction):
    name = 'acknowledge'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Acknowledge Alert', 'Acknowledge Alerts', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy(
            'Acknowledged alert', 'Acknowledged alerts', count
        )

    def allowed(self, request, alert=None):
        return alert is None or alert.get('state') == 'firing'

    def fleet_action(self, request, obj_id):
        api.alert_acknowledge(request, obj_id)


class SilenceAlert(permissions.ActionMixin, tables.LinkAction):
    name = 'silence'
    verbose_name = _('Silence Alert')
    url = 'horizon:fleet:alerts:silence'
    classes = ('ajax-modal',)

    def allowed(self, request, alert=None):
        return alert is None or alert.get('state') in (
            'firing',
            'acknowledged',
        )


class UnsilenceAlert(permissions.ActionMixin, tables.BatchAction):
    name = 'unsilence'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Unsilence Alert', 'Unsilence Alerts', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Unsilenced alert', 'Unsilenced alerts', count)

    def allowed(self, request, alert=None):
        return alert is None or alert.get('state') == 'silenced'

    def fleet_action(self, request, obj_id):
        api.alert_unsilence(request, obj_id)


def _host(alert):
    return alert.get('host_name') or alert.get('host_uuid') or '-'


class AlertsTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Name'))
    severity = tables.Column('severity', verbose_name=_('Severity'))
    state = tables.Column('state', verbose_name=_('State'))
    host = tables.Column(_host, verbose_name=_('Host'))
    count = tables.Column('count', verbose_name=_('Count'))
    source = tables.Column('source', verbose_name=_('Source'))
    last_seen = tables.Column('last_seen', verbose_name=_('Last Seen'))
    silenced_until = tables.Column(
        'silenced_until', verbose_name=_('Silenced Until'), empty_value='-'
    )

    def get_object_id(self, datum):
        return datum['uuid']

    def get_object_display(self, datum):
        return datum['name']

    class Meta:
        name = 'alerts'
        verbose_name = _('Alerts')
        table_actions = (AlertFilterAction, AcknowledgeAlert)
        row_actions = (SilenceAlert, AcknowledgeAlert, UnsilenceAlert)
