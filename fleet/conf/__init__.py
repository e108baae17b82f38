"""fleet's configuration: one module per option group.

Usage::

    from fleet import conf
    CONF = conf.CONF
    CONF.api.port
"""

from oslo_config import cfg

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

CONF = cfg.CONF

alerts.register_opts(CONF)
api.register_opts(CONF)
audit.register_opts(CONF)
auditing.register_opts(CONF)
budget.register_opts(CONF)
conductor.register_opts(CONF)
coordination.register_opts(CONF)
database.register_opts(CONF)
default.register_opts(CONF)
drivers.register_opts(CONF)
fake_cloud.register_opts(CONF)
inventory.register_opts(CONF)
jobboard.register_opts(CONF)
executor.register_opts(CONF)
facts.register_opts(CONF)
nova.register_opts(CONF)
maintenance.register_opts(CONF)
metrics.register_opts(CONF)
prometheus.register_opts(CONF)
