"""``openstack fleet audit ...``, ``finding ...`` and ``host facts ...``
(API 1.6 and later). Audit profiles are written as files, JSON or YAML.

Examples::

    openstack fleet audit profile create --file el9.yaml
    openstack fleet audit run --host cmp-1 --gather
    openstack fleet finding list --result fail --profile el9
    openstack fleet audit profile compliance el9
    openstack fleet host facts show cmp-1
"""

import json

from osc_lib import exceptions
from osc_lib.cli import format_columns
from osc_lib.command import command
import yaml

from fleet.cli import common
from fleet.cli.v1 import runbook as runbook_cli
from fleet.client import audits as client_audits

PROFILE_COLUMNS = (
    ('uuid', 'UUID'),
    ('name', 'Name'),
    ('enabled', 'Enabled'),
    ('rules', 'Rules'),
)
FINDING_COLUMNS = (
    ('uuid', 'UUID'),
    ('host_name', 'Host'),
    ('profile_name', 'Profile'),
    ('rule', 'Rule'),
    ('severity', 'Severity'),
    ('result', 'Result'),
    ('changed_at', 'Changed At'),
)
FINDING_LONG_COLUMNS = FINDING_COLUMNS + (
    ('evidence', 'Evidence'),
    ('message', 'Message'),
    ('checked_at', 'Checked At'),
)
COMPLIANCE_COLUMNS = (
    ('rule', 'Rule'),
    ('severity', 'Severity'),
    ('pass', 'Pass'),
    ('fail', 'Fail'),
    ('error', 'Error'),
    ('notapplicable', 'N/A'),
    ('availability_zones', 'By AZ'),
)
READ_ONLY = ('uuid', 'created_at', 'updated_at', 'links')


def _one_profile(data, path):
    if not isinstance(data, dict) or 'profiles' in data:
        raise exceptions.CommandError(
            f'{path} must hold one audit profile (use "audit profile '
            f'import" for a catalog).'
        )
    return {k: v for k, v in data.items() if k not in READ_ONLY}


def _show_profile(profile):
    profile = dict(profile)
    profile['rules'] = [
        f'{r["name"]} ({r.get("severity", "warning")}): '
        f'{json.dumps(r["check"], sort_keys=True)}'
        for r in profile.get('rules') or []
    ]
    fields, values = common.show_item(profile)
    fmt = {
        'rules': format_columns.ListColumn,
        'applies_to': format_columns.DictColumn,
    }
    return fields, tuple(
        fmt[f](v) if f in fmt else v
        for f, v in zip(fields, values, strict=True)
    )


class ListAuditProfile(command.Lister):
    """List audit profiles."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_list_options(
            parser, 'profiles', client_audits.PROFILE_SORT_KEYS
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        items = client.audit_profiles.list(**common.page_args(parsed_args))
        for item in items:
            item['rules'] = len(item.get('rules') or [])
        return common.listing(items, PROFILE_COLUMNS)


class ShowAuditProfile(command.ShowOne):
    """Show an audit profile and its rules."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('profile', metavar='<profile>', help='Name/UUID.')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return _show_profile(client.audit_profiles.get(parsed_args.profile))


class CreateAuditProfile(command.ShowOne):
    """Create an audit profile from a JSON or YAML file."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        runbook_cli._add_file(
            parser, help_text='The profile, JSON or YAML ("-" for stdin).'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        data = _one_profile(
            runbook_cli.load_file(parsed_args.file), parsed_args.file
        )
        return _show_profile(client.audit_profiles.create(data))


class SetAuditProfile(command.ShowOne):
    """Replace an audit profile by the content of a JSON or YAML file."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('profile', metavar='<profile>', help='Name/UUID.')
        runbook_cli._add_file(
            parser, help_text='The profile, JSON or YAML ("-" for stdin).'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        data = _one_profile(
            runbook_cli.load_file(parsed_args.file), parsed_args.file
        )
        return _show_profile(
            client.audit_profiles.replace(parsed_args.profile, data)
        )


class DeleteAuditProfile(command.Command):
    """Delete an audit profile and its findings."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('profile', metavar='<profile>', help='Name/UUID.')
        return parser

    def take_action(self, parsed_args):
        self.app.client_manager.fleet.audit_profiles.delete(
            parsed_args.profile
        )


class ExportAuditProfile(command.Command):
    """Write every audit profile, as YAML, to stdout or a file that
    "audit profile import" takes back."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        runbook_cli._add_file(
            parser, required=False, help_text='Write to this file.'
        )
        return parser

    def take_action(self, parsed_args):
        catalog = self.app.client_manager.fleet.audit_profiles.export()
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


class ImportAuditProfile(command.ShowOne):
    """Create or replace (by name) every profile of a catalog file; the
    whole catalog is validated first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        runbook_cli._add_file(
            parser,
            help_text='{"profiles": [...]} or a list of profiles, JSON or '
            'YAML ("-" for stdin).',
        )
        parser.add_argument(
            '--replace',
            action='store_true',
            help='Also delete the profiles the catalog does not name.',
        )
        return parser

    def take_action(self, parsed_args):
        data = runbook_cli.load_file(parsed_args.file)
        if isinstance(data, dict) and 'profiles' not in data:
            raise exceptions.CommandError(
                f'{parsed_args.file} holds no "profiles" list; use "audit '
                f'profile create" for a single profile.'
            )
        counts = self.app.client_manager.fleet.audit_profiles.import_(
            data, replace=parsed_args.replace
        )
        fields = ('created', 'updated', 'deleted')
        return fields, tuple(counts.get(k, 0) for k in fields)


class ComplianceAuditProfile(command.Lister):
    """Hosts passing / failing each rule of a profile, and per AZ."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('profile', metavar='<profile>', help='Name/UUID.')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        summary = client.audit_profiles.compliance(parsed_args.profile)
        rows = []
        for rule in summary.get('rules') or []:
            row = dict(rule['hosts'], rule=rule['rule'])
            row['severity'] = rule['severity']
            row['availability_zones'] = {
                az: f'{c["pass"]} pass / {c["fail"]} fail / {c["error"]} error'
                for az, c in rule['availability_zones'].items()
            }
            rows.append(row)
        return common.listing(
            rows,
            COMPLIANCE_COLUMNS,
            formatters={'availability_zones': format_columns.DictColumn},
        )


class RunAudit(command.ShowOne):
    """Audit hosts now against the enabled profiles (or those named)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--host',
            metavar='<host>',
            action='append',
            dest='hosts',
            help='A host to audit (repeat; default: every host).',
        )
        parser.add_argument(
            '--profile',
            metavar='<profile>',
            action='append',
            dest='profiles',
            help='A profile to audit against (repeat; default: every '
            'enabled one).',
        )
        parser.add_argument(
            '--gather',
            action='store_true',
            help='Gather the hosts\' facts first (the conductor does it '
            'in the background; watch "finding list").',
        )
        return parser

    def take_action(self, parsed_args):
        result = self.app.client_manager.fleet.audits.run(
            hosts=parsed_args.hosts,
            profiles=parsed_args.profiles,
            gather=parsed_args.gather,
        )
        if result.get('accepted'):
            return ('accepted', 'message'), (True, result.get('message'))
        changes = [
            f'{c["host"]} {c["profile"]}/{c["rule"]}: {c["old"]} -> {c["new"]}'
            for c in result.get('changes') or []
        ]
        return ('hosts', 'profiles', 'changes'), (
            result.get('hosts'),
            format_columns.DictColumn(result.get('profiles') or {}),
            format_columns.ListColumn(changes),
        )


class ListFinding(command.Lister):
    """List audit findings."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--host', metavar='<host>', help='Of this host.')
        parser.add_argument(
            '--profile', metavar='<profile>', help='Of this profile.'
        )
        parser.add_argument('--rule', metavar='<rule>', help='Of this rule.')
        parser.add_argument(
            '--result',
            metavar='<result>',
            choices=client_audits.RESULTS,
            help=f'With this result ({", ".join(client_audits.RESULTS)}).',
        )
        parser.add_argument(
            '--severity', metavar='<severity>', help='info, warning, critical.'
        )
        parser.add_argument(
            '--since',
            metavar='<time>',
            help='Whose result changed since (ISO 8601, e.g. '
            '2026-11-30T12:00:00Z).',
        )
        common.add_list_options(
            parser, 'findings', client_audits.FINDING_SORT_KEYS
        )
        return parser

    def take_action(self, parsed_args):
        filters = {
            f: getattr(parsed_args, f)
            for f in client_audits.FINDING_FILTERS
            if getattr(parsed_args, f) is not None
        }
        items = self.app.client_manager.fleet.findings.list(
            **common.page_args(parsed_args), **filters
        )
        cols = FINDING_LONG_COLUMNS if parsed_args.long else FINDING_COLUMNS
        return common.listing(
            items, cols, formatters={'evidence': format_columns.DictColumn}
        )


class ShowFinding(command.ShowOne):
    """Show an audit finding and its history."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('finding', metavar='<uuid>', help='Finding UUID.')
        return parser

    def take_action(self, parsed_args):
        finding = self.app.client_manager.fleet.findings.get(
            parsed_args.finding
        )
        finding['history'] = format_columns.ListColumn(
            [
                f'{h["at"]} {h["old_result"]} -> {h["new_result"]}: '
                f'{h["message"]}'
                for h in finding.get('history') or []
            ]
        )
        fields = sorted(k for k in finding if k != 'links')
        fmt = {'evidence': format_columns.DictColumn}
        return fields, tuple(
            fmt[f](finding[f]) if f in fmt else finding[f] for f in fields
        )


class ShowHostFacts(command.ShowOne):
    """Show the facts last gathered of a host."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        return common.show_item(
            self.app.client_manager.fleet.host_facts.get(parsed_args.host)
        )


class GatherHostFacts(command.ShowOne):
    """Gather the facts of a host now, then audit it."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        result = self.app.client_manager.fleet.host_facts.gather(
            parsed_args.host
        )
        audit = result.pop('audit', None) or {}
        result['audit'] = audit.get('profiles', {})
        return common.show_item(result)
