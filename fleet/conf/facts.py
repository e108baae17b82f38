"""Options of group ``[facts]``: gathering what hosts are, for audits.

Example ``fleet.conf``::

    [drivers]
    facts = static,ansible

    [facts]
    interval = 3600
    static_file = /etc/fleet/facts.yaml
"""

from oslo_config import cfg

group = cfg.OptGroup(
    'facts',
    title='Host facts',
    help='Gathering the facts of hosts (OS, kernel, packages, services, '
    'config values, file hashes) through the drivers of [drivers] facts.',
)

opts = [
    cfg.IntOpt(
        'interval',
        default=3600,
        min=0,
        help='Seconds between two gatherings of every managed host\'s '
        'facts by the conductor; 0 gathers only on demand (POST '
        '/v1/hosts/{id}/facts, an audit run with "gather") and after the '
        'executor step of a run.',
    ),
    cfg.IntOpt(
        'max_parallel',
        default=8,
        min=1,
        max=256,
        help='Hosts whose facts are gathered at once.',
    ),
    cfg.StrOpt(
        'static_file',
        default='/etc/fleet/facts.yaml',
        help='YAML file of the "static" facts driver: a mapping of host '
        'names to their facts; the key "_defaults" holds facts every host '
        'has unless its own entry says otherwise. Re-read when it changes.',
    ),
    cfg.ListOpt(
        'script_command',
        help='Argument list of the "script" facts driver, run once per '
        'host without a shell; "{host}" in an element is replaced by the '
        'host\'s name. It must print one JSON object (the facts) on '
        'stdout and exit 0. Example: /usr/local/bin/host-facts,--host,'
        '{host}',
    ),
    cfg.IntOpt(
        'script_timeout',
        default=120,
        min=1,
        help='Seconds after which the facts script of a host is killed '
        'and its gathering fails.',
    ),
    cfg.IntOpt(
        'max_bytes',
        default=2 * 1024 * 1024,
        min=1024,
        help='Most bytes (as JSON) of the facts a driver may return for '
        'one host: a script printing more, or Ansible runs whose facts '
        'pass it (the run is then stopped), fail the gathering of that '
        'host with an error, and its stored facts stay as they were. The '
        'facts of a host with a few thousand packages are a few hundred '
        'kB.',
    ),
    cfg.StrOpt(
        'ansible_playbook',
        help='Optional operator playbook of the "ansible" facts driver '
        'for custom facts: whatever it sets with set_fact under the '
        'variable "fleet_facts" (a mapping) is merged into the host\'s '
        'facts after setup, package_facts and service_facts.',
    ),
    cfg.IntOpt(
        'ansible_timeout',
        default=600,
        min=1,
        help='Seconds after which the ansible facts gathering of a host '
        'is stopped and fails.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
