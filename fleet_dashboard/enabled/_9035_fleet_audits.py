# The audits panel of the Fleet dashboard (see _9000_fleet_dashboard.py):
# audit profiles, their compliance and the findings (fleet's API 1.6).

PANEL = 'audits'
PANEL_DASHBOARD = 'fleet'
PANEL_GROUP = 'default'
ADD_PANEL = 'fleet_dashboard.content.audits.panel.Audits'
