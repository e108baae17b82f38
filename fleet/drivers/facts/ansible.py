"""Facts through Ansible (ansible-runner): ``setup`` (OS, kernel),
``package_facts`` and ``service_facts``, then, if ``[facts]
ansible_playbook`` names one, the operator's playbook for custom facts
(what it sets with ``set_fact`` under ``fleet_facts`` is merged in).

Ansible's facts are turned into fleet's shape (see
:class:`fleet.drivers.base.FactsDriver`) by :func:`normalize`; the raw
``ansible_facts`` are not kept (they are large and host-specific).
"""

import collections
import json
import os
import shutil
import tempfile

from oslo_config import cfg
from oslo_log import log

from fleet.common import exception
from fleet.drivers import base
from fleet.drivers.executor import ansible as ansible_executor
from fleet.drivers.facts import static

CONF = cfg.CONF
LOG = log.getLogger(__name__)

PLAYBOOK = os.path.join(os.path.dirname(__file__), 'gather.yml')
_FAILED_EVENTS = ('runner_on_failed', 'runner_on_unreachable')
#: Longest message of a failed task quoted in an error.
_REASON_LIMIT = 300


def _package_version(entries):
    """``[{version, release, epoch}]`` -> "[epoch:]version-release", a
    list when several are installed (kernels)."""
    out = []
    for entry in entries or []:
        text = str(entry.get('version', ''))
        if entry.get('release'):
            text += f'-{entry["release"]}'
        if entry.get('epoch') not in (None, '', 0, '0'):
            text = f'{entry["epoch"]}:{text}'
        out.append(text)
    if not out:
        return None
    return out[0] if len(out) == 1 else out


def normalize(ansible_facts):
    """fleet's facts from Ansible's ``ansible_facts``."""
    facts = {}
    if ansible_facts.get('kernel'):
        facts['kernel'] = ansible_facts['kernel']
    if ansible_facts.get('distribution'):
        facts['os'] = {
            'name': ansible_facts['distribution'],
            'version': ansible_facts.get('distribution_version'),
            'family': ansible_facts.get('os_family'),
        }
    if 'packages' in ansible_facts:
        facts['packages'] = {
            name: _package_version(entries)
            for name, entries in ansible_facts['packages'].items()
        }
    if 'services' in ansible_facts:
        services = {}
        for name, service in ansible_facts['services'].items():
            short = (
                name[: -len('.service')] if name.endswith('.service') else name
            )
            services[short] = {
                'state': service.get('state'),
                'enabled': service.get('status') == 'enabled'
                if service.get('status') in ('enabled', 'disabled')
                else None,
            }
        facts['services'] = services
    if isinstance(ansible_facts.get('fleet_facts'), dict):
        static.merge(facts, ansible_facts['fleet_facts'])
    return facts


class _Collector:
    """Gathers the ``ansible_facts`` of the events of one run, stopping it
    once they pass ``limit`` bytes (as JSON).

    A module's result names the facts it sets as Ansible sends them:
    ``setup`` with their ``ansible_`` prefix (``ansible_kernel``), the
    others without (``packages``, ``services``, ``fleet_facts``); the
    prefix is taken off, as Ansible does for ``ansible_facts``.
    """

    def __init__(self, limit):
        self.limit = limit
        self.size = 0
        self.facts = {}
        self.failures = []
        self.too_large = False
        # ansible-playbook's own messages (a playbook it cannot parse, a
        # missing collection): the last lines only.
        self.output = collections.deque(maxlen=40)

    def __call__(self, event):
        kind = event.get('event')
        if kind == 'verbose':
            line = (event.get('stdout') or '').strip()
            if line:
                self.output.append(line)
            return False
        data = event.get('event_data') or {}
        res = data.get('res') or {}
        if kind == 'runner_on_ok':
            got = res.get('ansible_facts') or {}
            if got:
                self.size += len(json.dumps(got, default=str))
                if self.size > self.limit:
                    self.too_large = True
                    return False
                for key, value in got.items():
                    if key.startswith('ansible_') and key not in (
                        'ansible_facts',
                    ):
                        key = key[len('ansible_') :]
                    self.facts[key] = value
        elif kind in _FAILED_EVENTS and not data.get('ignore_errors'):
            reason = res.get('msg') or res.get('stderr') or kind
            self.failures.append(
                f'{data.get("task")}'
                + (' (unreachable)' if kind == 'runner_on_unreachable' else '')
                + f': {str(reason).strip()[:_REASON_LIMIT]}'
            )
        # False: events are not written to the private data directory
        # (removed at the end anyway); a host's package list is large.
        return False

    def cancelled(self):
        return self.too_large

    def error_output(self):
        """What ansible-playbook said of an error no task reported: from
        its first ``ERROR`` line on, a few lines."""
        lines = list(self.output)
        for i, line in enumerate(lines):
            if 'ERROR' in line:
                lines = lines[i:]
                break
        else:
            lines = lines[-3:]
        return ' '.join(lines[:3])[:_REASON_LIMIT]


class AnsibleFacts(base.FactsDriver):
    def validate_config(self):
        ansible_executor._runner()
        ansible_executor.AnsibleExecutor._playbook_binary()
        if CONF.facts.ansible_playbook and not os.path.isfile(
            CONF.facts.ansible_playbook
        ):
            raise exception.ConfigInvalid(
                error=f'[facts] ansible_playbook '
                f'{CONF.facts.ansible_playbook} does not exist'
            )

    def _run(self, host, playbook, limit):
        """The facts one playbook sets on ``host``.

        :param limit: bytes of facts (as JSON) the run may return.
        :raises: FactsError (unreachable, a failed task, a timeout, too
            large an output).
        """
        runner = ansible_executor._runner()
        binary = ansible_executor.AnsibleExecutor._playbook_binary()
        collector = _Collector(limit)
        name = os.path.basename(playbook)

        def fail(reason):
            return exception.FactsError(
                host=host['name'], driver='ansible', reason=reason
            )

        private_dir = tempfile.mkdtemp(prefix='fleet-facts-')
        try:
            result = runner.run(
                private_data_dir=private_dir,
                playbook=playbook,
                project_dir=os.path.dirname(playbook),
                inventory=ansible_executor.AnsibleExecutor.inventory(host),
                limit=host['name'],
                timeout=CONF.facts.ansible_timeout,
                event_handler=collector,
                # Stops the run once its facts are too large; also keeps
                # ansible-runner from taking the service's signal
                # handlers.
                cancel_callback=collector.cancelled,
                quiet=True,
                suppress_env_files=True,
                envvars={
                    # The ansible-playbook installed with fleet first (a
                    # service in a venv does not have its bin on PATH).
                    'PATH': os.pathsep.join(
                        [os.path.dirname(binary), os.environ.get('PATH', '')]
                    ),
                    'ANSIBLE_NOCOLOR': '1',
                    'ANSIBLE_FORCE_COLOR': '0',
                },
            )
            status = result.status
            stdout = getattr(result, 'stdout', None)
            if stdout is not None and hasattr(stdout, 'close'):
                stdout.close()
        except Exception as e:
            # ansible-runner itself (no ansible-playbook, a bad inventory):
            # an error of this host's gathering, not of the conductor.
            raise fail(f'{name}: {e}') from e
        finally:
            shutil.rmtree(private_dir, ignore_errors=True)
        if collector.too_large:
            raise fail(
                f'{name} returned more than {limit} bytes of facts '
                f'([facts] max_bytes); stopped'
            )
        if status == 'timeout':
            raise fail(
                f'{name} did not finish in {CONF.facts.ansible_timeout} s '
                f'([facts] ansible_timeout)'
            )
        if status != 'successful' or collector.failures:
            detail = '; '.join(collector.failures) or collector.error_output()
            raise fail(f'{name} {status}' + (f': {detail}' if detail else ''))
        return collector.facts, collector.size

    def gather(self, host):
        limit = CONF.facts.max_bytes
        collected, size = self._run(host, PLAYBOOK, limit)
        if CONF.facts.ansible_playbook:
            custom, _size = self._run(
                host, CONF.facts.ansible_playbook, limit - size
            )
            collected.update(custom)
        return normalize(collected)
