# The executions panel of the Fleet dashboard (see _9000_fleet_dashboard.py).

PANEL = 'executions'
PANEL_DASHBOARD = 'fleet'
PANEL_GROUP = 'default'
ADD_PANEL = 'fleet_dashboard.content.executions.panel.Executions'
