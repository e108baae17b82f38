"""Facts printed by an operator's program: ``[facts] script_command``, an
argument list run once per host without a shell (``{host}`` in an
element becomes the host's name, always as exactly that one argument).
It prints one JSON object on stdout and exits 0; it may reach the host
any way it likes (SSH, a CMDB, an agent's API).

Example::

    [facts]
    script_command = /usr/local/bin/fleet-facts,--host,{host}
"""

import json
import subprocess

from oslo_config import cfg
from oslo_log import log

from fleet.common import exception
from fleet.drivers import base

CONF = cfg.CONF
LOG = log.getLogger(__name__)

#: Longest stderr quoted in an error.
_ERR_LIMIT = 500


class ScriptFacts(base.FactsDriver):
    def validate_config(self):
        if not CONF.facts.script_command:
            raise exception.ConfigInvalid(
                error='the "script" facts driver needs [facts] '
                'script_command (an argument list, e.g. '
                '/usr/local/bin/fleet-facts,--host,{host})'
            )
        if '{' in CONF.facts.script_command[0]:
            raise exception.ConfigInvalid(
                error='[facts] script_command: the program (first '
                'element) cannot hold a placeholder'
            )

    @staticmethod
    def argv(host):
        return [
            element.replace('{host}', host['name'])
            for element in CONF.facts.script_command
        ]

    def gather(self, host):
        argv = self.argv(host)

        def fail(reason):
            return exception.FactsError(
                host=host['name'], driver='script', reason=reason
            )

        try:
            proc = subprocess.run(  # noqa: S603 - an argv, no shell
                argv,
                capture_output=True,
                timeout=CONF.facts.script_timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as e:
            raise fail(
                f'{argv[0]} did not finish in {CONF.facts.script_timeout} s'
            ) from e
        except OSError as e:
            raise fail(f'cannot run {argv[0]}: {e.strerror}') from e
        if proc.returncode != 0:
            err = proc.stderr.decode('utf-8', 'replace').strip()
            raise fail(
                f'{argv[0]} exited with {proc.returncode}: '
                f'{err[-_ERR_LIMIT:] or "no error output"}'
            )
        if len(proc.stdout) > CONF.facts.max_bytes:
            raise fail(
                f'{argv[0]} printed {len(proc.stdout)} bytes, more than '
                f'[facts] max_bytes ({CONF.facts.max_bytes})'
            )
        try:
            facts = json.loads(proc.stdout.decode('utf-8', 'replace'))
        except ValueError as e:
            raise fail(f'{argv[0]} printed no JSON: {e}') from e
        if not isinstance(facts, dict):
            raise fail(
                f'{argv[0]} printed a JSON {type(facts).__name__}, not an '
                f'object'
            )
        return facts
