"""``openstack fleet alert ...``: deduplicated alerts (API 1.3 and
later)."""

import argparse
import re

from cliff import columns
from osc_lib.cli import format_columns
from osc_lib.command import command

from fleet.cli import common
from fleet.client import alerts as client_alerts

LIST_COLUMNS = (
    ('uuid', 'UUID'),
    ('name', 'Name'),
    ('severity', 'Severity'),
    ('state', 'State'),
    ('host_name', 'Host'),
    ('count', 'Count'),
    ('last_seen', 'Last Seen'),
)
LONG_COLUMNS = LIST_COLUMNS + (
    ('source', 'Source'),
    ('first_seen', 'First Seen'),
    ('acknowledged_by', 'Acknowledged By'),
    ('silenced_until', 'Silenced Until'),
    ('labels', 'Labels'),
)

_UNITS = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400}
_DURATION_RE = re.compile(r'^\s*(\d+)\s*([smhd]?)\s*$')


def duration(text):
    """argparse type of a duration: ``90``, ``90s``, ``30m``, ``2h``,
    ``7d`` -> seconds."""
    match = _DURATION_RE.match(text.lower())
    if not match or int(match.group(1)) < 1:
        raise argparse.ArgumentTypeError(
            f'expected a duration such as 3600, 30m, 2h or 7d, got {text!r}'
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


class HistoryColumn(columns.FormattableColumn):
    """An alert's history, one line per event."""

    def human_readable(self):
        return '\n'.join(
            f'{e.get("created_at") or ""} {e.get("kind", "")} '
            f'{" ".join(str(e.get("message", "")).split())}'.strip()
            for e in self._value or []
        )

    def machine_readable(self):
        return self._value or []


def decision_line(d):
    """One line of what a runbook decided about an alert."""
    line = f'{d.get("runbook")}: {d.get("action")}'
    if d.get('host'):
        line += f' on {d["host"]}'
    if d.get('execution_uuid'):
        line += f' (execution {d["execution_uuid"]}'
        line += (
            f', {d["execution_state"]})' if d.get('execution_state') else ')'
        )
    if d.get('reason'):
        line += f' - {" ".join(str(d["reason"]).split())}'
    return line


class DecisionsColumn(columns.FormattableColumn):
    """What the runbooks decided, one line per runbook."""

    def human_readable(self):
        return '\n'.join(decision_line(d) for d in self._value or [])

    def machine_readable(self):
        return self._value or []


def show_alert(alert, extra=None):
    """(columns, values) of a ShowOne for an alert."""
    alert = dict(alert, **(extra or {}))
    fields = sorted(k for k in alert if k != 'links')
    special = {
        'labels': format_columns.DictColumn,
        'annotations': format_columns.DictColumn,
        'history': HistoryColumn,
        'decisions': DecisionsColumn,
    }
    return tuple(fields), tuple(
        special[k](alert[k]) if k in special else alert[k] for k in fields
    )


class ListAlert(command.Lister):
    """List alerts."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--name', metavar='<name>', help='Only alerts with this name.'
        )
        parser.add_argument(
            '--state',
            metavar='<state>',
            choices=client_alerts.STATES,
            help=f'Only alerts in this state '
            f'({", ".join(client_alerts.STATES)}).',
        )
        parser.add_argument(
            '--severity',
            metavar='<severity>',
            help='Only alerts of this severity (info, warning, critical, '
            'or what the source sent).',
        )
        parser.add_argument(
            '--source',
            metavar='<source>',
            help='Only alerts from this source (alertmanager, api, ...).',
        )
        parser.add_argument(
            '--host', metavar='<host>', help='Only alerts of this host.'
        )
        common.add_list_options(parser, 'alerts', client_alerts.SORT_KEYS)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        filters = {
            f: getattr(parsed_args, f)
            for f in ('name', 'state', 'severity', 'source', 'host')
            if getattr(parsed_args, f) is not None
        }
        alerts = client.alerts.list(
            **common.page_args(parsed_args),
            **filters,
        )
        cols = LONG_COLUMNS if parsed_args.long else LIST_COLUMNS
        return common.listing(
            alerts, cols, formatters={'labels': format_columns.DictColumn}
        )


class ShowAlert(command.ShowOne):
    """Show an alert and its history."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('alert', metavar='<uuid>', help='Alert UUID.')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return show_alert(client.alerts.get(parsed_args.alert))


class CreateAlert(command.ShowOne):
    """Record an alert, as a monitoring tool would: runbooks act on it as
    on any other (a repeat of an open alert is counted, not duplicated)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Alert name.')
        parser.add_argument(
            '--severity',
            metavar='<severity>',
            help='info, warning (default) or critical.',
        )
        parser.add_argument(
            '--host', metavar='<host>', help='Host it is about (name/UUID).'
        )
        parser.add_argument(
            '--label',
            metavar='<key=value>',
            type=common.key_value,
            action='append',
            default=[],
            help='Label (repeat for several); labels tell alerts apart.',
        )
        parser.add_argument(
            '--annotation',
            metavar='<key=value>',
            type=common.key_value,
            action='append',
            default=[],
            help='Annotation (repeat for several), e.g. summary=...',
        )
        parser.add_argument(
            '--source',
            metavar='<source>',
            help='Who raised it (default: api).',
        )
        parser.add_argument(
            '--fingerprint',
            metavar='<fingerprint>',
            help='Identity of the alert (default: from name, host, labels).',
        )
        parser.add_argument(
            '--occurrence-id',
            metavar='<id>',
            help='Identity of this occurrence: a repeat with the same id '
            'is not counted twice.',
        )
        parser.add_argument(
            '--resolved',
            action='store_true',
            help='Say the alert is over rather than firing.',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        fields = {
            'severity': parsed_args.severity,
            'host': parsed_args.host,
            'source': parsed_args.source,
            'fingerprint': parsed_args.fingerprint,
            'occurrence_id': parsed_args.occurrence_id,
        }
        if parsed_args.label:
            fields['labels'] = dict(parsed_args.label)
        if parsed_args.annotation:
            fields['annotations'] = dict(parsed_args.annotation)
        if parsed_args.resolved:
            fields['status'] = 'resolved'
        result = client.alerts.create(parsed_args.name, **fields)
        return show_alert(
            result['alert'],
            {
                'duplicate': result['duplicate'],
                'decisions': result['decisions'],
            },
        )


class AcknowledgeAlert(command.ShowOne):
    """Acknowledge a firing alert: a human is on it."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('alert', metavar='<uuid>', help='Alert UUID.')
        parser.add_argument(
            '--comment', metavar='<text>', help='Kept in its history.'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return show_alert(
            client.alerts.acknowledge(
                parsed_args.alert, comment=parsed_args.comment
            )
        )


class SilenceAlert(command.ShowOne):
    """Silence an alert for a while: runbooks leave it alone."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('alert', metavar='<uuid>', help='Alert UUID.')
        parser.add_argument(
            '--duration',
            metavar='<duration>',
            type=duration,
            help='How long: seconds, or 30m, 2h, 7d (default: the '
            'server\'s [alerts] default_silence_seconds).',
        )
        parser.add_argument(
            '--reason', metavar='<text>', required=True, help='Why.'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return show_alert(
            client.alerts.silence(
                parsed_args.alert,
                reason=parsed_args.reason,
                duration=parsed_args.duration,
            )
        )


class UnsilenceAlert(command.ShowOne):
    """End an alert's silence: it fires again."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('alert', metavar='<uuid>', help='Alert UUID.')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return show_alert(client.alerts.unsilence(parsed_args.alert))
