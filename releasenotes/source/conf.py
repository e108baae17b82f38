# Sphinx configuration of fleet's release notes (tox -e releasenotes).

extensions = ['reno.sphinxext']

project = 'fleet Release Notes'
copyright = 'fleet developers'
author = 'fleet developers'
# Release notes are not versioned by the code they describe.
release = version = ''

master_doc = 'index'
exclude_patterns = ['_build']
pygments_style = 'sphinx'
html_theme = 'alabaster'
