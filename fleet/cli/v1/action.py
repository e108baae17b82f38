"""``openstack fleet action ...``: the executor action catalog (API 1.4
and later). Read-only: actions are defined on the servers, in
``[executor] actions_dir``."""

from cliff import columns
from osc_lib.cli import format_columns
from osc_lib.command import command

from fleet.cli import common

LIST_COLUMNS = (
    ('name', 'Name'),
    ('executor', 'Executor'),
    ('parameters', 'Parameters'),
    ('description', 'Description'),
)


class ParametersColumn(columns.FormattableColumn):
    """The parameter names of a JSON schema, required ones marked ``*``."""

    def human_readable(self):
        schema = self._value or {}
        required = set(schema.get('required') or ())
        return ', '.join(
            name + ('*' if name in required else '')
            for name in (schema.get('properties') or {})
        )

    def machine_readable(self):
        return self._value


class ListAction(command.Lister):
    """List the executor actions runs and runbooks may name."""

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return common.listing(
            client.actions.list(),
            LIST_COLUMNS,
            formatters={'parameters': ParametersColumn},
        )


class ShowAction(command.ShowOne):
    """Show an executor action and the JSON schema of its parameters."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('action', metavar='<action>', help='Name.')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        action = client.actions.get(parsed_args.action)
        fields, values = common.show_item(action)
        values = tuple(
            format_columns.DictColumn(v) if isinstance(v, dict) else v
            for v in values
        )
        return fields, values
