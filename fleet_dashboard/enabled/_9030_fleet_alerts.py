# The alerts panel of the Fleet dashboard (see _9000_fleet_dashboard.py).

PANEL = 'alerts'
PANEL_DASHBOARD = 'fleet'
PANEL_GROUP = 'default'
ADD_PANEL = 'fleet_dashboard.content.alerts.panel.Alerts'
