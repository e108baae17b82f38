import pbr.version

version_info = pbr.version.VersionInfo('fleet')
version_string = version_info.version_string
