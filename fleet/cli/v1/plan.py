"""``openstack fleet plan ...``: rolling maintenance under disruption
budgets (API 1.8 and later)."""

import argparse
import time

from osc_lib import exceptions
from osc_lib.cli import format_columns
from osc_lib.command import command

from fleet.cli import common
from fleet.client import plans as client_plans

LIST_COLUMNS = (
    ('uuid', 'UUID'),
    ('name', 'Name'),
    ('state', 'State'),
    ('state_reason', 'Reason'),
)
#: Plan states after which --wait stops.
FINAL = ('succeeded', 'failed', 'cancelled')


def show_plan(plan):
    fields = sorted(k for k in plan if k not in ('links', 'hosts'))
    values = []
    for key in fields:
        value = plan[key]
        if isinstance(value, dict):
            value = format_columns.DictColumn(value)
        values.append(value)
    if 'hosts' in plan:
        fields.append('hosts')
        values.append(
            '\n'.join(
                f'{h["host_name"]}: {h["state"]}'
                + (f' ({h["execution_uuid"]})' if h['execution_uuid'] else '')
                for h in plan['hosts']
            )
        )
    return tuple(fields), tuple(values)


def _duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f'{hours}h{minutes:02d}m'
    if minutes:
        return f'{minutes}m{secs:02d}s'
    return f'{secs}s'


def progress_line(plan):
    """One line of ``plan show --wait``: state, hosts done of all,
    what is left and the ETA (API 1.10), and why it does not go on."""
    progress = plan.get('progress') or {}
    total = progress.get('total', 0)
    done = sum(
        progress.get(k, 0)
        for k in ('succeeded', 'failed', 'cancelled', 'skipped')
    )
    line = f'{plan["state"]}: {done}/{total} hosts done'
    if progress.get('failed'):
        line += f', {progress["failed"]} failed'
    eta = plan.get('eta')
    if eta:
        line += (
            f'; {eta["running_hosts"]} running, '
            f'{eta["remaining_hosts"] - eta["running_hosts"]} queued in '
            f'{eta["remaining_waves"]} wave(s)'
        )
        if eta.get('eta_s') is None:
            line += '; ETA unknown (no migration measured yet)'
        else:
            line += f'; ETA {_duration(eta["eta_s"])}'
            if eta.get('eta_at'):
                line += f' (~{eta["eta_at"]})'
    if (
        plan['state'] != 'running'
        or plan.get('state_reason')
        and ('outside' in plan['state_reason'])
    ):
        line += f' [{plan.get("state_reason") or plan["state"]}]'
    return line


def _labels(items):
    labels = {}
    for item in items or []:
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise exceptions.CommandError(f'--label {item!r}: give key=value.')
        labels[key] = value
    return labels


def _window(text):
    """``[days ]HH:MM-HH:MM[ timezone]``, e.g. ``sat,sun 22:00-06:00
    Europe/Paris``."""
    parts = text.split()
    window = {}
    if parts and not parts[0][:1].isdigit():
        window['days'] = parts.pop(0).split(',')
    if not parts or '-' not in parts[0]:
        raise exceptions.CommandError(
            f'--window {text!r}: give "[days ]HH:MM-HH:MM[ timezone]", e.g. '
            f'"sat,sun 22:00-06:00 Europe/Paris".'
        )
    window['start'], _sep, window['end'] = parts.pop(0).partition('-')
    if parts:
        window['timezone'] = parts.pop(0)
    return window


def _limit(value):
    return int(value) if value.isdigit() else value


class CreatePlan(command.ShowOne):
    """Create a rolling maintenance plan (or show its dry run)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--name', metavar='<name>')
        sel = parser.add_argument_group('selector (at least one)')
        sel.add_argument(
            '--host',
            metavar='<host>',
            action='append',
            dest='hosts',
            help='A host by name (repeatable).',
        )
        sel.add_argument('--availability-zone', metavar='<az>')
        sel.add_argument('--aggregate', metavar='<aggregate>')
        sel.add_argument('--cell', metavar='<cell>')
        sel.add_argument('--rack', metavar='<rack>')
        sel.add_argument(
            '--label',
            metavar='<key=value>',
            action='append',
            help='Hosts with this label (repeatable).',
        )
        sel.add_argument(
            '--audit-profile',
            metavar='<profile>',
            help='With --audit-rule: the hosts failing that rule of this '
            'audit profile (API 1.10).',
        )
        sel.add_argument(
            '--audit-rule',
            metavar='<rule>',
            action='append',
            help='A rule of --audit-profile (repeatable: hosts failing '
            'any of them).',
        )
        parser.add_argument(
            '--kind',
            choices=('drain', 'drain_patch_reboot'),
            help='What each host gets (default: drain, or '
            'drain_patch_reboot with --action).',
        )
        parser.add_argument(
            '--action',
            metavar='<action>',
            help='A catalogued action (openstack fleet action list).',
        )
        parser.add_argument(
            '--action-parameter',
            metavar='<key=value>',
            action='append',
            help='A parameter of the action (repeatable).',
        )
        parser.add_argument(
            '--max-at-once',
            metavar='<n>',
            type=int,
            help='Hosts of this plan out at once (default [budget] '
            'default_plan_max_at_once).',
        )
        for domain in ('az', 'aggregate', 'cell', 'rack'):
            parser.add_argument(
                f'--max-out-per-{domain}',
                metavar='<n|n%>',
                help=f'Most hosts out of service per {domain} (all runs).',
            )
        parser.add_argument(
            '--no-anti-affinity',
            action='store_true',
            help='Let hosts holding members of one anti-affinity server '
            'group be out at once.',
        )
        headroom = parser.add_mutually_exclusive_group()
        headroom.add_argument(
            '--capacity-headroom',
            dest='capacity_headroom',
            action='store_const',
            const=True,
            help='Start a host only if its instances fit on the hosts of '
            'its zone that stay in service (API 1.10; default [budget] '
            'capacity_headroom).',
        )
        headroom.add_argument(
            '--no-capacity-headroom',
            dest='capacity_headroom',
            action='store_const',
            const=False,
            help='Do not judge capacity headroom at admission (the '
            "drain's own capacity check still runs).",
        )
        parser.add_argument(
            '--block-on-alert',
            metavar='<alert name>',
            action='append',
            help='Pause while an alert of this name fires (repeatable).',
        )
        parser.add_argument(
            '--block-on-severity',
            metavar='<severity>',
            action='append',
            help='Pause while an alert of this severity fires (repeatable).',
        )
        parser.add_argument(
            '--max-failed-hosts',
            metavar='<n>',
            type=int,
            default=1,
            help='Stop after this many failed hosts (default 1).',
        )
        parser.add_argument(
            '--window',
            metavar='<[days ]HH:MM-HH:MM[ tz]>',
            action='append',
            help='Start hosts only inside this window (repeatable), e.g. '
            '"sat,sun 22:00-06:00 Europe/Paris"; running hosts finish.',
        )
        parser.add_argument(
            '--dry-run',
            action='store_true',
            help='Show the order and waves; record nothing.',
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        a = parsed_args
        selector = {
            k: v
            for k, v in (
                ('hosts', a.hosts),
                ('availability_zone', a.availability_zone),
                ('aggregate', a.aggregate),
                ('cell', a.cell),
                ('rack', a.rack),
                ('labels', _labels(a.label)),
            )
            if v
        }
        if bool(a.audit_profile) != bool(a.audit_rule):
            raise exceptions.CommandError(
                '--audit-profile and --audit-rule go together.'
            )
        if a.audit_profile:
            selector['audit'] = {
                'profile': a.audit_profile,
                'rule': a.audit_rule[0]
                if len(a.audit_rule) == 1
                else a.audit_rule,
            }
        if not selector:
            raise exceptions.CommandError(
                'Select hosts: --host, --availability-zone, --aggregate, '
                '--cell, --rack, --label or --audit-profile/--audit-rule.'
            )
        action = {}
        if a.kind:
            action['kind'] = a.kind
        if a.action:
            action['action'] = a.action
        if a.action_parameter:
            action['action_parameters'] = _labels(a.action_parameter)
        budget = {}
        if a.max_at_once is not None:
            budget['max_at_once'] = a.max_at_once
        for domain in ('az', 'aggregate', 'cell', 'rack'):
            value = getattr(a, f'max_out_per_{domain}')
            if value is not None:
                budget[f'max_out_per_{domain}'] = _limit(value)
        if a.no_anti_affinity:
            budget['anti_affinity'] = False
        if a.capacity_headroom is not None:
            budget['capacity_headroom'] = a.capacity_headroom
        body = {'selector': selector, 'action': action, 'budget': budget}
        blocking = {}
        if a.block_on_alert:
            blocking['names'] = a.block_on_alert
        if a.block_on_severity:
            blocking['severities'] = a.block_on_severity
        if blocking:
            body['blocking_alerts'] = blocking
        body['max_failed_hosts'] = a.max_failed_hosts
        if a.window:
            body['windows'] = [_window(w) for w in a.window]
        if a.name:
            body['name'] = a.name
        if a.dry_run:
            body['dry_run'] = True
            result = client.plans.create(body)
            waves = '\n'.join(
                f'{i + 1}: {", ".join(w)}'
                for i, w in enumerate(result['waves'])
            )
            eta = result.get('eta_s')
            return (
                ('hosts', 'waves', 'budget', 'eta'),
                (
                    ', '.join(result['hosts']),
                    waves,
                    format_columns.DictColumn(result['budget']),
                    f'{eta:.0f} s'
                    if eta is not None
                    else 'unknown (no migration measured yet)',
                ),
            )
        return show_plan(client.plans.create(body))


class ListPlan(command.Lister):
    """List plans."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--state', metavar='<state>')
        parser.add_argument('--name', metavar='<name>')
        common.add_list_options(parser, 'plans', client_plans.SORT_KEYS)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        filters = {
            k: getattr(parsed_args, k)
            for k in ('state', 'name')
            if getattr(parsed_args, k) is not None
        }
        items = client.plans.list(**common.page_args(parsed_args), **filters)
        return common.listing(items, LIST_COLUMNS)


class ShowPlan(command.ShowOne):
    """Show a plan, its hosts and progress (--wait: until it ends)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan>', help='UUID.')
        parser.add_argument(
            '--wait',
            action='store_true',
            help='Print progress until the plan ends.',
        )
        parser.add_argument(
            '--interval', type=float, default=5.0, help=argparse.SUPPRESS
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        plan = client.plans.get(parsed_args.plan)
        last = None
        while parsed_args.wait and plan['state'] not in FINAL:
            line = progress_line(plan)
            if line != last:
                self.app.stderr.write(line + '\n')
                last = line
            time.sleep(parsed_args.interval)
            plan = client.plans.get(parsed_args.plan)
        return show_plan(plan)


class _Steer(command.ShowOne):
    verb = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan>', help='UUID.')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return show_plan(getattr(client.plans, self.verb)(parsed_args.plan))


class PausePlan(_Steer):
    """Pause a plan: nothing new starts; running hosts finish."""

    verb = 'pause'


class ResumePlan(_Steer):
    """Resume a paused plan where it stopped."""

    verb = 'resume'


class CancelPlan(_Steer):
    """Cancel a plan: its waiting runs are cancelled; running hosts
    finish."""

    verb = 'cancel'
