# Sphinx configuration of fleet's documentation (tox -e docs).

import os
import sys

sys.path.insert(0, os.path.abspath('../..'))

extensions = [
    # The option and policy references are rendered from the code, with
    # the same generator configs as the committed samples.
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
    # cli/reference.rst: the openstack fleet commands' parsers.
    'cliff.sphinxext',
]

# Usage lines read "openstack fleet host list ...".
autoprogram_cliff_application = 'openstack'

project = 'fleet'
copyright = 'fleet developers'
author = 'fleet developers'

try:
    from fleet import version as fleet_version

    release = fleet_version.version_info.release_string()
    version = fleet_version.version_info.version_string()
except Exception:  # no git metadata (an sdist without PKG-INFO)
    release = version = 'unknown'

# The api-ref's operation tables and the OpenAPI description are built
# from fleet.api.openapi, the table the API itself serves and validates.
_here = os.path.dirname(os.path.abspath(__file__))
_generated = os.path.join(_here, '_generated')
os.makedirs(os.path.join(_generated, 'static'), exist_ok=True)
try:
    import json

    from fleet.api import openapi as _openapi
    from fleet.api import openapi_rst as _openapi_rst

    with open(os.path.join(_generated, 'api-operations.rst'), 'w') as f:
        f.write(_openapi_rst.render())
    with open(os.path.join(_generated, 'static', 'openapi.json'), 'w') as f:
        json.dump(_openapi.build(), f, indent=2, sort_keys=True)
except ImportError:  # fleet's requirements are not installed
    with open(os.path.join(_generated, 'api-operations.rst'), 'w') as f:
        f.write('(fleet is not importable: no operation table.)\n')
html_extra_path = ['_generated/static']

master_doc = 'index'
exclude_patterns = ['_build', '_generated']
pygments_style = 'sphinx'
# index.rst globs optional sections (cli/*) that may not exist yet.
suppress_warnings = ['toc.empty_glob']

# A plain theme that ships with Sphinx keeps the docs deps small.
html_theme = 'alabaster'
html_theme_options = {
    'description': 'OpenStack fleet management',
    'fixed_sidebar': True,
}
html_title = f'fleet {release}'
