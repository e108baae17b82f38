import json

from django.utils.translation import gettext_lazy as _
from horizon import tables


def _compact(key):
    def get(runbook):
        value = runbook.get(key)
        if not value:
            return '-'
        return json.dumps(value, sort_keys=True)

    return get


class RunbooksTable(tables.DataTable):
    name = tables.WrappingColumn(
        'name',
        verbose_name=_('Name'),
        link='horizon:admin:fleet_runbooks:detail',
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

    class Meta:
        name = 'runbooks'
        verbose_name = _('Runbooks')
