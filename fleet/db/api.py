"""Database API: the abstract interface the rest of fleet uses.

Usage::

    from fleet.db import api as db_api
    dbapi = db_api.get_instance()
    host = dbapi.get_host('compute-1')
"""

import abc

from oslo_config import cfg
from oslo_db import api as oslo_db_api

_BACKEND_MAPPING = {'sqlalchemy': 'fleet.db.sqlalchemy.api'}
IMPL = oslo_db_api.DBAPI.from_config(
    cfg.CONF, backend_mapping=_BACKEND_MAPPING, lazy=True
)


def get_instance():
    """Return the configured database connection."""
    return IMPL


class Connection(metaclass=abc.ABCMeta):
    """Every database operation fleet performs."""

    # Hosts

    @abc.abstractmethod
    def create_host(self, values, history=None):
        """Create a host and record it in its history.

        :param values: column values; ``uuid`` is generated when missing.
        :param history: who and why, for the history line: ``source``
            (api, sync, notification, execution, ...), ``actor``,
            ``reason``, ``request_id``; all optional.
        :returns: the host as a dict.
        :raises: HostAlreadyExists if the name or uuid is taken.
        """

    @abc.abstractmethod
    def get_host(self, ident):
        """Return a host (dict) by uuid or name.

        :raises: HostNotFound
        """

    @abc.abstractmethod
    def list_hosts(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        """Return hosts (dicts) matching ``filters``, one page.

        :param filters: dict of column -> value (a list matches any of
            its values); ``labels`` and ``variables`` are dicts whose
            every key/value must match (a None value: the key exists);
            ``metrics`` is a list of ``(name, op, value)`` every one of
            which must hold of the host's latest value of the metric (op
            ``gt``, ``gte``, ``lt``, ``lte``; None: the host has a value).
        :param marker: uuid of the last host of the previous page.
        :param sort_key: a column, or ``metric:<name>``: the host's latest
            value of that metric, NULL for a host without one.
        :raises: InvalidMarker if ``marker`` names no host.
        """

    @abc.abstractmethod
    def create_hosts(self, values_list, history=None):
        """Create many hosts in one transaction (the first sync of a large
        fleet), each with its history line.

        :returns: how many were created.
        :raises: HostAlreadyExists if any name or uuid is taken.
        """

    @abc.abstractmethod
    def update_host(self, ident, values, expected_state=None, history=None):
        """Update a host and return it; what changed is recorded in the
        host's history (see create_host for ``history``).

        :param expected_state: when set, update only if the host is in
            this state, else raise InvalidState.
        """

    @abc.abstractmethod
    def destroy_host(self, ident, history=None):
        """Delete a host (its history stays). :raises: HostNotFound,
        HostBusy"""

    @abc.abstractmethod
    def reserve_host(self, ident, execution_uuid):
        """Atomically mark a host as held by a run.

        :returns: the host as a dict.
        :raises: HostBusy if another run holds it.
        """

    @abc.abstractmethod
    def release_host(self, ident, execution_uuid):
        """Clear the hold of ``execution_uuid`` on a host (no-op if none)."""

    # Executions

    @abc.abstractmethod
    def create_execution(self, values):
        """Create an execution and return it (dict)."""

    @abc.abstractmethod
    def get_execution(self, uuid):
        """:raises: ExecutionNotFound"""

    @abc.abstractmethod
    def list_executions(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        """Return executions (dicts) matching ``filters``, one page."""

    @abc.abstractmethod
    def update_execution(self, uuid, values, expected_states=None):
        """Update an execution and return it.

        :param expected_states: when set, update only if its state is one
            of these, else raise InvalidState.
        """

    @abc.abstractmethod
    def claim_execution(
        self, uuid, expected_conductor, new_conductor, expected_states=None
    ):
        """Atomically set a run's conductor to ``new_conductor`` if it is
        still ``expected_conductor`` (None: owned by no conductor).

        Of several conductors racing to take over the same run exactly
        one gets True.

        :param expected_states: when set, claim only a run in one of these
            states.
        :returns: True if this call claimed the run, else False.
        """

    @abc.abstractmethod
    def finish_execution(
        self,
        uuid,
        values,
        expected_states,
        event=None,
        host_values=None,
        history=None,
    ):
        """End a run: in ONE transaction, update the run (its final state)
        if its state is one of ``expected_states``, clear its hold on its
        host, apply ``host_values`` to that host, and append ``event`` to
        the run's history. Only :mod:`fleet.common.executions` calls it.

        :param event: ``{'message', 'level', 'step', 'details'}`` or None.
        :param host_values: e.g. ``{'state': 'unmanaged',
            'state_reason': ...}``; the hold is cleared in any case.
        :param history: who and why, for the host's history.
        :returns: the run as now stored.
        :raises: ExecutionNotFound, InvalidState (its state is not one of
            ``expected_states``: nothing is written).
        """

    @abc.abstractmethod
    def add_execution_event(
        self, uuid, message, level='info', step=None, details=None
    ):
        """Append one line to a run's history."""

    @abc.abstractmethod
    def list_execution_events(self, uuid):
        """Return a run's history, oldest first."""

    @abc.abstractmethod
    def update_execution_progress(self, uuid, section, key, values):
        """Merge ``values`` into ``progress[section][key]`` atomically.

        Parallel tasks of one run report progress at once: this is the one
        read-modify-write of the JSON column, done under a row lock so no
        report overwrites another.

        :param section: e.g. ``instances`` or ``steps``.
        :param key: e.g. an instance uuid; ``None`` merges ``values`` into
            ``progress[section]`` itself.
        :returns: the whole new progress dict.
        :raises: ExecutionNotFound
        """

    # Host history

    @abc.abstractmethod
    def add_host_history(self, ident, action, changes=None, history=None):
        """Record a change that is not a column update (e.g. a replacement,
        an aggregate membership). :raises: HostNotFound"""

    @abc.abstractmethod
    def list_host_history(self, ident, limit=None):
        """A host's history, newest first; readable by uuid after the host
        is deleted. :raises: HostNotFound"""

    # Places

    @abc.abstractmethod
    def create_place(self, values):
        """:raises: PlaceAlreadyExists for a taken (kind, name)"""

    @abc.abstractmethod
    def get_place(self, ident, kind=None):
        """A place by uuid, or by name (and kind).

        :raises: PlaceNotFound; PlaceAmbiguous for a name that places of
            several kinds share and no ``kind``.
        """

    @abc.abstractmethod
    def list_places(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        """Places (dicts) matching ``filters``, one page."""

    @abc.abstractmethod
    def update_place(self, ident, values):
        """:raises: PlaceNotFound, PlaceAmbiguous, PlaceAlreadyExists"""

    @abc.abstractmethod
    def destroy_place(self, ident):
        """:raises: PlaceNotFound, PlaceAmbiguous"""

    # Instances

    @abc.abstractmethod
    def list_instances(self, filters=None):
        """Instances (dicts) matching ``filters`` (host, status, ...)."""

    @abc.abstractmethod
    def get_instance(self, uuid):
        """:raises: InstanceNotFound"""

    @abc.abstractmethod
    def apply_instance(self, values, timestamp=None):
        """Create or update one instance from a notification.

        :param timestamp: when the notification was emitted; one older
            than the last applied is ignored (late delivery).
        :returns: ``{'instance', 'old_host'}``, or None if ignored.
        """

    @abc.abstractmethod
    def delete_instance(self, uuid, timestamp=None):
        """Forget an instance; returns it, or None if unknown/ignored."""

    @abc.abstractmethod
    def apply_notification_batch(self, events):
        """Apply a batch of Nova notifications in ONE transaction, with
        the outcome of applying them one by one, in order.

        Each event is a dict whose ``kind`` is:

        * ``instance``: ``values`` (columns of the instance, ``uuid``
          included), ``timestamp`` (emission time or None) and
          ``unless_moved`` (a host name: skip the event if the
          instance is on another host, as it is the source's stale view
          of a migration; None: apply it wherever the instance is);
        * ``delete``: ``uuid`` and ``timestamp``;
        * ``service``: ``host`` (name) and ``values`` (columns of the
          host); an unknown host is created with ``create_values``
          added, an update records a history line with ``history``.

        An instance event older than the newest applied to the instance
        (its ``notified_at``) is ignored. Rows are written by bulk
        upsert; nothing is written if any event fails.

        :returns: one dict per event, in order: ``outcome`` (``applied``,
            ``stale``, ``unchanged`` or ``unknown``) and, for an instance
            that changed hosts, ``old_host`` and ``new_host``.
        """

    # Inventory sync state and paged writes

    @abc.abstractmethod
    def list_host_columns(self, columns=None, filters=None):
        """Hosts as plain rows, without ORM objects: what a sync over
        every host reads.

        :param columns: column names; None for every column.
        :param filters: {column: value or list of values}.
        :returns: a list of dicts, by id.
        """

    @abc.abstractmethod
    def get_sync_state(self, name):
        """Where the periodic sync ``name`` stands.

        :returns: ``{'name', 'synced_at', 'full_synced_at', ...}`` or
            None if it never succeeded.
        """

    @abc.abstractmethod
    def set_sync_state(self, name, synced_at, full=False):
        """Record a successful pass of the sync ``name`` that started at
        ``synced_at`` (its new high-water mark); ``full``: it was a full
        pass, which also sets ``full_synced_at``.

        :returns: the state after.
        """

    @abc.abstractmethod
    def write_instances(self, reported, deleted=()):
        """Write one page of a sync in one transaction: create or update
        each reported instance, delete the ``deleted`` ones (uuids).
        Reads only the rows of the page's uuids.

        :param reported: {uuid: values} (host, status, source, ...).
        :param deleted: uuids to forget; one also in ``reported`` is kept.
        :returns: {'created', 'updated', 'deleted'} counts.
        """

    @abc.abstractmethod
    def prune_instances(self, keep, sources):
        """Delete the instances of ``sources`` whose uuid is not in
        ``keep`` (what a full sync saw), walking the table in chunks.

        :returns: how many were deleted.
        """

    # Alerts

    @abc.abstractmethod
    def ingest_alerts(self, signals):
        """Record signals in ONE transaction: all or nothing.

        Each signal is a dict with ``fingerprint``, ``name``, ``source``,
        ``severity``, ``status`` (firing / resolved), ``labels``,
        ``annotations``, ``host_uuid``, ``host_name``, ``occurrence_key``
        (a signal whose key this alert already has is a duplicate: it
        refreshes ``last_seen`` only), ``at`` (when it happened) and
        ``silence`` (``None`` or the reason to silence it now).

        :returns: one dict per signal: ``alert`` (the row after),
            ``new`` (a distinct occurrence was recorded), ``raised`` (it
            went from nothing/resolved to firing), ``resolved``, and
            ``ignored`` for a resolve of an alert never seen firing.
        """

    @abc.abstractmethod
    def get_alert(self, uuid):
        """An alert (dict). :raises: AlertNotFound"""

    @abc.abstractmethod
    def list_alerts(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        """Alerts (dicts) matching ``filters``, one page.

        :raises: InvalidMarker, InvalidParameterValue (unknown filter or
            sort key)
        """

    @abc.abstractmethod
    def update_alert(self, uuid, values, message, kind='update', details=None):
        """Change an alert and record why in its history, in one
        transaction.

        :returns: the alert after the change.
        :raises: AlertNotFound
        """

    @abc.abstractmethod
    def add_alert_event(self, uuid, kind, message, details=None):
        """Append one line to an alert's history. :raises: AlertNotFound"""

    @abc.abstractmethod
    def list_alert_events(self, uuid):
        """An alert's history, oldest first. :raises: AlertNotFound"""

    @abc.abstractmethod
    def count_alert_occurrences(self, uuid, since):
        """Distinct occurrences of an alert recorded since ``since`` (a
        runbook's repeatability threshold). :raises: AlertNotFound"""

    # Runbooks

    @abc.abstractmethod
    def create_runbook(self, values):
        """Create a runbook and return it. :raises: RunbookAlreadyExists"""

    @abc.abstractmethod
    def get_runbook(self, ident):
        """A runbook by uuid or name. :raises: RunbookNotFound"""

    @abc.abstractmethod
    def list_runbooks(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        """Runbooks (dicts) matching ``filters``, one page."""

    @abc.abstractmethod
    def update_runbook(self, ident, values):
        """:raises: RunbookNotFound, RunbookAlreadyExists"""

    @abc.abstractmethod
    def destroy_runbook(self, ident):
        """Delete a runbook and what it did. :raises: RunbookNotFound"""

    @abc.abstractmethod
    def add_runbook_action(self, runbook_uuid, values):
        """Record what a runbook did (``action``: execution, handoff,
        skipped, ...) and return it."""

    @abc.abstractmethod
    def last_runbook_action(self, runbook_uuid, host_uuid, actions, since):
        """The newest action of ``actions`` a runbook took on a host since
        ``since``, or None (the cooldown check)."""

    @abc.abstractmethod
    def list_runbook_actions(self, runbook_uuid, limit=50):
        """A runbook's latest actions, newest first.

        :raises: RunbookNotFound
        """

    # Capacity reservations

    @abc.abstractmethod
    def reserve_capacity(self, execution_uuid, host_name, check, scope=None):
        """Check capacity and reserve it for a drain, in ONE transaction.

        Every call takes the same lock first, so of two drains checking at
        once the second sees what the first reserved.

        :param execution_uuid: the run; its earlier reservation (a resumed
            run) is replaced.
        :param host_name: the host being emptied.
        :param check: ``check(hosts, instances, reservations)`` called
            inside the transaction with every compute host, every
            instance (``uuid``, ``host``, ``status``, resources, server
            group and policy) and the other runs' reservations (dicts),
            oldest first; it raises
            to refuse, else returns the reservation's values:
            ``availability_zone``, ``vcpus``, ``memory_mb``, ``disk_gb``,
            ``instances`` ({uuid: needs}), ``details``.
        :param scope: None: ``check`` gets every compute host and every
            instance. ``{'availability_zone': zone, 'hosts': [names]}``:
            only the hosts of that zone, those with no zone recorded and
            the ones named, with their instances and the instances the
            other runs reserved: a drain's check then reads what its zone
            holds, whatever the size of the cloud.
        :returns: the reservation (dict).
        :raises: whatever ``check`` raises; nothing is then recorded.
        """

    @abc.abstractmethod
    def release_reservations(self, execution_uuid):
        """Drop what a run reserved (at its end, whatever the outcome);
        a no-op when it holds nothing.

        :returns: how many reservations were dropped.
        """

    @abc.abstractmethod
    def list_reservations(self, filters=None):
        """Reservations (dicts) of running drains, oldest first; those of
        runs that ended are not listed, released or not.

        :param filters: ``execution_uuid``, ``host_name``,
            ``availability_zone``.
        """

    # Audits: host facts, audit profiles, findings and their history
    # (fleet.db.sqlalchemy.audits).

    @abc.abstractmethod
    def set_host_facts(self, host_uuid, host_name, facts, drivers, errors):
        """Store the facts just gathered of a host, replacing the last.

        :param drivers: the facts drivers that gave them, in merge order.
        :param errors: ``{driver: message}`` of the drivers that failed.
        :returns: the row (dict) with ``gathered_at``.
        """

    @abc.abstractmethod
    def set_host_facts_errors(self, host_uuid, errors):
        """Record that gathering the facts of a host failed: the stored
        facts and their ``gathered_at`` stay, ``errors`` is replaced.

        :returns: the row (dict), or None if the host has no stored facts.
        """

    @abc.abstractmethod
    def get_host_facts(self, host_uuid):
        """The last facts gathered of a host (dict), or None."""

    @abc.abstractmethod
    def list_host_facts(self, host_uuids=None):
        """``{host_uuid: row}`` of stored facts (of ``host_uuids``)."""

    @abc.abstractmethod
    def create_audit_profile(self, values):
        """:raises: AuditProfileAlreadyExists"""

    @abc.abstractmethod
    def get_audit_profile(self, ident):
        """By uuid or name. :raises: AuditProfileNotFound"""

    @abc.abstractmethod
    def list_audit_profiles(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        """Profiles (dicts) matching ``filters`` (name, enabled)."""

    @abc.abstractmethod
    def update_audit_profile(self, ident, values):
        """:raises: AuditProfileNotFound, AuditProfileAlreadyExists"""

    @abc.abstractmethod
    def destroy_audit_profile(self, ident):
        """Delete a profile and its findings. :raises:
        AuditProfileNotFound"""

    @abc.abstractmethod
    def get_audit_host_results(self, profile_uuid, host_uuids=None):
        """``{host_uuid: text}``: each host's results of a profile as the
        last audit recorded them."""

    @abc.abstractmethod
    def record_audit_results(
        self,
        profile,
        results,
        whole=False,
        audited_at=None,
        texts=None,
        checked=None,
        known=None,
    ):
        """Record an audit of ``profile`` on hosts in one transaction.

        :param whole: it covered every host (stamps the profile's
            ``audited_at`` rather than each finding's ``checked_at``).
        :param audited_at: with ``whole``, when the audit read the facts.
        :param texts: each host's results as one text, if the caller
            built it (see the SQLAlchemy implementation).
        :param checked: every host audited, when ``results`` leaves out
            those whose results are the recorded ones.
        :param known: the texts ``results`` were compared with, when it
            holds only the rules that differ from them.
        :param results: dicts ``host_uuid``, ``host_name``, ``rule``,
            ``severity``, ``result``, ``evidence``, ``message``.
        :returns: the changes of result: dicts ``finding``,
            ``old_result`` (None: first result), ``new_result``.
        """

    @abc.abstractmethod
    def add_audit_history(self, entries):
        """Audit lines in hosts' histories, one transaction: dicts
        ``host_uuid``, ``host_name``, ``changes``, ``reason``."""

    @abc.abstractmethod
    def get_audit_finding(self, uuid):
        """:raises: FindingNotFound"""

    @abc.abstractmethod
    def list_audit_findings(
        self,
        filters=None,
        since=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        """Findings matching ``filters`` whose result changed since
        ``since``, one page. :raises: InvalidMarker"""

    @abc.abstractmethod
    def list_audit_finding_events(
        self, finding_uuid=None, host_uuid=None, since=None, limit=None
    ):
        """History of changes of result, oldest first."""

    @abc.abstractmethod
    def audit_compliance(self, profile_uuid):
        """``[{'rule', 'result', 'availability_zone', 'hosts'}]``."""

    # Metrics (fleet.db.sqlalchemy.metrics)

    @abc.abstractmethod
    def set_host_metrics(self, host_uuid, metrics, source):
        """Replace the latest values of a host's metrics, in one
        transaction.

        :param metrics: {name: {'value' (float), 'unit', 'sampled_at'
            (naive UTC datetime)}}; a metric not named keeps its value, a
            sample older than the stored one is ignored.
        :param source: where the values came from (e.g. ``prometheus``).
        :returns: how many values were written.
        """

    @abc.abstractmethod
    def list_host_metrics(self, host_uuid):
        """The latest value of each metric of a host (dicts with
        ``name``, ``value``, ``unit``, ``source``, ``sampled_at``), by
        name."""

    @abc.abstractmethod
    def count_by_state(self):
        """Hosts, runs and alerts counted by state:
        ``{'hosts': {state: n}, 'executions': {...}, 'alerts': {...}}``.
        """

    # Admission and plans (fleet.db.sqlalchemy.plans)

    @abc.abstractmethod
    def admit_execution(self, uuid, target_state, check):
        """Admit a ``waiting`` run if the budgets allow it, in ONE
        transaction under the ``admission`` lock row.

        :param target_state: the state an admitted run moves to (the
            machine's answer, from fleet.common.states).
        :param check: ``check(run, hosts, admitted, instances, reader)``
            called inside the transaction with the run, every compute
            host but retired ones (``uuid``, ``name``, ``state``, place,
            ``facts``, ``nova_service_status``, ``nova_service_state``),
            the admitted runs (``uuid``, ``host_uuid``, ``plan_uuid``,
            ``requested_by``), the instances in a server group (``host``,
            ``server_group``, ``server_group_policy``) and a reader of
            more in the same transaction, on demand
            (``reader.instances(host_names)``: those hosts' instances with
            their resources; ``reader.reservations()``: the capacity
            reservations of active runs; ``reader.plan_state(uuid)``: a
            plan's state or None); returns why the run must wait, or None
            to admit it.
        :returns: ``(run, admitted)``: the run as now stored (a refused
            one with the reason in ``waiting_reason``), and whether this
            call admitted it (False too if it was no longer waiting).
        :raises: ExecutionNotFound
        """

    @abc.abstractmethod
    def create_plan(self, values, hosts):
        """Create a plan and its hosts (dicts with ``uuid``, ``name``), in
        that order, all ``queued``; returns the plan (dict)."""

    @abc.abstractmethod
    def get_plan(self, uuid):
        """:raises: PlanNotFound"""

    @abc.abstractmethod
    def list_plans(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        """Plans (dicts) matching ``filters`` (``state``, ``name``), one
        page."""

    @abc.abstractmethod
    def update_plan(self, uuid, values, expected_states=None):
        """Update a plan; a final state sets ``finished_at``.

        :param expected_states: update only if its state is one of these.
        :raises: PlanNotFound, InvalidState
        """

    @abc.abstractmethod
    def list_plan_hosts(self, plan_uuid):
        """A plan's hosts (dicts), in their order."""

    @abc.abstractmethod
    def update_plan_host(self, plan_uuid, host_uuid, values):
        """Update one host of a plan (``state``, ``execution_uuid``,
        ``result``); returns it."""
