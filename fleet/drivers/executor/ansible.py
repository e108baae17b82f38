"""Executor that runs an Ansible playbook against one host, via
ansible-runner (the ``ansible`` extra:
``pip install 'openstack-fleet[ansible]'``).

Each run gets a private data directory of its own in a temporary
directory, with an inventory holding only that host: its fleet variables
become its hostvars (so ``ansible_host``, ``ansible_user``,
``ansible_connection``, ... come from fleet's inherited variables). The
run's ``extra_vars`` are passed with ``-e``.

Arguments of a run:

* ``playbook`` (required): an absolute path, or a path relative to
  ``[executor] playbook_dir``.
* ``extra_vars``: a mapping passed to ansible-playbook ``-e``.
* ``parameters``: a mapping of values from a run's request (a catalogued
  action's parameters), passed as extra variables from a file in which
  every string is tagged ``!unsafe``: Jinja in them is never evaluated.
  ``extra_vars`` (the operator's) win over a parameter of the same name.
* ``tags`` / ``skip_tags``: comma-separated tags.
* ``check``: run in check mode (``--check``).

Usage::

    executor = factory.get_executor('ansible')
    result = executor.run(
        {'name': 'cmp-042', 'variables': {'ansible_user': 'fleet'}},
        {'playbook': 'patch.yml', 'extra_vars': {'reboot': True}},
        timeout=3600,
    )
    for failure in result.details['failed_tasks']:
        print(failure['task'], failure['msg'])
"""

import json
import os
import shutil
import sys
import tempfile
import time
from typing import Any

from oslo_config import cfg
from oslo_log import log

from fleet.common import exception
from fleet.drivers import base
from fleet.drivers.executor import script

LOG = log.getLogger(__name__)
CONF = cfg.CONF

# Events of a task that failed on a host; "runner_on_failed" with
# ignore_errors set is not a failure of the run.
_FAILED_EVENTS = ('runner_on_failed', 'runner_on_unreachable')
# Longest stderr/stdout kept per failed task: the whole output is in
# ``output`` already; this is the pointer to what went wrong.
_TASK_OUTPUT_LIMIT = 2000
_STATS_KEYS = (
    'ok',
    'changed',
    'failures',
    'dark',
    'skipped',
    'rescued',
    'ignored',
)


def _runner():
    """ansible_runner, imported on use so that fleet runs without the
    extra when the ansible executor is not enabled."""
    try:
        import ansible_runner
    except ImportError as e:
        raise exception.ConfigInvalid(
            error='the ansible executor needs ansible-runner and '
            'ansible-core: pip install "openstack-fleet[ansible]"'
        ) from e
    return ansible_runner


def _clip(text: Any, limit: int = _TASK_OUTPUT_LIMIT) -> str | None:
    if text is None or text == '':
        return None
    text = str(text)
    return text if len(text) <= limit else text[-limit:]


def unsafe_yaml(value) -> str:
    """``value`` as YAML (flow style) with every string tagged
    ``!unsafe``, so that Ansible never templates it."""
    if isinstance(value, dict):
        items = ', '.join(
            f'{json.dumps(str(k))}: {unsafe_yaml(v)}' for k, v in value.items()
        )
        return '{' + items + '}'
    if isinstance(value, list | tuple):
        return '[' + ', '.join(unsafe_yaml(v) for v in value) + ']'
    if isinstance(value, str):
        return '!unsafe ' + json.dumps(value)
    return json.dumps(value)


def write_unsafe_vars(path: str, values: dict) -> None:
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(unsafe_yaml(values) + '\n')


class _Events:
    """Collects failed tasks and the final stats from runner events."""

    def __init__(self) -> None:
        self.failed_tasks: list[dict] = []
        self.stats: dict = {}

    def __call__(self, event: dict) -> bool:
        kind = event.get('event')
        data = event.get('event_data') or {}
        if kind in _FAILED_EVENTS and not data.get('ignore_errors'):
            res = data.get('res') or {}
            self.failed_tasks.append(
                {
                    'task': data.get('task'),
                    'host': data.get('host'),
                    'action': data.get('task_action'),
                    'unreachable': kind == 'runner_on_unreachable',
                    'msg': _clip(res.get('msg')),
                    'rc': res.get('rc'),
                    'stderr': _clip(res.get('stderr')),
                    'stdout': _clip(res.get('stdout')),
                }
            )
        elif kind == 'playbook_on_stats':
            self.stats = {
                key: data.get(key) or {} for key in _STATS_KEYS if key in data
            }
        # True: ansible-runner keeps the event in its artifacts too.
        return True


class AnsibleExecutor(base.ExecutorDriver):
    """:class:`~fleet.drivers.base.ExecutorDriver` running a playbook."""

    def validate_config(self) -> None:
        """Check that ansible-runner and ansible-playbook are installed.

        :raises: ConfigInvalid
        """
        _runner()
        self._playbook_binary()

    @staticmethod
    def _playbook_binary() -> str:
        configured = CONF.executor.ansible_playbook
        if configured:
            if not os.access(configured, os.X_OK):
                raise exception.ConfigInvalid(
                    error=f'[executor] ansible_playbook {configured} is '
                    'not an executable file'
                )
            return configured
        # The one installed with fleet's Python first: a service started
        # from a venv does not have the venv's bin on its PATH.
        beside = os.path.join(
            os.path.dirname(sys.executable), 'ansible-playbook'
        )
        if os.access(beside, os.X_OK):
            return beside
        found = shutil.which('ansible-playbook')
        if not found:
            raise exception.ConfigInvalid(
                error='ansible-playbook is not installed (pip install '
                '"openstack-fleet[ansible]") or set [executor] '
                'ansible_playbook'
            )
        return found

    def resolve_playbook(self, playbook: str) -> str:
        """The absolute path of a run's playbook.

        :raises: InvalidParameterValue if it is outside ``[executor]
            playbook_dir`` or does not exist.
        """
        if os.path.isabs(playbook):
            path = os.path.normpath(playbook)
        else:
            base_dir = CONF.executor.playbook_dir
            if not base_dir:
                raise exception.InvalidParameterValue(
                    err=f'ansible executor: playbook {playbook!r} is '
                    'relative and [executor] playbook_dir is not set'
                )
            base_dir = os.path.realpath(base_dir)
            path = os.path.realpath(os.path.join(base_dir, playbook))
            # A runbook is data: it must not reach out of the directory.
            if os.path.commonpath([base_dir, path]) != base_dir:
                raise exception.InvalidParameterValue(
                    err=f'ansible executor: playbook {playbook!r} is '
                    'outside [executor] playbook_dir'
                )
        if not os.path.isfile(path):
            raise exception.InvalidParameterValue(
                err=f'ansible executor: playbook {path} does not exist'
            )
        return path

    def validate_arguments(self, arguments: dict) -> None:
        """Check a run's arguments before it starts.

        :raises: InvalidParameterValue
        """
        playbook = arguments.get('playbook')
        if not playbook or not isinstance(playbook, str):
            raise exception.InvalidParameterValue(
                err='ansible executor: "playbook" (a path) is required'
            )
        self.resolve_playbook(playbook)
        for key in ('extra_vars', 'parameters'):
            value = arguments.get(key)
            if value is not None and not isinstance(value, dict):
                raise exception.InvalidParameterValue(
                    err=f'ansible executor: "{key}" is a mapping'
                )
        for key in ('tags', 'skip_tags'):
            value = arguments.get(key)
            if value is not None and not isinstance(value, str):
                raise exception.InvalidParameterValue(
                    err=f'ansible executor: "{key}" is a comma-separated '
                    'string'
                )

    @staticmethod
    def inventory(host: dict) -> dict:
        """A YAML-style inventory of just ``host``, its variables as
        hostvars."""
        hostvars = dict(host.get('variables') or {})
        return {'all': {'hosts': {host['name']: hostvars}}}

    def run(self, host: dict, arguments: dict, timeout: float):
        """Run the playbook against ``host``.

        :param host: the host (``name``, ``variables``, ...).
        :param arguments: see the module docstring.
        :param timeout: seconds before ansible-playbook is killed and the
            run reported failed.
        :returns: ExecutorResult; ``details`` has ``status`` (successful,
            failed, timeout, ...), ``rc``, ``failed_tasks`` (task, host,
            msg, rc, stderr of each failed task), ``stats``, ``duration``.
        :raises: InvalidParameterValue on bad arguments; ConfigInvalid if
            ansible is not installed.
        """
        self.validate_arguments(arguments)
        runner = _runner()
        playbook = self.resolve_playbook(arguments['playbook'])
        binary = self._playbook_binary()
        events = _Events()
        cmdline = []
        if arguments.get('check'):
            cmdline.append('--check')
        keep = CONF.executor.ansible_keep_artifacts
        private_dir = tempfile.mkdtemp(prefix='fleet-ansible-')
        started = time.monotonic()
        try:
            if arguments.get('parameters'):
                # ansible-runner passes env/extravars as "-e @file" before
                # the extravars below.
                write_unsafe_vars(
                    os.path.join(private_dir, 'env', 'extravars'),
                    arguments['parameters'],
                )
            result = runner.run(
                private_data_dir=private_dir,
                playbook=playbook,
                # The playbook's own directory, so that its relative
                # includes, roles and files resolve as with a manual run.
                project_dir=os.path.dirname(playbook),
                inventory=self.inventory(host),
                limit=host['name'],
                extravars=arguments.get('extra_vars') or {},
                tags=arguments.get('tags'),
                skip_tags=arguments.get('skip_tags'),
                cmdline=' '.join(cmdline) or None,
                timeout=max(1, int(timeout)),
                verbosity=CONF.executor.ansible_verbosity or None,
                envvars={
                    # ansible-runner runs "ansible-playbook" from PATH
                    # (its "binary" argument would turn off its event
                    # callback): put the chosen one first.
                    'PATH': os.pathsep.join(
                        [os.path.dirname(binary), os.environ.get('PATH', '')]
                    ),
                    'ANSIBLE_NOCOLOR': '1',
                    'ANSIBLE_FORCE_COLOR': '0',
                },
                event_handler=events,
                # Without a cancel callback ansible-runner installs its own
                # SIGTERM/SIGINT handlers (when called from the main
                # thread), taking them from the service.
                cancel_callback=lambda: False,
                quiet=True,
                # Passwords in extra_vars stay out of env/ on disk.
                suppress_env_files=True,
            )
            output = script.BoundedOutput(CONF.executor.output_limit)
            stdout = result.stdout
            try:
                while chunk := stdout.read(65536):
                    output.write(chunk.encode('utf-8', errors='replace'))
            finally:
                stdout.close()
            status, rc = result.status, result.rc
        finally:
            if not keep:
                shutil.rmtree(private_dir, ignore_errors=True)
        duration = round(time.monotonic() - started, 3)
        text = output.text()
        timed_out = status == 'timeout'
        if timed_out:
            text += f'\n[fleet: timed out after {timeout}s; killed]\n'
        details = {
            'playbook': playbook,
            'status': status,
            'rc': rc,
            'timed_out': timed_out,
            'duration': duration,
            'failed_tasks': events.failed_tasks,
            'stats': events.stats,
            'output_bytes': output.total,
            'output_truncated': output.truncated,
        }
        if keep:
            details['private_data_dir'] = private_dir
        ok = status == 'successful' and rc == 0
        if not ok:
            LOG.warning(
                'Playbook %(playbook)s on %(host)s ended %(status)s '
                '(rc %(rc)s); failed tasks: %(tasks)s',
                {
                    'playbook': playbook,
                    'host': host['name'],
                    'status': status,
                    'rc': rc,
                    'tasks': [t['task'] for t in events.failed_tasks],
                },
            )
        return base.ExecutorResult(ok=ok, output=text, details=details)
