"""An executor that does nothing and succeeds: for drain-only runs, tests
and the all-in-one demo."""

from fleet.drivers import base


class NoopExecutor(base.ExecutorDriver):
    def run(self, host, arguments, timeout):
        return base.ExecutorResult(
            ok=True,
            output=f'noop: nothing run on {host["name"]}',
            details={'arguments': arguments},
        )
