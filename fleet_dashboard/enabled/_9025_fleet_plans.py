# The plans panel of the Fleet dashboard (see _9000_fleet_dashboard.py);
# rolling maintenance plans need fleet's API 1.8.

PANEL = 'plans'
PANEL_DASHBOARD = 'fleet'
PANEL_GROUP = 'default'
ADD_PANEL = 'fleet_dashboard.content.plans.panel.Plans'
