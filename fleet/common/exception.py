"""fleet's exceptions.

Every error fleet reports to a user is a :class:`FleetException` with an
HTTP status code and a message a human can act on. The API turns them into
OpenStack API-SIG error documents; the conductor sends them back over RPC
(``allowed_remote_exmods``) so the API can still answer with the right code.
"""

from http import client as http_client


class FleetException(Exception):
    """Base class: subclasses set ``_msg_fmt`` and ``code``."""

    _msg_fmt = 'An unknown error occurred.'
    code = http_client.INTERNAL_SERVER_ERROR
    safe = False

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self._msg_fmt % kwargs
            except (KeyError, TypeError):
                # A wrong format argument must not hide the real error.
                message = self._msg_fmt
        super().__init__(message)

    @property
    def message(self):
        return str(self)


class Invalid(FleetException):
    _msg_fmt = 'Invalid request: %(reason)s'
    code = http_client.BAD_REQUEST
    safe = True


class InvalidParameterValue(Invalid):
    _msg_fmt = '%(err)s'


class InvalidUUID(Invalid):
    _msg_fmt = 'Expected a UUID but received %(uuid)s.'


class InvalidMarker(Invalid):
    _msg_fmt = 'Marker %(marker)s does not name an existing %(resource)s.'


class NotAuthorized(FleetException):
    _msg_fmt = 'Not authorized.'
    code = http_client.FORBIDDEN
    safe = True


class HTTPForbidden(NotAuthorized):
    _msg_fmt = 'Access was denied to the following resource: %(resource)s'


class NotFound(FleetException):
    _msg_fmt = 'Resource could not be found.'
    code = http_client.NOT_FOUND
    safe = True


class HostNotFound(NotFound):
    _msg_fmt = 'Host %(host)s could not be found.'


class ExecutionNotFound(NotFound):
    _msg_fmt = 'Execution %(execution)s could not be found.'


class Conflict(FleetException):
    _msg_fmt = 'Conflict.'
    code = http_client.CONFLICT
    safe = True


class HostAlreadyExists(Conflict):
    _msg_fmt = 'A host named %(name)s already exists.'


class HostBusy(Conflict):
    _msg_fmt = (
        'Host %(host)s is already in run %(execution)s; wait for it '
        'to end or cancel it.'
    )


class InvalidState(Conflict):
    _msg_fmt = '%(resource)s %(id)s is %(state)s: %(reason)s'


class NotAcceptable(FleetException):
    _msg_fmt = 'Request not acceptable.'
    code = http_client.NOT_ACCEPTABLE
    safe = True


class DriverLoadError(FleetException):
    _msg_fmt = (
        'Driver %(name)r could not be loaded from namespace '
        '%(namespace)s: %(reason)s'
    )


class DriverNotEnabled(Invalid):
    _msg_fmt = '%(kind)s driver %(name)r is not enabled; enabled: %(enabled)s.'


class ConfigInvalid(FleetException):
    _msg_fmt = 'Invalid configuration: %(error)s'


class ServiceUnavailable(FleetException):
    _msg_fmt = '%(reason)s'
    code = http_client.SERVICE_UNAVAILABLE
    safe = True


class ComputeError(FleetException):
    """The compute service (Nova) failed or refused an action."""

    _msg_fmt = 'Compute service error: %(reason)s'
    code = http_client.BAD_GATEWAY
    safe = True


class InstanceNotFound(NotFound):
    _msg_fmt = 'Instance %(instance)s could not be found.'


class ComputeUnavailable(ComputeError):
    """Nova (or Placement) could not be reached or answered 5xx, after the
    adapter's retries; the action may be tried again later."""

    _msg_fmt = 'Compute service unavailable: %(reason)s'
    code = http_client.SERVICE_UNAVAILABLE


class ComputeConflict(ComputeError):
    """Nova refused an action because of the instance's or service's
    current state (HTTP 409), e.g. an instance already migrating."""

    _msg_fmt = 'Compute service refused the action: %(reason)s'
    code = http_client.CONFLICT


class MigrationNotFound(NotFound):
    _msg_fmt = (
        'Migration %(migration)s of instance %(instance)s could not be found.'
    )


class PlaceNotFound(NotFound):
    _msg_fmt = 'Place %(place)s could not be found.'


class PlaceAmbiguous(Conflict):
    _msg_fmt = (
        'Several places are named %(place)s (kinds: %(kinds)s); use the '
        'uuid, or say which with ?kind=.'
    )


class PlaceAlreadyExists(Conflict):
    _msg_fmt = 'A %(kind)s named %(name)s already exists.'


# Alerts and runbooks. Declared here, below the database layer that raises
# them; fleet.alerts.exception re-exports them for its callers.


class AlertNotFound(NotFound):
    _msg_fmt = 'Alert %(alert)s could not be found.'


class RunbookNotFound(NotFound):
    _msg_fmt = 'Runbook %(runbook)s could not be found.'


class PlanNotFound(NotFound):
    _msg_fmt = 'Plan %(plan)s could not be found.'


class RunbookAlreadyExists(Conflict):
    _msg_fmt = 'A runbook named %(name)s already exists.'


class FactsError(FleetException):
    """A facts driver could not get the facts of a host."""

    _msg_fmt = 'Facts of host %(host)s from %(driver)s: %(reason)s'
