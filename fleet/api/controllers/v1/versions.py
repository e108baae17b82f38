"""API microversions of fleet.

A client asks for a version with ``OpenStack-API-Version: fleet 1.N``;
without the header it gets the minimum. Each bump adds one named constant
here, one ``allow_*`` helper in ``fleet.api.controllers.v1.utils`` and a line
in this history:

* 1.0 - Initial version: hosts (list, show, create, update, delete).
* 1.1 - Executions: maintenance runs (create, list, show, cancel).
* 1.2 - Inventory: places (regions, AZs, cells, racks) with variables,
  host variables resolved with provenance, host history and instances,
  label/variable filters, capacity, Ansible inventory, host replacement.
* 1.3 - Alerts (list, show, post, acknowledge, silence), runbooks (CRUD,
  import/export, dry run), executions approve/reject.
* 1.4 - Executor actions: ``GET /v1/actions`` lists the operator-defined
  catalog; a run (and a runbook's remediation) names an ``action`` and
  its ``action_parameters``. ``executor_args`` is refused at every
  version (400).
* 1.5 - Hosts: ``POST /v1/hosts/{host}/release`` (an admin forces a host
  free: its active run ends cancelled, the host is handed to a human).
* 1.6 - Audits: ``GET /v1/hosts/{id}/facts`` and ``POST
  /v1/hosts/{id}/facts`` (gather now), audit profiles (CRUD,
  import/export, compliance summary), ``POST /v1/audits`` (audit now),
  ``GET /v1/findings`` with the history of each finding; runbooks match
  audit findings (``match.audit``) and may audit a host (remediation
  ``audit``); a run may name the audit rules that judge it
  (``reaudit``).
* 1.7 - Hosts: ``GET /v1/hosts/{host}/metrics``, the latest metric values
  of a host (the prometheus monitoring driver's), each with its sample
  time.
* 1.8 - Plans: ``/v1/plans`` (create with dry run, list, show, pause,
  resume, cancel): rolling maintenance under disruption budgets.
* 1.9 - Hosts: the host list filters on metrics (``metric=<name>``,
  ``metric=<name>:<gt|gte|lt|lte>:<number>``, repeatable) and sorts by
  one (``sort_key=metric:<name>``).
* 1.10 - Plans: a selector of the hosts failing an audit rule
  (``selector.audit``: ``profile`` and ``rule``), the budget
  ``capacity_headroom``, and ``eta`` (remaining hosts and waves, ETA from
  measured migration times) in a plan's ``GET``.
"""

SERVICE_TYPE = 'fleet'
HEADER = 'OpenStack-API-Version'

MINOR_0_INITIAL = 0
MINOR_1_EXECUTIONS = 1
MINOR_2_INVENTORY = 2
MINOR_3_ALERTS = 3
MINOR_4_ACTIONS = 4
MINOR_5_HOST_RELEASE = 5
MINOR_6_AUDITS = 6
MINOR_7_HOST_METRICS = 7
MINOR_8_PLANS = 8
MINOR_9_HOST_METRIC_LIST = 9
MINOR_10_PLAN_PROGRESS = 10

MINOR_MIN_VERSION = MINOR_0_INITIAL
MINOR_MAX_VERSION = MINOR_10_PLAN_PROGRESS

MIN_VERSION_STRING = f'1.{MINOR_MIN_VERSION}'
MAX_VERSION_STRING = f'1.{MINOR_MAX_VERSION}'
