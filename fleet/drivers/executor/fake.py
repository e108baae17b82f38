"""The simulated cloud's executor: an action that "patches" a simulated
host by changing its facts, as a real patch changes a real host's.

Its catalogued actions take two parameters (declare those you use)::

    simulated-kernel-update:
      executor: fake
      parameters:
        type: object
        properties:
          facts: {type: object, default: {kernel: 5.14.0-503.el9.x86_64}}
          fail: {type: boolean, default: false}

``facts`` are merged into the host's simulated facts (what the ``fake``
facts driver gathers next); ``fail`` makes the action fail, changing
nothing. An action without ``facts`` runs and leaves the host as it was:
the "patch that did not fix it" of tests.
"""

from fleet.drivers import base
from fleet.drivers import fake_cloud


class FakeExecutor(base.ExecutorDriver):
    def run(self, host, arguments, timeout):
        parameters = dict(arguments.get('parameters') or {})
        if parameters.get('fail'):
            return base.ExecutorResult(
                ok=False,
                output=f'fake: action {arguments.get("action")} failed on '
                f'{host["name"]} (asked to)',
                details={'arguments': arguments},
            )
        updates = parameters.get('facts') or {}
        if updates:
            fake_cloud.get_cloud().update_facts(host['name'], updates)
        return base.ExecutorResult(
            ok=True,
            output=f'fake: {host["name"]} '
            + (
                f'now has {", ".join(sorted(updates))} updated'
                if updates
                else 'unchanged'
            ),
            details={'arguments': arguments, 'changed': sorted(updates)},
        )
