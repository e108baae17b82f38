"""Audits: check what hosts are (their facts) against profiles of rules.

* :mod:`fleet.audits.versions`: package / kernel version comparison.
* :mod:`fleet.audits.rules`: the rule vocabulary; one rule on one host's
  facts gives pass / fail / error / notapplicable with its evidence.
* :mod:`fleet.audits.profiles`: audit profiles as data (schema,
  ``applies_to``), import / export.
* :mod:`fleet.audits.facts`: gathering facts through the ``fleet.facts``
  drivers and storing them.
* :mod:`fleet.audits.auditor`: auditing hosts, recording findings and
  their history, raising and resolving ``audit`` alerts.
"""
