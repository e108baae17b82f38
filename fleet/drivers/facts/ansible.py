"""Facts through Ansible (ansible-runner): ``setup`` (OS, kernel),
``package_facts`` and ``service_facts``, then, if ``[facts]
ansible_playbook`` names one, the operator's playbook for custom facts
(what it sets with ``set_fact`` under ``fleet_facts`` is merged in).

Ansible's facts are turned into fleet's shape (see
:class:`fleet.drivers.base.FactsDriver`) by :func:`normalize`; the raw
``ansible_facts`` are not kept (they are large and host-specific).
"""

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


class AnsibleFacts(base.FactsDriver):
    def validate_config(self):
        ansible_executor._runner()
        if CONF.facts.ansible_playbook and not os.path.isfile(
            CONF.facts.ansible_playbook
        ):
            raise exception.ConfigInvalid(
                error=f'[facts] ansible_playbook '
                f'{CONF.facts.ansible_playbook} does not exist'
            )

    def _run(self, host, playbook):
        runner = ansible_executor._runner()
        collected = {}
        failures = []

        def on_event(event):
            data = event.get('event_data') or {}
            res = data.get('res') or {}
            if event.get('event') == 'runner_on_ok':
                collected.update(res.get('ansible_facts') or {})
            elif event.get('event') in (
                'runner_on_failed',
                'runner_on_unreachable',
            ):
                failures.append(
                    f'{data.get("task")}: {str(res.get("msg"))[:300]}'
                )
            return True

        private_dir = tempfile.mkdtemp(prefix='fleet-facts-')
        try:
            result = runner.run(
                private_data_dir=private_dir,
                playbook=playbook,
                inventory=ansible_executor.AnsibleExecutor.inventory(host),
                limit=host['name'],
                timeout=CONF.facts.ansible_timeout,
                event_handler=on_event,
                cancel_callback=lambda: False,
                quiet=True,
                suppress_env_files=True,
                envvars={'ANSIBLE_NOCOLOR': '1'},
            )
            status = result.status
        finally:
            shutil.rmtree(private_dir, ignore_errors=True)
        if status != 'successful':
            raise exception.FactsError(
                host=host['name'],
                driver='ansible',
                reason=f'{os.path.basename(playbook)} {status}'
                + (f': {"; ".join(failures)}' if failures else ''),
            )
        return collected

    def gather(self, host):
        collected = self._run(host, PLAYBOOK)
        if CONF.facts.ansible_playbook:
            collected.update(self._run(host, CONF.facts.ansible_playbook))
        return normalize(collected)
