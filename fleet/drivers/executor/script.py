"""Executor that runs a command for a host: locally, or on it through SSH.

The command is a template filled in per host: ``{name}``, any field of the
host dict, ``{variables[key]}`` and, for short, any host variable by its
own name (``{ansible_host}``). It is split into an argument list *before*
it is filled in, so a value holding spaces or shell characters stays one
argument and is never parsed by a shell. A shell is used only when the run
asks for it (``"shell": true``) and the deployment allows it (``[executor]
script_allow_shell``).

Arguments of a run:

* ``argv``: the final argument list of a catalogued action
  (:func:`fleet.common.actions.driver_arguments` filled it in); run as
  is, never templated again. Either it or ``command``.
* ``command``: a string (split like a shell would) or a list of
  strings, each templated.
* ``ssh`` (default false): prefix the command with ``[executor]
  ssh_command`` (itself templated); the command is quoted for the remote
  shell.
* ``shell`` (default false): run the templated string with ``/bin/sh -c``.
* ``env``: extra environment variables (templated values).
* ``cwd``: working directory.

Usage::

    executor = factory.get_executor('script')
    result = executor.run(
        {'name': 'cmp-042', 'variables': {}},
        {'command': 'sudo dnf -y update', 'ssh': True},
        timeout=1800,
    )
    result.ok, result.details['exit_code']

The command runs in a process group of its own: on timeout the whole
group gets SIGTERM, then SIGKILL after ``[executor] kill_grace_seconds``,
so a shell's children do not outlive it.
"""

import collections
import os
import shlex
import signal
import string
import subprocess
import threading
import time
from typing import Any

from oslo_config import cfg
from oslo_log import log
from oslo_utils import strutils

from fleet.common import exception
from fleet.drivers import base

LOG = log.getLogger(__name__)
CONF = cfg.CONF

_READ_SIZE = 65536


class BoundedOutput:
    """Keeps the first and last ``limit / 2`` bytes of a stream.

    A command's output is read whole (a pipe left unread would block it),
    but only the head (what it set out to do) and the tail (how it ended)
    are kept for the run's history.

    :param limit: most bytes kept.
    """

    def __init__(self, limit: int) -> None:
        self.head_limit = limit // 2
        self.tail_limit = limit - self.head_limit
        self.head = bytearray()
        self.tail: collections.deque[bytes] = collections.deque()
        self.tail_size = 0
        self.total = 0

    def write(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if not data:
            return
        self.tail.append(data)
        self.tail_size += len(data)
        while self.tail_size - len(self.tail[0]) >= self.tail_limit:
            self.tail_size -= len(self.tail.popleft())

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + self.tail_limit

    def text(self) -> str:
        """The kept output, decoded, with a marker where bytes were cut."""
        tail = b''.join(self.tail)
        if self.truncated:
            cut = self.total - len(self.head) - self.tail_limit
            tail = tail[-self.tail_limit :]
            marker = f'\n[... {cut} bytes of output cut ...]\n'.encode()
            data = bytes(self.head) + marker + tail
        else:
            data = bytes(self.head) + tail
        return data.decode('utf-8', errors='replace')


class _Template(dict):
    """Template context; names a missing field in the error."""

    def __missing__(self, key: str) -> Any:
        raise exception.InvalidParameterValue(
            err=f'command template names {{{key}}}, which the host has '
            'neither as a field nor as a variable'
        )


def template_context(host: dict) -> dict:
    """What a command template may name for ``host``.

    Host variables come first so that host fields (``name``, ...) win
    over a variable of the same name.
    """
    variables = host.get('variables') or {}
    return _Template({**variables, **host, 'variables': variables})


def render(template: str, context: dict) -> str:
    """Fill one template string in.

    :param context: from :func:`template_context`.
    :raises: InvalidParameterValue on a malformed template or an unknown
        field.
    """
    try:
        return string.Formatter().vformat(template, (), context)
    except exception.InvalidParameterValue:
        raise
    except (ValueError, IndexError, KeyError, AttributeError) as e:
        raise exception.InvalidParameterValue(
            err=f'command template {template!r}: {e}'
        ) from e


def _split(command: str | list) -> list[str]:
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError as e:
            raise exception.InvalidParameterValue(
                err=f'command {command!r} cannot be split: {e}'
            ) from e
    return [str(part) for part in command]


class ScriptExecutor(base.ExecutorDriver):
    """:class:`~fleet.drivers.base.ExecutorDriver` running a command."""

    def validate_arguments(self, arguments: dict) -> None:
        """Check a run's arguments before it starts.

        :raises: InvalidParameterValue
        """
        argv = arguments.get('argv')
        if argv is not None:
            if (
                not isinstance(argv, list)
                or not argv
                or not all(isinstance(a, str) for a in argv)
            ):
                raise exception.InvalidParameterValue(
                    err='script executor: "argv" is a non-empty list of '
                    'strings'
                )
            if arguments.get('shell') or 'command' in arguments:
                raise exception.InvalidParameterValue(
                    err='script executor: "argv" goes without "command" '
                    'and "shell"'
                )
            return
        command = arguments.get('command')
        if not command or not isinstance(command, str | list):
            raise exception.InvalidParameterValue(
                err='script executor: "command" (a string or a list of '
                'strings) is required'
            )
        if arguments.get('shell'):
            if not CONF.executor.script_allow_shell:
                raise exception.InvalidParameterValue(
                    err='script executor: "shell" runs are disabled '
                    '([executor] script_allow_shell)'
                )
            if not isinstance(command, str):
                raise exception.InvalidParameterValue(
                    err='script executor: a "shell" command is a string'
                )
        env = arguments.get('env') or {}
        if not isinstance(env, dict):
            raise exception.InvalidParameterValue(
                err='script executor: "env" is a mapping'
            )
        parts = [command] if isinstance(command, str) else command
        for part in [*parts, *env.values()]:
            # Malformed templates fail now; unknown fields only show with
            # a host, when the run starts.
            try:
                list(string.Formatter().parse(str(part)))
            except ValueError as e:
                raise exception.InvalidParameterValue(
                    err=f'script executor: template {part!r}: {e}'
                ) from e
        _split(command)

    def build_command(self, host: dict, arguments: dict) -> list[str] | str:
        """The argv (or shell string) to run for ``host``.

        :raises: InvalidParameterValue
        """
        self.validate_arguments(arguments)
        if 'argv' in arguments:
            argv = list(arguments['argv'])
            if arguments.get('ssh'):
                return [
                    *self._ssh_prefix(template_context(host)),
                    shlex.join(argv),
                ]
            return argv
        command = arguments['command']
        context = template_context(host)
        if arguments.get('shell'):
            # The operator asked for a shell: values are quoted so that a
            # host variable cannot inject shell syntax.
            quoted = _Template(
                {
                    k: shlex.quote(v) if isinstance(v, str) else v
                    for k, v in context.items()
                }
            )
            script = render(command, quoted)
            if arguments.get('ssh'):
                return shlex.join([*self._ssh_prefix(context), script])
            return script
        argv = [render(part, context) for part in _split(command)]
        if arguments.get('ssh'):
            # ssh joins its arguments with spaces for the remote shell;
            # quoting keeps each one a single argument there.
            return [*self._ssh_prefix(context), shlex.join(argv)]
        return argv

    def _ssh_prefix(self, context: dict) -> list[str]:
        return [
            render(part, context) for part in _split(CONF.executor.ssh_command)
        ]

    def run(self, host: dict, arguments: dict, timeout: float):
        """Run the command for ``host``.

        :param host: the host (``name``, ``variables``, ...).
        :param arguments: see the module docstring.
        :param timeout: seconds before the command's process group is
            killed and the run reported failed.
        :returns: ExecutorResult; ``details`` has ``exit_code`` (negative:
            killed by that signal), ``timed_out``, ``duration``,
            ``command``, ``output_bytes`` and ``output_truncated``.
        :raises: InvalidParameterValue on bad arguments.
        """
        command = self.build_command(host, arguments)
        shell = bool(arguments.get('shell'))
        env = None
        if arguments.get('env'):
            context = template_context(host)
            env = dict(os.environ)
            env.update(
                {
                    str(k): render(str(v), context)
                    for k, v in arguments['env'].items()
                }
            )
        output = BoundedOutput(CONF.executor.output_limit)
        # Passwords given as arguments stay out of logs and run history.
        shown = strutils.mask_password(
            command if shell else shlex.join(command)
        )
        LOG.info('Running for host %s: %s', host.get('name'), shown)
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                command,
                shell=shell,  # noqa: S602 - only when asked and allowed
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=arguments.get('cwd'),
                # A group of its own, so a timeout kills its children too.
                start_new_session=True,
            )
        except OSError as e:
            return base.ExecutorResult(
                ok=False,
                output=f'cannot run {shown}: {e}',
                details={
                    'command': shown,
                    'exit_code': None,
                    'timed_out': False,
                    'duration': 0.0,
                    'error': str(e),
                },
            )
        reader = threading.Thread(
            target=self._read, args=(proc, output), daemon=True
        )
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            self._kill_group(proc)
        # A grandchild that left the group may keep the pipe open: do not
        # wait for it past a short grace.
        reader.join(timeout=5)
        if reader.is_alive():
            proc.stdout.close()
        duration = round(time.monotonic() - started, 3)
        exit_code = proc.returncode
        text = output.text()
        if timed_out:
            text += f'\n[fleet: timed out after {timeout}s; killed]\n'
        details = {
            'command': shown,
            'exit_code': exit_code,
            'timed_out': timed_out,
            'duration': duration,
            'output_bytes': output.total,
            'output_truncated': output.truncated,
        }
        if exit_code is not None and exit_code < 0:
            details['signal'] = signal.Signals(-exit_code).name
        return base.ExecutorResult(
            ok=not timed_out and exit_code == 0, output=text, details=details
        )

    @staticmethod
    def _read(proc: subprocess.Popen, output: BoundedOutput) -> None:
        try:
            while chunk := proc.stdout.read1(_READ_SIZE):
                output.write(chunk)
        except (OSError, ValueError):
            # The pipe was closed under us after a timeout.
            pass

    @staticmethod
    def _kill_group(proc: subprocess.Popen) -> None:
        """SIGTERM the command's process group, SIGKILL it if it lingers."""
        grace = CONF.executor.kill_grace_seconds
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # The leader may be gone while children of its group live on.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
