"""Errors of audits (FleetExceptions, so the API answers them with their
code and message)."""

from fleet.common import exception


class AuditProfileNotFound(exception.NotFound):
    _msg_fmt = 'Audit profile %(profile)s could not be found.'


class AuditProfileAlreadyExists(exception.Conflict):
    _msg_fmt = 'An audit profile named %(name)s already exists.'


class FindingNotFound(exception.NotFound):
    _msg_fmt = 'Audit finding %(finding)s could not be found.'


class FactsNotGathered(exception.NotFound):
    _msg_fmt = (
        'No facts were gathered of host %(host)s yet. Gather them with '
        'POST /v1/hosts/%(host)s/facts (API version 1.6), or wait for '
        'the conductor\'s periodic gathering ([facts] interval).'
    )
