"""States, severities and approval classes of alerts and runbooks.

Declared in :mod:`fleet.common.alert_states`, which the database layer
uses too; the same names here for the alerts package and its callers.
"""

from fleet.common.alert_states import ACKNOWLEDGED  # noqa: F401
from fleet.common.alert_states import ALERT_STATES  # noqa: F401
from fleet.common.alert_states import APPROVAL_ADMIN  # noqa: F401
from fleet.common.alert_states import APPROVAL_AUTOMATIC  # noqa: F401
from fleet.common.alert_states import APPROVALS  # noqa: F401
from fleet.common.alert_states import FIRING  # noqa: F401
from fleet.common.alert_states import OPEN_STATES  # noqa: F401
from fleet.common.alert_states import RESOLVED  # noqa: F401
from fleet.common.alert_states import SEVERITIES  # noqa: F401
from fleet.common.alert_states import SILENCED  # noqa: F401
