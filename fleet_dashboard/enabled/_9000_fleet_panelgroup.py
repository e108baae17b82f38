# The "Fleet" panel group of the Admin dashboard. Copy the enabled files
# of fleet_dashboard/enabled into openstack_dashboard/local/enabled/ to
# enable the plugin (doc/source/admin/dashboard.rst).

PANEL_GROUP = 'fleet'
PANEL_GROUP_NAME = 'Fleet'
PANEL_GROUP_DASHBOARD = 'admin'
