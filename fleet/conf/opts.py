"""Options listing for oslo-config-generator (entry point oslo.config.opts).

Every module in fleet.conf that declares options is named here; nothing
else declares options.
"""

import itertools

from fleet.conf import alerts
from fleet.conf import api
from fleet.conf import audit
from fleet.conf import auditing
from fleet.conf import budget
from fleet.conf import conductor
from fleet.conf import coordination
from fleet.conf import database
from fleet.conf import default
from fleet.conf import drivers
from fleet.conf import executor
from fleet.conf import facts
from fleet.conf import fake_cloud
from fleet.conf import inventory
from fleet.conf import jobboard
from fleet.conf import maintenance
from fleet.conf import metrics
from fleet.conf import nova
from fleet.conf import prometheus

_MODULES = (
    default,
    alerts,
    api,
    audit,
    auditing,
    budget,
    conductor,
    coordination,
    database,
    drivers,
    executor,
    facts,
    fake_cloud,
    inventory,
    jobboard,
    maintenance,
    metrics,
    nova,
    prometheus,
)


def list_opts():
    """Return [(group, [opts])] for every fleet option group."""
    grouped = {}
    for module in _MODULES:
        for group, opts in module.list_opts().items():
            grouped.setdefault(group, []).extend(opts)
    return [
        (group, sorted(opts, key=lambda o: o.name))
        for group, opts in grouped.items()
    ]


def update_opt_defaults():
    api.update_opt_defaults()


def all_opts():
    """Every option object, for tests that check the sample is complete."""
    return list(itertools.chain.from_iterable(o for _, o in list_opts()))
