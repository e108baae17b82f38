# The fleet hosts panel, under Admin > Fleet; shown only to admins whose
# token's catalog has a "fleet" service.

PANEL = 'fleet_hosts'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'fleet'
ADD_PANEL = 'fleet_dashboard.content.hosts.panel.Hosts'
ADD_INSTALLED_APPS = ['fleet_dashboard']
