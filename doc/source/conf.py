# Sphinx configuration of fleet's documentation (tox -e docs).

import os
import sys

sys.path.insert(0, os.path.abspath('../..'))

extensions = [
    # The option and policy references are rendered from the code, with
    # the same generator configs as the committed samples.
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
]

project = 'fleet'
copyright = 'fleet developers'
author = 'fleet developers'

try:
    from fleet import version as fleet_version

    release = fleet_version.version_info.release_string()
    version = fleet_version.version_info.version_string()
except Exception:  # no git metadata (an sdist without PKG-INFO)
    release = version = 'unknown'

master_doc = 'index'
exclude_patterns = ['_build']
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
