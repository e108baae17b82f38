"""fleet-status: is this deployment ready for the installed code?

Usage::

    fleet-status [--config-file fleet.conf] upgrade check [--json]

Run it after installing a new release and ``fleet-dbsync upgrade``, before
restarting the services. The exit status is 0 (all checks passed),
1 (a warning: read it), 2 (a failure: the new code will not work) or 255
(a check could not run).
"""

import sys

from oslo_config import cfg
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck

from fleet import conf as fleet_conf  # noqa: F401 - registers options
from fleet.common import policy
from fleet.db import migration

CONF = cfg.CONF

# Drivers that simulate a cloud: right for fleet-all-in-one (which
# defaults to them in code), wrong for any other deployment.
_FAKE = 'fake'


class Checks(upgradecheck.UpgradeCommands):
    """The checks of ``fleet-status upgrade check``."""

    def _check_database_schema(self):
        if not CONF.database.connection:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                '[database] connection is not set: fleet-api and '
                'fleet-conductor refuse to start without it.',
            )
        current = migration.version()
        heads = migration.heads()
        if current is None:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                'The database has no fleet schema. Run "fleet-dbsync '
                'upgrade".',
            )
        if current not in heads:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                f'The database schema is at revision {current}, the code '
                f'needs {", ".join(heads)}. Run "fleet-dbsync upgrade" '
                'before restarting the services.',
            )
        return upgradecheck.Result(upgradecheck.Code.SUCCESS)

    def _check_fake_drivers(self):
        fake = [
            name
            for name in ('compute', 'inventory')
            if _FAKE in (getattr(CONF.drivers, name) or [])
        ]
        if not fake:
            return upgradecheck.Result(upgradecheck.Code.SUCCESS)
        options = ' and '.join(f'[drivers] {name}' for name in fake)
        verb = 'uses' if len(fake) == 1 else 'use'
        return upgradecheck.Result(
            upgradecheck.Code.WARNING,
            f'{options} {verb} the "fake" driver, a simulated cloud: '
            'maintenance '
            'runs would not act on real hosts. This is right only for '
            'fleet-all-in-one; set "nova" (the default) for a real cloud.',
        )

    def _check_unknown_policy_rules(self):
        enforcer = policy.get_enforcer()
        enforcer.load_rules()
        known = set(enforcer.registered_rules)
        unknown = sorted(set(enforcer.file_rules) - known)
        if not unknown:
            return upgradecheck.Result(upgradecheck.Code.SUCCESS)
        # A rule the operator defines for other rules to use ("rule:x")
        # is an alias, not a stale override.
        used = ' '.join(str(rule) for rule in enforcer.rules.values())
        stale = [name for name in unknown if f'rule:{name}' not in used]
        if not stale:
            return upgradecheck.Result(upgradecheck.Code.SUCCESS)
        return upgradecheck.Result(
            upgradecheck.Code.WARNING,
            'The policy file overrides rules fleet no longer has, so these '
            f'overrides have no effect: {", ".join(stale)}. See the policy '
            'reference for the rules of this release.',
        )

    _upgrade_checks = (
        ('Database schema', _check_database_schema),
        ('Simulated drivers', _check_fake_drivers),
        ('Policy rules fleet does not know', _check_unknown_policy_rules),
        (
            'Policy File JSON to YAML Migration',
            (common_checks.check_policy_json, {'conf': CONF}),
        ),
    )


def main(argv=None):
    return upgradecheck.main(
        CONF,
        project='fleet',
        upgrade_command=Checks(),
        argv=sys.argv[1:] if argv is None else argv,
    )


if __name__ == '__main__':
    sys.exit(main())
