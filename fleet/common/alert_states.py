"""States, severities and approval classes of alerts and runbooks."""

FIRING = 'firing'
RESOLVED = 'resolved'
ACKNOWLEDGED = 'acknowledged'
SILENCED = 'silenced'

ALERT_STATES = (FIRING, RESOLVED, ACKNOWLEDGED, SILENCED)
#: States in which an alert still asks for attention (runbooks act).
OPEN_STATES = (FIRING, ACKNOWLEDGED)

SEVERITIES = ('info', 'warning', 'critical')

APPROVAL_AUTOMATIC = 'automatic'
APPROVAL_ADMIN = 'admin'
APPROVALS = (APPROVAL_AUTOMATIC, APPROVAL_ADMIN)
