# The runbooks panel of the Fleet dashboard (see _9000_fleet_dashboard.py).

PANEL = 'runbooks'
PANEL_DASHBOARD = 'fleet'
PANEL_GROUP = 'default'
ADD_PANEL = 'fleet_dashboard.content.runbooks.panel.Runbooks'
