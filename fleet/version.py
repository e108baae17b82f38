import pbr.version

# The distribution is "openstack-fleet" (PyPI's "fleet" is another
# project); the import package stays "fleet".
DISTRIBUTION = 'openstack-fleet'

version_info = pbr.version.VersionInfo(DISTRIBUTION)
version_string = version_info.version_string
