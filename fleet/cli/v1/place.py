"""``openstack fleet place ...``: regions, availability zones, cells and
racks, with the variables their hosts inherit (API 1.2 and later)."""

import logging

from osc_lib import exceptions
from osc_lib.cli import format_columns
from osc_lib.command import command

from fleet.cli import common
from fleet.client import exceptions as client_exc
from fleet.client import places as client_places

LOG = logging.getLogger(__name__)

LIST_COLUMNS = (
    ('uuid', 'UUID'),
    ('name', 'Name'),
    ('kind', 'Kind'),
    ('parent_uuid', 'Parent UUID'),
    ('source', 'Source'),
)
LONG_COLUMNS = LIST_COLUMNS + (
    ('description', 'Description'),
    ('labels', 'Labels'),
    ('variables', 'Variables'),
    ('updated_at', 'Updated At'),
)


def _add_fields(parser, unset=False):
    parser.add_argument(
        '--parent',
        metavar='<uuid>',
        help='UUID of the place this one is in.',
    )
    parser.add_argument(
        '--description', metavar='<text>', help='What the place is.'
    )
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
        help='Variable its hosts inherit (repeat for several); a value that '
        'parses as JSON is stored as such, anything else as a string.',
    )


def _fields(args):
    fields = {}
    if args.parent is not None:
        fields['parent_uuid'] = args.parent
    if args.description is not None:
        fields['description'] = args.description
    if args.label:
        fields['labels'] = dict(args.label)
    if args.variable:
        fields['variables'] = {
            k: common.json_value(v) for k, v in args.variable
        }
    return fields


def _resolve_conflicts(parser, add):
    # cliff's "-f shell" has a --variable of its own; the place's wins,
    # as in "host create".
    optionals = parser._optionals
    handler, optionals.conflict_handler = (
        optionals.conflict_handler,
        'resolve',
    )
    add(parser)
    optionals.conflict_handler = handler
    parser.set_defaults(variables=[])


def _add_ident(parser):
    parser.add_argument('place', metavar='<place>', help='UUID or name.')
    parser.add_argument(
        '--kind',
        dest='ident_kind',
        metavar='<kind>',
        choices=client_places.KINDS,
        help='Kind of the place named, when places of several kinds share '
        'its name.',
    )


def _ident(client, args):
    """The place's UUID or name, as the API takes it."""
    if not args.ident_kind:
        return args.place
    found = client.places.list(name=args.place, kind=args.ident_kind)
    if not found:
        raise exceptions.CommandError(
            f'No {args.ident_kind} named {args.place}.'
        )
    return found[0]['uuid']


class ListPlace(command.Lister):
    """List places."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--name', metavar='<name>', help='Only places named so.'
        )
        parser.add_argument(
            '--kind',
            metavar='<kind>',
            choices=client_places.KINDS,
            help=f'Only this kind ({", ".join(client_places.KINDS)}).',
        )
        parser.add_argument(
            '--parent', metavar='<uuid>', help='Only places in this one.'
        )
        parser.add_argument(
            '--source',
            metavar='<source>',
            help='Only places from this source ("api" for those created '
            'through fleet).',
        )
        common.add_list_options(parser, 'places', client_places.SORT_KEYS)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        filters = {
            'name': parsed_args.name,
            'kind': parsed_args.kind,
            'parent_uuid': parsed_args.parent,
            'source': parsed_args.source,
        }
        filters = {k: v for k, v in filters.items() if v is not None}
        items = client.places.list(
            **common.page_args(parsed_args),
            **filters,
        )
        cols = LONG_COLUMNS if parsed_args.long else LIST_COLUMNS
        return common.listing(
            items,
            cols,
            formatters={
                'labels': format_columns.DictColumn,
                'variables': format_columns.DictColumn,
            },
        )


class ShowPlace(command.ShowOne):
    """Show a place."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_ident(parser)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return common.show_item(client.places.get(_ident(client, parsed_args)))


class CreatePlace(command.ShowOne):
    """Create a place; hosts whose region, availability zone, cell or
    rack has its name inherit its variables."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'name',
            metavar='<name>',
            help='Name, as hosts give it in their region, availability '
            'zone, cell or rack.',
        )
        parser.add_argument(
            '--kind',
            metavar='<kind>',
            required=True,
            choices=client_places.KINDS,
            help=f'Kind of place: {", ".join(client_places.KINDS)}.',
        )
        _resolve_conflicts(parser, _add_fields)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        place = client.places.create(
            parsed_args.name, parsed_args.kind, **_fields(parsed_args)
        )
        return common.show_item(place)


class SetPlace(command.Command):
    """Set the name, parent, description, labels or variables of a
    place (other labels and variables are kept)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_ident(parser)
        parser.add_argument('--name', metavar='<name>', help='New name.')
        _add_fields(parser)
        parser.add_argument(
            '--unset-label',
            metavar='<key>',
            action='append',
            default=[],
            help='Label to remove (repeat for several).',
        )
        parser.add_argument(
            '--unset-variable',
            metavar='<key>',
            action='append',
            default=[],
            help='Variable to remove (repeat for several).',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        patch = _fields(parsed_args)
        if parsed_args.name is not None:
            patch['name'] = parsed_args.name
        for key, keys in (
            ('labels', parsed_args.unset_label),
            ('variables', parsed_args.unset_variable),
        ):
            if keys:
                patch[key] = dict(dict.fromkeys(keys), **patch.get(key, {}))
        if not patch:
            raise exceptions.CommandError('Nothing to set.')
        client.places.update(_ident(client, parsed_args), **patch)


class DeletePlace(command.Command):
    """Delete places."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'places', metavar='<place>', nargs='+', help='UUIDs or names.'
        )
        parser.add_argument(
            '--kind',
            dest='ident_kind',
            metavar='<kind>',
            choices=client_places.KINDS,
            help='Kind of the places named, when places of several kinds '
            'share a name.',
        )
        return parser

    def _delete(self, client, place, kind):
        args = type('Args', (), {'place': place, 'ident_kind': kind})
        client.places.delete(_ident(client, args))

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        if len(parsed_args.places) == 1:
            self._delete(client, parsed_args.places[0], parsed_args.ident_kind)
            return
        failures = []
        for place in parsed_args.places:
            try:
                self._delete(client, place, parsed_args.ident_kind)
            except (
                client_exc.FleetClientError,
                exceptions.CommandError,
            ) as e:
                LOG.error('Failed to delete place %s: %s', place, e)
                failures.append(place)
        if failures:
            raise exceptions.CommandError(
                f'Failed to delete {len(failures)} of '
                f'{len(parsed_args.places)} places.'
            )
