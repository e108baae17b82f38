"""The simulated cloud's facts: each simulated host runs the kernel of
``[fake_cloud] kernel`` until the ``fake`` executor "patches" it."""

from oslo_config import cfg
from oslo_log import log

from fleet.drivers import base
from fleet.drivers import fake_cloud

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class FakeFacts(base.FactsDriver):
    def validate_config(self):
        if CONF.drivers.compute != ['fake']:
            # Allowed (tests of a real Nova with simulated facts), but an
            # audit of real hosts against made-up facts misleads.
            LOG.warning(
                'The "fake" facts driver gives SIMULATED facts for real '
                'hosts (compute driver %s): audits will not reflect them. '
                'Set [drivers] facts to ansible, script or static.',
                ','.join(CONF.drivers.compute),
            )

    def gather(self, host):
        return fake_cloud.get_cloud().facts_of(host['name'])
