"""The simulated cloud's facts: each simulated host runs the kernel of
``[fake_cloud] kernel`` until the ``fake`` executor "patches" it."""

from fleet.drivers import base
from fleet.drivers import fake_cloud


class FakeFacts(base.FactsDriver):
    def gather(self, host):
        return fake_cloud.get_cloud().facts_of(host['name'])
