"""A monitoring driver that reports no signals."""

from fleet.drivers import base


class NoopMonitoring(base.MonitoringDriver):
    def start(self, on_signal):
        self._on_signal = on_signal

    def stop(self):
        self._on_signal = None
