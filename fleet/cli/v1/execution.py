"""``openstack fleet maintenance start`` and ``openstack fleet execution
...``: maintenance runs (API 1.1 and later)."""

import sys
import time

from cliff import columns
from osc_lib import exceptions
from osc_lib.cli import format_columns
from osc_lib.command import command

from fleet.cli import common
from fleet.client import executions as client_executions

FAILED_STATES = ('failed', 'cancelled', 'rejected')
STATES = (
    'awaiting approval',
    'pending',
    'running',
    'cancelling',
    'succeeded',
    'failed',
    'cancelled',
    'rejected',
)
THEN = ('abort', 'skip', 'cold_migrate')

LIST_COLUMNS = (
    ('uuid', 'UUID'),
    ('kind', 'Kind'),
    ('state', 'State'),
    ('host_uuid', 'Host UUID'),
    ('current_step', 'Current Step'),
    ('progress', 'Progress'),
    ('created_at', 'Created At'),
)
LONG_COLUMNS = LIST_COLUMNS + (
    ('result', 'Result'),
    ('conductor', 'Conductor'),
    ('started_at', 'Started At'),
    ('finished_at', 'Finished At'),
)


def summary(progress):
    """``'3/10 instances moved'`` from a run's progress."""
    counts = (progress or {}).get('instances_summary') or {}
    text = f'{counts.get("moved", 0)}/{counts.get("total", 0)} instances moved'
    others = {
        state: n
        for state, n in sorted((counts.get('by_state') or {}).items())
        if state not in ('migrated', 'already_moved')
    }
    if others:
        text += ' (' + ', '.join(f'{s}: {n}' for s, n in others.items()) + ')'
    return text


class ProgressColumn(columns.FormattableColumn):
    """The progress summary in tables, the whole progress in JSON/YAML."""

    def human_readable(self):
        return summary(self._value)

    def machine_readable(self):
        return self._value


class InstancesColumn(columns.FormattableColumn):
    """One line per instance: name, state, where it went, why it failed."""

    def human_readable(self):
        lines = []
        for uuid, inst in sorted(
            (self._value or {}).items(),
            key=lambda kv: (kv[1].get('name') or '', kv[0]),
        ):
            line = (
                f'{inst.get("name") or uuid}: {inst.get("state", "pending")}'
            )
            if inst.get('destination'):
                line += f' -> {inst["destination"]}'
            if inst.get('error'):
                line += f' ({" ".join(str(inst["error"]).split())})'
            lines.append(line)
        return '\n'.join(lines)

    def machine_readable(self):
        return self._value or {}


class EventsColumn(columns.FormattableColumn):
    """A run's history, one line per event."""

    def human_readable(self):
        return '\n'.join(event_line(e) for e in self._value or [])

    def machine_readable(self):
        return self._value or []


def event_line(event, with_time=True):
    step = f' [{event["step"]}]' if event.get('step') else ''
    when = f'{event.get("created_at") or ""} ' if with_time else ''
    message = ' '.join(str(event.get('message', '')).split())
    return f'{when}{event.get("level", "info")}{step} {message}'.strip()


def show_execution(run):
    """(columns, values) of a ShowOne for a run."""
    run = dict(run)
    progress = run.get('progress') or {}
    run['instances'] = progress.get('instances') or {}
    fields = sorted(k for k in run if k != 'links')
    special = {
        'progress': ProgressColumn,
        'instances': InstancesColumn,
        'events': EventsColumn,
        'parameters': format_columns.DictColumn,
        'requested_by': format_columns.DictColumn,
    }
    return tuple(fields), tuple(
        special[k](run[k]) if k in special else run[k] for k in fields
    )


def progress_line(run):
    """One line of live progress of a run."""
    line = f'{run["state"]}'
    if run.get('current_step'):
        line += f': {run["current_step"]}'
    return line + f', {summary(run.get("progress"))}'


def _sleep(seconds):
    # A seam for tests: patching time.sleep would patch every caller.
    time.sleep(seconds)


def wait_for(client, uuid, stream, timeout=None, interval=2.0):
    """Follow a run until it ends, writing progress and events to stream.

    :returns: the run in its final state.
    :raises: CommandError after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout if timeout else None
    last = None
    seen_events = 0
    while True:
        run = client.executions.get(uuid)
        events = run.get('events') or []
        for event in events[seen_events:]:
            stream.write(f'  {event_line(event, with_time=False)}\n')
        seen_events = len(events)
        line = progress_line(run)
        if line != last:
            stream.write(f'{time.strftime("%H:%M:%S")} {line}\n')
            last = line
        stream.flush()
        if run['state'] in client_executions.FINAL_STATES:
            return run
        if deadline is not None and time.monotonic() >= deadline:
            raise exceptions.CommandError(
                f'Gave up waiting after {timeout} s: execution {uuid} is '
                f'{run["state"]} and goes on; follow it with "openstack '
                f'fleet execution show {uuid}".'
            )
        _sleep(interval)


def _add_wait_options(parser):
    parser.add_argument(
        '--wait',
        action='store_true',
        help='Wait for the run to end, showing its progress on stderr; '
        'exit non-zero if it does not succeed.',
    )
    parser.add_argument(
        '--timeout',
        metavar='<seconds>',
        type=float,
        help='With --wait: give up waiting after this long (the run goes on).',
    )
    parser.add_argument(
        '--poll-interval',
        metavar='<seconds>',
        type=float,
        default=2.0,
        help='With --wait: seconds between progress checks (default: 2).',
    )


def _finish(app, client, run, parsed_args, what):
    if not parsed_args.wait:
        return run
    run = wait_for(
        client,
        run['uuid'],
        app.stderr or sys.stderr,
        timeout=parsed_args.timeout,
        interval=parsed_args.poll_interval,
    )
    if run['state'] in FAILED_STATES:
        reason = run.get('result') or 'no reason given'
        raise exceptions.CommandError(
            f'{what} {run["state"]}: {" ".join(reason.split())} '
            f'(execution {run["uuid"]}).'
        )
    return run


class StartMaintenance(command.ShowOne):
    """Start a maintenance run on a compute host: drain it (live-migrate
    its instances away), optionally patch and reboot it, and bring it back.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        parser.add_argument(
            '--kind',
            metavar='<kind>',
            choices=client_executions.KINDS,
            help='What to do: "drain" (default) or "drain_patch_reboot".',
        )
        parser.add_argument(
            '--executor',
            metavar='<executor>',
            help='Executor of the patch step (script, ansible, ...); '
            'default: the server\'s [drivers] default_executor.',
        )
        parser.add_argument(
            '--action',
            metavar='<action>',
            help='Catalogued executor action of the patch step (implies '
            '--kind drain_patch_reboot); "openstack fleet action list" '
            'shows them.',
        )
        parser.add_argument(
            '--action-parameter',
            metavar='<key=value>',
            type=common.key_value,
            action='append',
            default=[],
            help='A parameter of the action (repeat for several); values '
            'that parse as JSON are sent as such.',
        )
        parser.add_argument(
            '--executor-timeout',
            metavar='<seconds>',
            type=int,
            help='Seconds the executor step may take.',
        )
        parser.add_argument(
            '--max-parallel',
            metavar='<n>',
            type=int,
            help='Instances migrated at once.',
        )
        parser.add_argument(
            '--retries',
            metavar='<n>',
            type=int,
            help='Live-migration attempts per instance before --on-failure.',
        )
        parser.add_argument(
            '--on-failure',
            metavar='<action>',
            choices=THEN,
            help='When an instance cannot be moved: abort (default), skip '
            'it, or cold_migrate it.',
        )
        parser.add_argument(
            '--state-policy',
            metavar='<state=policy>',
            type=common.key_value,
            action='append',
            default=[],
            help='What to do with instances Nova cannot migrate (repeat '
            'for several): suspended, rescued or error = skip, leave or '
            'abort; shelved = offload, skip, leave or abort. Default: the '
            'server\'s [maintenance] <state>_policy.',
        )
        parser.add_argument(
            '--target-host',
            metavar='<host>',
            help='Compute host to move the instances to (default: the '
            'scheduler chooses).',
        )
        parser.add_argument(
            '--no-reenable',
            action='store_true',
            help='Leave the compute service disabled at the end.',
        )
        parser.add_argument(
            '--expected-fact',
            metavar='<key=value>',
            type=common.key_value,
            action='append',
            default=[],
            help='A fact the host must report after the run (repeat for '
            'several), e.g. kernel=6.8.0-45.',
        )
        _add_wait_options(parser)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        fields = {
            'executor': parsed_args.executor,
            'executor_timeout': parsed_args.executor_timeout,
            'max_parallel': parsed_args.max_parallel,
            'target_host': parsed_args.target_host,
        }
        if parsed_args.action:
            fields['action'] = parsed_args.action
        if parsed_args.action_parameter:
            if not parsed_args.action:
                raise exceptions.CommandError(
                    '--action-parameter needs --action.'
                )
            fields['action_parameters'] = {
                k: common.json_value(v)
                for k, v in parsed_args.action_parameter
            }
        if parsed_args.expected_fact:
            fields['expected_facts'] = {
                k: common.json_value(v) for k, v in parsed_args.expected_fact
            }
        policy = {}
        if parsed_args.retries is not None:
            policy['retries'] = parsed_args.retries
        if parsed_args.on_failure:
            policy['then'] = parsed_args.on_failure
        if policy:
            fields['on_instance_failure'] = policy
        if parsed_args.state_policy:
            fields['state_policies'] = dict(parsed_args.state_policy)
        if parsed_args.no_reenable:
            fields['reenable'] = False
        run = client.executions.create(
            parsed_args.host, kind=parsed_args.kind, **fields
        )
        run = _finish(
            self.app,
            client,
            run,
            parsed_args,
            f'Maintenance of {parsed_args.host}',
        )
        return show_execution(run)


class ListExecution(command.Lister):
    """List maintenance runs."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--host', metavar='<host>', help='Only runs of this host.'
        )
        parser.add_argument(
            '--kind',
            metavar='<kind>',
            choices=client_executions.KINDS,
            help='Only runs of this kind.',
        )
        parser.add_argument(
            '--state',
            metavar='<state>',
            choices=STATES,
            help=f'Only runs in this state ({", ".join(STATES)}).',
        )
        common.add_list_options(
            parser, 'executions', client_executions.SORT_KEYS
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        filters = {
            f: getattr(parsed_args, f)
            for f in ('host', 'kind', 'state')
            if getattr(parsed_args, f) is not None
        }
        runs = client.executions.list(
            **common.page_args(parsed_args),
            **filters,
        )
        cols = LONG_COLUMNS if parsed_args.long else LIST_COLUMNS
        return common.listing(
            runs, cols, formatters={'progress': ProgressColumn}
        )


class ShowExecution(command.ShowOne):
    """Show a run: its state, per-instance progress and history."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('execution', metavar='<uuid>', help='Run UUID.')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return show_execution(client.executions.get(parsed_args.execution))


class CancelExecution(command.ShowOne):
    """Cancel a run: nothing new starts, migrations in flight finish, and
    the run reverts what it did."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('execution', metavar='<uuid>', help='Run UUID.')
        _add_wait_options(parser)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        run = client.executions.cancel(parsed_args.execution)
        if run is None:
            run = client.executions.get(parsed_args.execution)
        if parsed_args.wait:
            run = wait_for(
                client,
                run['uuid'],
                self.app.stderr or sys.stderr,
                timeout=parsed_args.timeout,
                interval=parsed_args.poll_interval,
            )
        return show_execution(run)


class ApproveExecution(command.ShowOne):
    """Approve a run awaiting approval: it starts (API 1.3)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('execution', metavar='<uuid>', help='Run UUID.')
        _add_wait_options(parser)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        run = client.executions.approve(parsed_args.execution)
        run = _finish(
            self.app,
            client,
            run,
            parsed_args,
            f'Execution {parsed_args.execution}',
        )
        return show_execution(run)


class RejectExecution(command.ShowOne):
    """Reject a run awaiting approval: it ends "rejected" (API 1.3)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('execution', metavar='<uuid>', help='Run UUID.')
        parser.add_argument(
            '--reason', metavar='<reason>', help='Why (kept in its result).'
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.fleet
        return show_execution(
            client.executions.reject(
                parsed_args.execution, reason=parsed_args.reason
            )
        )
