"""Alerts and runbooks: signals in, decisions out.

* :mod:`fleet.alerts.intake` turns signals (Alertmanager webhook, API,
  monitoring drivers) into deduplicated alerts, in one transaction per
  batch, and silences hosts under maintenance.
* :mod:`fleet.alerts.runbooks` matches alerts against runbooks and acts:
  a maintenance run through the same path as ``POST /v1/executions``
  (possibly awaiting approval), or a hand-off to a human.

Usage::

    from fleet.alerts import intake
    results = intake.process(signals, context)
"""
