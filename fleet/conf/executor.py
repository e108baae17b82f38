"""Options of group ``[executor]``: the script and ansible executors.

Example ``fleet.conf``::

    [executor]
    ssh_command = ssh -o BatchMode=yes -l fleet {name}
    playbook_dir = /etc/fleet/playbooks
    actions_dir = /etc/fleet/actions
"""

from oslo_config import cfg

group = cfg.OptGroup(
    'executor',
    title='Executors',
    help='Settings of the "script" and "ansible" executor drivers, which '
    'run maintenance actions (patch, reboot, ...) on hosts.',
)

opts = [
    cfg.IntOpt(
        'output_limit',
        default=65536,
        min=1024,
        help='Most bytes of an action\'s output kept in a run\'s history; '
        'the beginning and the end are kept, the middle is cut.',
    ),
    cfg.IntOpt(
        'kill_grace_seconds',
        default=5,
        min=0,
        help='Seconds a timed-out command gets between SIGTERM and '
        'SIGKILL (sent to its whole process group).',
    ),
    cfg.StrOpt(
        'actions_dir',
        default='/etc/fleet/actions',
        help='Directory of the executor action catalog: YAML files, each '
        'a mapping of action names to definitions (a playbook for the '
        'ansible executor, a command template for the script executor, '
        'and a JSON schema of the parameters a run may give). Runs and '
        'runbooks name an action; they never carry a command. Read by '
        'fleet-api (to validate runs, GET /v1/actions) and by '
        'fleet-conductor; re-read when a file changes.',
    ),
    cfg.BoolOpt(
        'script_allow_shell',
        default=False,
        deprecated_for_removal=True,
        deprecated_reason='Runs name catalogued actions, whose commands '
        'are argument lists; no run can ask for a shell any more.',
        help='Allow script runs that ask for "shell": true (the command '
        'is run by /bin/sh). Off by default: a command is an argument '
        'list, so host names and variables are never parsed by a shell.',
    ),
    cfg.StrOpt(
        'ssh_command',
        default='ssh -o BatchMode=yes -o ConnectTimeout=10 {name}',
        help='Command prefix of script runs with "ssh": true, templated '
        'like the command ({name}, {variables[...]}, or a variable of the '
        'host by name); the command follows it, quoted for the remote '
        'shell.',
    ),
    cfg.StrOpt(
        'playbook_dir',
        help='Directory relative playbook paths of ansible runs are '
        'resolved in. Without it, only absolute paths are accepted.',
    ),
    cfg.StrOpt(
        'ansible_playbook',
        help='Path of the ansible-playbook program. Defaults to the one '
        'next to fleet\'s Python interpreter, else the one on PATH.',
    ),
    cfg.IntOpt(
        'ansible_verbosity',
        default=0,
        min=0,
        max=4,
        help='Verbosity of ansible-playbook (the number of -v).',
    ),
    cfg.BoolOpt(
        'ansible_keep_artifacts',
        default=False,
        help='Keep ansible-runner\'s private data directory (inventory, '
        'events, stdout) after a run, for debugging; its path is in the '
        'run details. It may hold secrets from host variables.',
    ),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
