# The "Fleet" dashboard, for fleet's admins and observers (the
# "fleet_observer" role). Copy the enabled files of fleet_dashboard/enabled
# into openstack_dashboard/local/enabled/ to enable the plugin
# (doc/source/admin/dashboard.rst).

DASHBOARD = 'fleet'
ADD_INSTALLED_APPS = ['fleet_dashboard']
DISABLED = False
