# The fleet executions panel, under Admin > Fleet; shown only to admins whose
# token's catalog has a "fleet" service.

PANEL = 'fleet_executions'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'fleet'
ADD_PANEL = 'fleet_dashboard.content.executions.panel.Executions'
