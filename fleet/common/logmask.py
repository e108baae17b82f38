"""No secrets in logs: records of fleet's and TaskFlow's loggers are
formatted once, with passwords and tokens masked, before any handler
sees them.

TaskFlow logs the arguments it binds to each task (the flow's store: a
run's parameters) and the results it saves, at its TRACE level, and
failures with their messages at DEBUG; fleet logs commands and run
parameters at INFO. A deployment that turns those loggers up to debug a
run must not leak a password from an action's parameters, a host
variable or a token.

Usage (once, after logging is set up)::

    logmask.install()
"""

import logging

from oslo_utils import strutils

#: Logger name prefixes whose records are masked.
PREFIXES = ('fleet', 'taskflow', 'keystonemiddleware.audit')

_installed = False


def _masked(name):
    return any(name == p or name.startswith(p + '.') for p in PREFIXES)


def mask_record(record):
    """Replace ``record``'s message by its formatted, masked text."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: S110 - the handler will report it
        return record
    record.msg = strutils.mask_password(message)
    record.args = None
    return record


def install():
    """Mask every record of :data:`PREFIXES` loggers (idempotent)."""
    global _installed
    if _installed:
        return
    factory = logging.getLogRecordFactory()

    def make_record(name, *args, **kwargs):
        record = factory(name, *args, **kwargs)
        if _masked(name):
            mask_record(record)
        return record

    logging.setLogRecordFactory(make_record)
    _installed = True
