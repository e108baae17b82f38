"""``openstack fleet runbook ...``: what fleet does about alerts (API 1.3
and later). Runbooks are written as files, JSON or YAML."""

import json
import logging
import sys

from cliff import columns
from osc_lib import exceptions
from osc_lib.cli import format_columns
from osc_lib.command import command
import yaml

from fleet.cli import common
from fleet.client import exceptions as client_exc
from fleet.client import runbooks as client_runbooks

LOG = logging.getLogger(__name__)

LIST_COLUMNS = (
    ('uuid', 'UUID'),
    ('name', 'Name'),
    ('enabled', 'Enabled'),
    ('approval', 'Approval'),
    ('remediation', 'Remediation'),
)
LONG_COLUMNS = LIST_COLUMNS + (
    ('match', 'Match'),
    ('threshold', 'Threshold'),
    ('cooldown', 'Cooldown'),
    ('limits', 'Limits'),
    ('description', 'Description'),
    ('updated_at', 'Updated At'),
)
DECISION_COLUMNS = (
    ('alert_uuid', 'Alert UUID'),
    ('alert', 'Alert'),
    ('host', 'Host'),
    ('action', 'Action'),
    ('approval', 'Approval'),
    ('occurrences', 'Occurrences'),
    ('reason', 'Reason'),
)
#: What a runbook file holds but the API computes.
READ_ONLY = ('uuid', 'created_at', 'updated_at', 'links', 'actions')


class RemediationColumn(columns.FormattableColumn):
    """``maintenance (drain)``, ``handoff to dc-ops``."""

    def human_readable(self):
        rem = self._value or {}
        text = rem.get('action') or ''
        if rem.get('kind'):
            text += f' ({rem["kind"]})'
        if rem.get('owner'):
            text += f' to {rem["owner"]}'
        return text

    def machine_readable(self):
        return self._value


class ActionsColumn(columns.FormattableColumn):
    """What a runbook did, one line per action."""

    def human_readable(self):
        lines = []
        for a in self._value or []:
            line = f'{a.get("created_at") or ""} {a.get("action")}'
            if a.get('alert_uuid'):
                line += f' alert {a["alert_uuid"]}'
            if a.get('execution_uuid'):
                line += f' execution {a["execution_uuid"]}'
            lines.append(line.strip())
        return '\n'.join(lines)

    def machine_readable(self):
        return self._value or []


def load_file(path):
    """The data of a JSON or YAML file (``-`` for stdin).

    :raises: CommandError saying what is wrong with it.
    """
    try:
        if path == '-':
            text = sys.stdin.read()
        else:
            with open(path, encoding='utf-8') as f:
                text = f.read()
    except OSError as e:
        raise exceptions.CommandError(
            f'Cannot read {path}: {e.strerror or e}'
        ) from e
    try:
        # JSON is YAML; one parser reads both.
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        detail = ' '.join(str(e).split())
        raise exceptions.CommandError(
            f'{path} is neither JSON nor YAML: {detail}'
        ) from e
    if not isinstance(data, (dict, list)):
        raise exceptions.CommandError(
            f'{path} must hold a JSON or YAML object, not '
            f'{type(data).__name__}.'
        )
    return data


def _one_runbook(data, path):
    if not isinstance(data, dict):
        raise exceptions.CommandError(
            f'{path} must hold one runbook (an object); use "runbook '
            'import" for a catalog.'
        )
    if set(data) == {'runbooks'}:
        raise exceptions.CommandError(
            f'{path} holds a catalog ({{"runbooks": [...]}}); use '
            '"runbook import".'
        )
    return {k: v for k, v in data.items() if k not in READ_ONLY}


def show_runbook(runbook):
    fields = sorted(k for k in runbook if k != 'links')
    special = {
        'match': format_columns.DictColumn,
        'threshold': format_columns.DictColumn,
        'limits': format_columns.DictColumn,
        'remediation': format_columns.DictColumn,
        'actions': ActionsColumn,
    }
    return tuple(fields), tuple(
        special[k](runbook[k]) if k in special else runbook[k] for k in fields
    )


def _add_file(parser, required=True, help_text=None):
    parser.add_argument(
        '--file',
        metavar='<file>',
        required=required,
        help=help_text or 'The runbook, as JSON or YAML ("-" for stdin).',
    )


class ListRunbook(command.Lister):
    """List runbooks."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--name', metavar='<name>', help='Only the runbook named so.'
        )
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument(
            '--enabled',
            action='store_true',
            default=None,
            help='Only enabled runbooks.',
        )
        enabled.add_argument(
            '--disabled',
            action='store_false',
            dest='enabled',
            help='Only disabled runbooks.',
        )
        common.add_list_options(parser, 'runbooks', client_runbooks.SORT_KEYS)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        filters = {}
        if parsed_args.name is not None:
            filters['name'] = parsed_args.name
        if parsed_args.enabled is not None:
            filters['enabled'] = parsed_args.enabled
        items = client.runbooks.list(
            **common.page_args(parsed_args),
            **filters,
        )
        cols = LONG_COLUMNS if parsed_args.long else LIST_COLUMNS
        fmt = {
            'remediation': RemediationColumn,
            'match': format_columns.DictColumn,
            'threshold': format_columns.DictColumn,
            'limits': format_columns.DictColumn,
        }
        return common.listing(items, cols, formatters=fmt)


class ShowRunbook(command.ShowOne):
    """Show a runbook and what it did lately."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'runbook', metavar='<runbook>', help='Name or UUID.'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return show_runbook(client.runbooks.get(parsed_args.runbook))


class CreateRunbook(command.ShowOne):
    """Create a runbook from a JSON or YAML file."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_file(parser)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        data = _one_runbook(load_file(parsed_args.file), parsed_args.file)
        return show_runbook(client.runbooks.create(data))


class SetRunbook(command.ShowOne):
    """Replace a runbook by the content of a JSON or YAML file (fields
    the file leaves out take their defaults)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'runbook', metavar='<runbook>', help='Name or UUID.'
        )
        _add_file(parser)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        data = _one_runbook(load_file(parsed_args.file), parsed_args.file)
        return show_runbook(client.runbooks.replace(parsed_args.runbook, data))


class DeleteRunbook(command.Command):
    """Delete runbooks."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'runbooks', metavar='<runbook>', nargs='+', help='Names or UUIDs.'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        if len(parsed_args.runbooks) == 1:
            client.runbooks.delete(parsed_args.runbooks[0])
            return
        failures = []
        for runbook in parsed_args.runbooks:
            try:
                client.runbooks.delete(runbook)
            except client_exc.FleetClientError as e:
                LOG.error('Failed to delete runbook %s: %s', runbook, e)
                failures.append(runbook)
        if failures:
            raise exceptions.CommandError(
                f'Failed to delete {len(failures)} of '
                f'{len(parsed_args.runbooks)} runbooks.'
            )


class DryRunRunbook(command.Lister):
    """What a runbook would do now about every firing alert it matches,
    without doing it."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'runbook', metavar='<runbook>', help='Name or UUID.'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        result = client.runbooks.dry_run(parsed_args.runbook)
        return common.listing(result.get('decisions') or [], DECISION_COLUMNS)


class ExportRunbook(command.Command):
    """Write the whole runbook catalog, as YAML (default) or JSON, to
    stdout or a file that "runbook import" takes back."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_file(
            parser,
            required=False,
            help_text='Write to this file rather than stdout.',
        )
        parser.add_argument(
            '--format',
            dest='export_format',
            choices=('yaml', 'json'),
            default=None,
            help='yaml (default; json for a --file ending in .json).',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        catalog = client.runbooks.export()
        fmt = parsed_args.export_format
        if fmt is None:
            path = parsed_args.file or ''
            fmt = 'json' if path.lower().endswith('.json') else 'yaml'
        if fmt == 'json':
            text = json.dumps(catalog, indent=2, sort_keys=True) + '\n'
        else:
            text = yaml.safe_dump(
                catalog, default_flow_style=False, sort_keys=False
            )
        if not parsed_args.file or parsed_args.file == '-':
            self.app.stdout.write(text)
            return
        try:
            with open(parsed_args.file, 'w', encoding='utf-8') as f:
                f.write(text)
        except OSError as e:
            raise exceptions.CommandError(
                f'Cannot write {parsed_args.file}: {e.strerror or e}'
            ) from e
        self.app.stderr.write(
            f'Exported {len(catalog.get("runbooks", []))} runbooks to '
            f'{parsed_args.file}.\n'
        )


class ImportRunbook(command.ShowOne):
    """Create or replace (by name) every runbook of a catalog file, as
    "runbook export" writes it; the whole catalog is validated first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_file(
            parser,
            help_text='The catalog, JSON or YAML: {"runbooks": [...]} or '
            'a list of runbooks ("-" for stdin).',
        )
        parser.add_argument(
            '--replace',
            action='store_true',
            help='Also delete the runbooks the catalog does not name.',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        data = load_file(parsed_args.file)
        if isinstance(data, dict) and 'runbooks' not in data:
            raise exceptions.CommandError(
                f'{parsed_args.file} holds no "runbooks" list; use '
                '"runbook create" for a single runbook.'
            )
        if isinstance(data, dict):
            data = {'runbooks': data['runbooks']}
        counts = client.runbooks.import_(data, replace=parsed_args.replace)
        fields = ('created', 'updated', 'deleted')
        return fields, tuple(counts.get(k, 0) for k in fields)
