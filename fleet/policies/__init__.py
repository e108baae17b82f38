import itertools

from fleet.policies import action
from fleet.policies import alert
from fleet.policies import audit
from fleet.policies import base
from fleet.policies import execution
from fleet.policies import host
from fleet.policies import inventory
from fleet.policies import metrics
from fleet.policies import plan
from fleet.policies import runbook


def list_rules():
    return list(
        itertools.chain(
            base.list_rules(),
            host.list_rules(),
            execution.list_rules(),
            alert.list_rules(),
            runbook.list_rules(),
            inventory.list_rules(),
            action.list_rules(),
            audit.list_rules(),
            metrics.list_rules(),
            plan.list_rules(),
        )
    )
