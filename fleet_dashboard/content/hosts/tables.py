import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import tables

from fleet_dashboard import permissions
from fleet_dashboard.content.audits import tables as audit_tables

EXECUTION_DETAIL = 'horizon:fleet:executions:detail'


def _place(host):
    parts = [
        host.get(key)
        for key in ('region', 'cell', 'availability_zone', 'rack')
        if host.get(key)
    ]
    return ' / '.join(parts) or '-'


def _labels(host):
    labels = host.get('labels') or {}
    return ', '.join(f'{k}={v}' for k, v in sorted(labels.items())) or '-'


def _compute(host):
    status = host.get('nova_service_status')
    if not status:
        return '-'
    state = host.get('nova_service_state')
    return f'{status} ({state})' if state else status


def _run_link(host):
    uuid = host.get('execution')
    return reverse(EXECUTION_DETAIL, args=[uuid]) if uuid else None


class HostFilterAction(tables.FilterAction):
    filter_type = 'server'
    filter_choices = (
        ('name', _('Name ='), True),
        ('state', _('State ='), True),
        ('kind', _('Kind ='), True),
        ('availability_zone', _('Availability Zone ='), True),
        ('rack', _('Rack ='), True),
        ('label', _('Label (key or key=value)'), True),
    )


class StartMaintenance(permissions.ActionMixin, tables.LinkAction):
    name = 'maintenance'
    verbose_name = _('Start Maintenance')
    url = 'horizon:fleet:hosts:maintenance'
    classes = ('ajax-modal',)
    icon = 'wrench'

    def allowed(self, request, host=None):
        return host is None or (
            host.get('state') == 'active' and not host.get('execution')
        )


class ReleaseHost(permissions.ActionMixin, tables.LinkAction):
    name = 'release'
    verbose_name = _('Release Host')
    url = 'horizon:fleet:hosts:release'
    classes = ('ajax-modal', 'btn-danger')

    def allowed(self, request, host=None):
        # Only a host a run holds, or one stuck in maintenance, needs it.
        return (
            host is None
            or bool(host.get('execution'))
            or (host.get('state') in ('draining', 'maintenance', 'failed'))
        )


class UnmanageHost(permissions.ActionMixin, tables.LinkAction):
    name = 'unmanage'
    verbose_name = _('Hand to a Human')
    url = 'horizon:fleet:hosts:unmanage'
    classes = ('ajax-modal',)

    def allowed(self, request, host=None):
        return host is None or (
            host.get('state') == 'active' and not host.get('execution')
        )


class ManageHost(permissions.ActionMixin, tables.LinkAction):
    name = 'manage'
    verbose_name = _('Take Back')
    url = 'horizon:fleet:hosts:manage'
    classes = ('ajax-modal',)

    def allowed(self, request, host=None):
        return host is None or host.get('state') == 'unmanaged'


class HostsTable(tables.DataTable):
    name = tables.WrappingColumn(
        'name',
        verbose_name=_('Name'),
        link='horizon:fleet:hosts:detail',
    )
    kind = tables.Column('kind', verbose_name=_('Kind'))
    state = tables.Column('state', verbose_name=_('State'))
    compute = tables.Column(_compute, verbose_name=_('nova-compute'))
    place = tables.Column(_place, verbose_name=_('Place'))
    labels = tables.Column(_labels, verbose_name=_('Labels'))
    instances = tables.Column(
        'instance_count', verbose_name=_('Instances'), empty_value='-'
    )
    execution = tables.Column(
        'execution',
        verbose_name=_('Active Run'),
        link=_run_link,
        empty_value='-',
    )

    def get_object_id(self, datum):
        return datum['name']

    def get_object_display(self, datum):
        return datum['name']

    class Meta:
        name = 'hosts'
        verbose_name = _('Hosts')
        table_actions = (HostFilterAction,)
        row_actions = (StartMaintenance, UnmanageHost, ManageHost, ReleaseHost)


class InstancesTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Name'))
    uuid = tables.Column('uuid', verbose_name=_('UUID'))
    status = tables.Column('status', verbose_name=_('Status'))
    task_state = tables.Column(
        'task_state', verbose_name=_('Task State'), empty_value='-'
    )
    project = tables.Column('project_id', verbose_name=_('Project'))
    flavor = tables.Column('flavor', verbose_name=_('Flavor'))

    def get_object_id(self, datum):
        return datum['uuid']

    class Meta:
        name = 'instances'
        verbose_name = _('Instances')


def _changes(row):
    changes = row.get('changes') or {}
    return ', '.join(sorted(changes)) or '-'


class HistoryTable(tables.DataTable):
    created_at = tables.Column('created_at', verbose_name=_('When'))
    action = tables.Column('action', verbose_name=_('Action'))
    source = tables.Column('source', verbose_name=_('Source'))
    actor = tables.Column('actor', verbose_name=_('Who'), empty_value='-')
    reason = tables.Column('reason', verbose_name=_('Why'), empty_value='-')
    changes = tables.Column(_changes, verbose_name=_('Changed'))

    def get_object_id(self, datum):
        return f'{datum["created_at"]}-{datum["action"]}'

    class Meta:
        name = 'history'
        verbose_name = _('History')


def flatten_facts(facts, prefix=''):
    """``{'os': {'kernel': '5.14'}}`` as rows ``os.kernel = 5.14``: a
    nested value becomes dotted keys, a list stays one JSON value."""
    rows = []
    for key in sorted(facts or {}):
        value = facts[key]
        path = f'{prefix}{key}'
        if isinstance(value, dict) and value:
            rows.extend(flatten_facts(value, prefix=f'{path}.'))
        else:
            if isinstance(value, (dict, list)):
                value = json.dumps(value, sort_keys=True)
            rows.append({'key': path, 'value': value})
    return rows


class FactsTable(tables.DataTable):
    key = tables.Column('key', verbose_name=_('Fact'))
    value = tables.Column('value', verbose_name=_('Value'), empty_value='-')

    def get_object_id(self, datum):
        return datum['key']

    class Meta:
        name = 'facts'
        verbose_name = _('Facts')


class FindingsTable(tables.DataTable):
    profile = tables.Column(
        'profile_name',
        verbose_name=_('Profile'),
        link=audit_tables.profile_link,
    )
    # The finding's page has its evidence and history (Audits panel).
    rule = tables.Column(
        'rule', verbose_name=_('Rule'), link='horizon:fleet:audits:finding'
    )
    severity = tables.Column('severity', verbose_name=_('Severity'))
    result = tables.Column('result', verbose_name=_('Result'))
    message = tables.Column(
        'message', verbose_name=_('Message'), empty_value='-'
    )
    checked_at = tables.Column('checked_at', verbose_name=_('Checked'))

    def get_object_id(self, datum):
        return datum['uuid']

    class Meta:
        name = 'findings'
        verbose_name = _('Findings')


class MetricsTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Metric'))
    value = tables.Column('value', verbose_name=_('Value'))
    unit = tables.Column('unit', verbose_name=_('Unit'), empty_value='-')
    source = tables.Column('source', verbose_name=_('Source'))
    sampled_at = tables.Column('sampled_at', verbose_name=_('Sampled'))

    def get_object_id(self, datum):
        return datum['name']

    class Meta:
        name = 'metrics'
        verbose_name = _('Metrics')
