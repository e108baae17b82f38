"""``openstack fleet host ...``: the physical resources of the fleet."""

import argparse
import logging

from cliff import columns
from osc_lib import exceptions
from osc_lib.cli import format_columns
from osc_lib.command import command

from fleet.cli import common
from fleet.client import exceptions as client_exc
from fleet.client import hosts as client_hosts

LOG = logging.getLogger(__name__)

KINDS = (
    'compute',
    'controller',
    'network',
    'storage',
    'utility',
    'switch',
    'pdu',
)
STATES = (
    'active',
    'draining',
    'maintenance',
    'unmanaged',
    'failed',
    'retired',
)
#: States a user may set; the others belong to fleet's runs.
SETTABLE_STATES = ('active', 'unmanaged', 'failed', 'retired')

LIST_COLUMNS = (
    ('uuid', 'UUID'),
    ('name', 'Name'),
    ('kind', 'Kind'),
    ('state', 'State'),
    ('region', 'Region'),
    ('availability_zone', 'Availability Zone'),
    ('rack', 'Rack'),
)
LONG_COLUMNS = LIST_COLUMNS + (
    ('cell', 'Cell'),
    ('state_reason', 'State Reason'),
    ('owner', 'Owner'),
    ('source', 'Source'),
    ('nova_service_status', 'Nova Service Status'),
    ('execution', 'Execution'),
    ('labels', 'Labels'),
    ('updated_at', 'Updated At'),
)


def _add_place_options(parser):
    for field, help_text in (
        ('region', 'Region'),
        ('cell', 'Nova cell'),
        ('availability-zone', 'Availability zone'),
        ('rack', 'Rack'),
        ('hardware-id', 'Hardware identifier (BMC, asset tag)'),
        ('serial', 'Serial number'),
    ):
        parser.add_argument(
            f'--{field}',
            metavar=f'<{field}>',
            help=f'{help_text} of the host.',
        )


def _place_fields(args):
    return {
        field: getattr(args, field)
        for field in (
            'region',
            'cell',
            'availability_zone',
            'rack',
            'hardware_id',
            'serial',
        )
        if getattr(args, field) is not None
    }


def _add_label_variable_options(parser, unset=False):
    if unset:
        parser.add_argument(
            '--label',
            metavar='<key>',
            action='append',
            default=[],
            help='Label to remove (repeat for several).',
        )
        parser.add_argument(
            '--variable',
            metavar='<key>',
            action='append',
            default=[],
            help='Variable to remove (repeat for several).',
        )
        return
    parser.add_argument(
        '--label',
        metavar='<key=value>',
        type=common.key_value,
        action='append',
        default=[],
        help='Label to set (repeat for several).',
    )
    parser.add_argument(
        '--variable',
        metavar='<key=value>',
        type=common.key_value,
        action='append',
        default=[],
        help='Variable to set (repeat for several); a value that parses '
        'as JSON (42, true, [1, 2], {"a": 1}) is stored as such, anything '
        'else as a string.',
    )


def _labels(pairs):
    return dict(pairs)


def _variables(pairs):
    return {k: common.json_value(v) for k, v in pairs}


#: ``<name><op><number>`` spellings of a metric filter's comparisons.
_METRIC_OPS = (('>=', 'gte'), ('<=', 'lte'), ('>', 'gt'), ('<', 'lt'))


def _metric_filter(text):
    """argparse type of --metric-filter: ``cpu_used_percent>90`` (or the
    API's own ``cpu_used_percent:gt:90``), or a bare name (the host has a
    value), as the API's ``metric`` parameter."""
    for symbol, op in _METRIC_OPS:
        name, sep, value = text.partition(symbol)
        if sep:
            if not name or not value:
                raise argparse.ArgumentTypeError(
                    f'expected NAME, NAME<op>NUMBER or NAME:<op>:NUMBER, '
                    f'got {text!r}'
                )
            return f'{name.strip()}:{op}:{value.strip()}'
    if not text:
        raise argparse.ArgumentTypeError('expected a metric name')
    return text


def _match(items):
    """``['rack=r1', 'gpu']`` -> ``{'rack': 'r1', 'gpu': None}``."""
    result = {}
    for item in items:
        key, sep, value = item.partition('=')
        if not key:
            raise exceptions.CommandError(
                f'expected KEY or KEY=VALUE, got {item!r}'
            )
        result[key] = value if sep else None
    return result or None


class InstancesColumn(columns.FormattableColumn):
    """A host's instances, one line each (API 1.2)."""

    def human_readable(self):
        return '\n'.join(
            f'{i.get("name") or i.get("uuid")} ({i.get("uuid")}): '
            f'{i.get("status")}'
            + (f', {i["task_state"]}' if i.get('task_state') else '')
            for i in self._value or []
        )

    def machine_readable(self):
        return self._value or []


class ChangesColumn(columns.FormattableColumn):
    def human_readable(self):
        value = self._value
        if isinstance(value, dict):
            return ', '.join(
                f'{k}: {_change(v)}' for k, v in sorted(value.items())
            )
        return '' if value is None else str(value)

    def machine_readable(self):
        return self._value


def _change(value):
    if isinstance(value, dict) and set(value) <= {'old', 'new'}:
        return f'{value.get("old")!r} -> {value.get("new")!r}'
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f'{value[0]!r} -> {value[1]!r}'
    return repr(value)


class ListHost(command.Lister):
    """List hosts."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--name', metavar='<name>', help='Only the host with this name.'
        )
        parser.add_argument(
            '--kind', metavar='<kind>', choices=KINDS, help='Only this kind.'
        )
        parser.add_argument(
            '--state',
            metavar='<state>',
            choices=STATES,
            help=f'Only hosts in this state ({", ".join(STATES)}).',
        )
        for field in ('region', 'cell', 'availability-zone', 'rack'):
            parser.add_argument(
                f'--{field}',
                metavar=f'<{field}>',
                help=f'Only hosts in this {field.replace("-", " ")}.',
            )
        parser.add_argument(
            '--source',
            metavar='<source>',
            help='Only hosts reported by this inventory source ("api" for '
            'those created through fleet).',
        )
        parser.add_argument(
            '--label',
            metavar='<key>[=<value>]',
            action='append',
            default=[],
            help='Only hosts with this label (any value if none is given); '
            'repeat for several (API 1.2).',
        )
        parser.add_argument(
            '--variable',
            metavar='<key>[=<value>]',
            action='append',
            default=[],
            help='Only hosts with this variable of their own (any value if '
            'none is given); repeat for several (API 1.2).',
        )
        parser.add_argument(
            '--metric-filter',
            metavar='<name>[<op><number>]',
            action='append',
            type=_metric_filter,
            default=[],
            dest='metric_filter',
            help='Only hosts whose latest value of this metric compares so '
            '(op >, >=, <, <=, e.g. "cpu_used_percent>90"; quote it), or '
            'that have a value of it (a name alone); repeat for several, '
            'all of which hold (API 1.9).',
        )
        common.add_list_options(
            parser, 'hosts', client_hosts.SORT_KEYS + ('metric:<name>',)
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        filters = {
            f: getattr(parsed_args, f)
            for f in client_hosts.FILTERS
            if getattr(parsed_args, f, None) is not None
        }
        hosts = client.hosts.list(
            **common.page_args(parsed_args),
            labels=_match(parsed_args.label),
            variables=_match(parsed_args.variable),
            metrics=parsed_args.metric_filter or None,
            **filters,
        )
        columns = LONG_COLUMNS if parsed_args.long else LIST_COLUMNS
        return common.listing(
            hosts, columns, formatters={'labels': format_columns.DictColumn}
        )


class ShowHost(command.ShowOne):
    """Show a host."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        host = client.hosts.get(parsed_args.host)
        columns_, values = common.show_item(host)
        if 'instances' in host:
            values = tuple(
                InstancesColumn(v) if k == 'instances' else v
                for k, v in zip(columns_, values, strict=True)
            )
        return columns_, values


class CreateHost(command.ShowOne):
    """Register a host that no inventory source reports."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Host name.')
        parser.add_argument(
            '--kind',
            metavar='<kind>',
            choices=KINDS,
            help=f'Kind of host: {", ".join(KINDS)} (default: compute).',
        )
        _add_place_options(parser)
        # cliff's "-f shell" formatter has a --variable (which columns to
        # print as shell variables); a host's --variable wins here, as in
        # "host set", and -f shell prints every column.
        optionals = parser._optionals
        handler, optionals.conflict_handler = (
            optionals.conflict_handler,
            'resolve',
        )
        _add_label_variable_options(parser)
        optionals.conflict_handler = handler
        parser.set_defaults(variables=[])
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        fields = _place_fields(parsed_args)
        if parsed_args.kind:
            fields['kind'] = parsed_args.kind
        if parsed_args.label:
            fields['labels'] = _labels(parsed_args.label)
        if parsed_args.variable:
            fields['variables'] = _variables(parsed_args.variable)
        host = client.hosts.create(parsed_args.name, **fields)
        return common.show_item(host)


class SetHost(command.Command):
    """Set labels, variables, location, state or owner of a host."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        _add_label_variable_options(parser)
        _add_place_options(parser)
        parser.add_argument(
            '--state',
            metavar='<state>',
            choices=SETTABLE_STATES,
            help=f'New state: {", ".join(SETTABLE_STATES)}; "unmanaged" '
            'needs a --reason.',
        )
        parser.add_argument(
            '--reason',
            metavar='<reason>',
            help='Why the host is in its state.',
        )
        parser.add_argument(
            '--owner',
            metavar='<owner>',
            help='Who has the host (a person, a team, a ticket).',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        patch = _place_fields(parsed_args)
        if parsed_args.label:
            patch['labels'] = _labels(parsed_args.label)
        if parsed_args.variable:
            patch['variables'] = _variables(parsed_args.variable)
        if parsed_args.state:
            patch['state'] = parsed_args.state
        if parsed_args.reason is not None:
            patch['state_reason'] = parsed_args.reason
        if parsed_args.owner is not None:
            patch['owner'] = parsed_args.owner
        if not patch:
            raise exceptions.CommandError('Nothing to set.')
        client.hosts.update(parsed_args.host, **patch)


class UnsetHost(command.Command):
    """Remove labels, variables, owner or state reason of a host."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        _add_label_variable_options(parser, unset=True)
        parser.add_argument(
            '--owner', action='store_true', help='Clear the owner.'
        )
        parser.add_argument(
            '--reason', action='store_true', help='Clear the state reason.'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        patch = {}
        if parsed_args.label:
            patch['labels'] = dict.fromkeys(parsed_args.label)
        if parsed_args.variable:
            patch['variables'] = dict.fromkeys(parsed_args.variable)
        if parsed_args.owner:
            patch['owner'] = None
        if parsed_args.reason:
            patch['state_reason'] = None
        if not patch:
            raise exceptions.CommandError('Nothing to unset.')
        client.hosts.update(parsed_args.host, **patch)


class DeleteHost(command.Command):
    """Delete hosts created through fleet (inventory hosts are retired
    with ``host set --state retired`` instead)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'hosts', metavar='<host>', nargs='+', help='Names or UUIDs.'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        if len(parsed_args.hosts) == 1:
            # One host: its error alone is the one line to show.
            client.hosts.delete(parsed_args.hosts[0])
            return
        failures = []
        for host in parsed_args.hosts:
            try:
                client.hosts.delete(host)
            except client_exc.FleetClientError as e:
                LOG.error('Failed to delete host %s: %s', host, e)
                failures.append(host)
        if failures:
            raise exceptions.CommandError(
                f'Failed to delete {len(failures)} of '
                f'{len(parsed_args.hosts)} hosts.'
            )


class ManageHost(command.Command):
    """Return a host to fleet (state "active")."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        parser.add_argument(
            '--reason', metavar='<reason>', help='Why (kept as the reason).'
        )
        parser.add_argument(
            '--owner', metavar='<owner>', help='New owner of the host.'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        client.hosts.manage(
            parsed_args.host,
            reason=parsed_args.reason,
            owner=parsed_args.owner,
        )


class UnmanageHost(command.Command):
    """Hand a host to a human (state "unmanaged"): fleet leaves it alone
    until ``host manage``."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        parser.add_argument(
            '--reason',
            metavar='<reason>',
            required=True,
            help='Why the host is taken out of fleet\'s hands.',
        )
        parser.add_argument(
            '--owner',
            metavar='<owner>',
            help='Who has the host now (a person, a team, a ticket).',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        client.hosts.unmanage(
            parsed_args.host,
            reason=parsed_args.reason,
            owner=parsed_args.owner,
        )


class ReleaseHost(command.ShowOne):
    """Force a host free (API 1.5): end its active run as cancelled and
    hand the host to a human, its nova-compute disabled; return it with
    ``host manage`` once checked."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        parser.add_argument(
            '--reason',
            metavar='<reason>',
            help='Why (kept in the host\'s history and state reason).',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        host = client.hosts.release(
            parsed_args.host, reason=parsed_args.reason
        )
        fields = (
            'name',
            'uuid',
            'state',
            'state_reason',
            'released_execution',
        )
        return fields, tuple(host.get(f) for f in fields)


class HistoryHost(command.Lister):
    """Show what happened to a host, newest first: who changed what and
    why (API 1.2)."""

    COLUMNS = (
        ('created_at', 'Date'),
        ('action', 'Action'),
        ('source', 'Source'),
        ('actor', 'Actor'),
        ('reason', 'Reason'),
        ('changes', 'Changes'),
    )

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        parser.add_argument(
            '--limit',
            metavar='<num>',
            type=int,
            help='Show at most this many entries (the newest).',
        )
        parser.add_argument(
            '--long',
            action='store_true',
            help='Also show the request id of each change.',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        rows = client.hosts.history(parsed_args.host, limit=parsed_args.limit)
        cols = self.COLUMNS
        if parsed_args.long:
            cols = cols + (('request_id', 'Request ID'),)
        return common.listing(
            rows, cols, formatters={'changes': ChangesColumn}
        )


class VariablesHost(command.Lister):
    """Show a host's variables resolved through its region, availability
    zone, cell and rack, each with where it comes from (API 1.2)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        view = client.hosts.variables(parsed_args.host)
        sources = view.get('sources') or {}
        return (
            ['Key', 'Value', 'Source'],
            (
                (key, value, sources.get(key))
                for key, value in sorted((view.get('variables') or {}).items())
            ),
        )


class ReplaceHost(command.ShowOne):
    """Replace a host by another: the replacement takes its place,
    labels, variables and aggregates (API 1.2)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'host', metavar='<old-host>', help='Host replaced (name or UUID).'
        )
        parser.add_argument(
            'replacement',
            metavar='<new-host>',
            help='Host that takes over (name or UUID).',
        )
        parser.add_argument(
            '--reason', metavar='<reason>', help='Why (kept in history).'
        )
        parser.add_argument(
            '--retire',
            action='store_true',
            help='Retire the old host as well.',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        result = client.hosts.replace(
            parsed_args.host,
            parsed_args.replacement,
            reason=parsed_args.reason,
            retire=parsed_args.retire,
        )
        old, new = result['replaced'], result['replacement']
        fields = (
            'replaced',
            'replaced_state',
            'replacement',
            'replacement_uuid',
            'cloned',
            'aggregates',
        )
        return fields, (
            old['name'],
            old['state'],
            new['name'],
            new['uuid'],
            format_columns.ListColumn(result.get('cloned') or []),
            format_columns.ListColumn(result.get('aggregates') or []),
        )
