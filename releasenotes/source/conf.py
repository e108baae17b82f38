# Sphinx configuration of fleet's release notes (tox -e releasenotes).

from dulwich import diff_tree
from reno import scanner

extensions = ['reno.sphinxext']

# reno 4.1 cannot read a merge commit that edits a note only one of its
# parents has: dulwich reports that note as added (against the parent
# without it) and modified (against the other), and reno stops with
# "Unrecognized changes". Such a change is a modification of the note on
# the branch that brought it; read it so.
_aggregate_changes = scanner._ChangeAggregator.aggregate_changes


def _merge_safe_aggregate_changes(self, walk_entry, changes):
    changes = list(changes)
    fixed = []
    for change in changes:
        if isinstance(change, list) and {c.type for c in change} == {
            diff_tree.CHANGE_ADD,
            diff_tree.CHANGE_MODIFY,
        }:
            change = [
                c for c in change if c.type == diff_tree.CHANGE_MODIFY
            ]
        fixed.append(change)
    return _aggregate_changes(self, walk_entry, fixed)


scanner._ChangeAggregator.aggregate_changes = _merge_safe_aggregate_changes

project = 'fleet Release Notes'
copyright = 'fleet developers'
author = 'fleet developers'
# Release notes are not versioned by the code they describe.
release = version = ''

master_doc = 'index'
exclude_patterns = ['_build']
pygments_style = 'sphinx'
html_theme = 'alabaster'
