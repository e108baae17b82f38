"""Helpers shared by the fleet commands."""

import argparse
import json

from osc_lib import utils
from osc_lib.cli import format_columns

#: Fields shown as key=value lists in tables (JSON objects in -f json).
DICT_FIELDS = ('labels', 'variables', 'facts', 'metrics', 'progress')


def key_value(text):
    """argparse type of ``KEY=VALUE``."""
    key, sep, value = text.partition('=')
    if not sep or not key:
        raise argparse.ArgumentTypeError(f'expected KEY=VALUE, got {text!r}')
    return key, value


def json_value(value):
    """A variable's value: JSON when it parses (numbers, true, lists,
    objects), else the string itself."""
    try:
        return json.loads(value)
    except ValueError:
        return value


#: Sort keys that hold a colon of their own: ``metric:<name>`` (hosts).
PREFIXED_SORT_KEYS = ('metric',)


def sort_option(text):
    """argparse type of ``KEY[:asc|desc]``; KEY may be ``metric:<name>``."""
    key, _, direction = text.rpartition(':')
    if key in PREFIXED_SORT_KEYS or ':' not in text:
        # "metric:cpu" or "name": no direction.
        key, direction = text, ''
    head, _, name = key.partition(':')
    if (
        not key
        or direction not in ('', 'asc', 'desc')
        or (name and head not in PREFIXED_SORT_KEYS)
        or (head in PREFIXED_SORT_KEYS and not name)
    ):
        raise argparse.ArgumentTypeError(
            f'expected KEY[:asc|desc], got {text!r}'
        )
    return key, direction or None


def add_pagination(parser, resource):
    parser.add_argument(
        '--limit',
        metavar='<num>',
        type=int,
        help=f'Show at most this many {resource} (default: all of them, '
        'fetched page by page).',
    )
    parser.add_argument(
        '--marker',
        metavar='<uuid>',
        help=f'Start after the {resource[:-1]} with this UUID.',
    )


def add_list_options(parser, resource, sort_keys):
    """--limit, --marker, --sort and --long of a list command."""
    add_pagination(parser, resource)
    parser.add_argument(
        '--sort',
        metavar='<key>[:<direction>]',
        type=sort_option,
        help=f'Sort by one of {", ".join(sort_keys)}, "asc" (default) or '
        '"desc".',
    )
    parser.add_argument(
        '--long', action='store_true', help='Show more columns.'
    )


def page_args(parsed_args):
    """The client's paging keywords from --limit, --marker and --sort."""
    sort_key, sort_dir = parsed_args.sort or (None, None)
    return {
        'limit': parsed_args.limit,
        'marker': parsed_args.marker,
        'sort_key': sort_key,
        'sort_dir': sort_dir,
    }


def formatters(item):
    return {
        k: format_columns.DictColumn
        for k in DICT_FIELDS
        if isinstance(item.get(k), dict)
    }


def show_item(item, hidden=('links',)):
    """(columns, values) of a ShowOne for an API resource dict."""
    fields = sorted(k for k in item if k not in hidden)
    fmt = formatters(item)
    values = tuple(fmt[k](item[k]) if k in fmt else item[k] for k in fields)
    return tuple(fields), values


def listing(items, columns, formatters=None):
    """(titles, rows) of a Lister.

    :param items: the API's resource dicts.
    :param columns: ``(field, title)`` pairs, in display order.
    :param formatters: ``{field: FormattableColumn class}``.
    """
    fields = [field for field, _ in columns]
    return (
        [title for _, title in columns],
        (
            utils.get_dict_properties(item, fields, formatters=formatters)
            for item in items
        ),
    )
