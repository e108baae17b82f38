"""SQLAlchemy models. Schema changes go through one alembic revision each."""

from oslo_db.sqlalchemy import models
from oslo_db.sqlalchemy import types as db_types
from sqlalchemy import orm
from sqlalchemy import schema
from sqlalchemy import types
from sqlalchemy.dialects import mysql

Base = orm.declarative_base(cls=models.TimestampMixin)


class FleetBase(models.ModelBase):
    def as_dict(self):
        return {c.name: getattr(self, c.name) for c in self.__table__.columns}


class Host(Base, FleetBase):
    """A physical resource: compute, controller, switch, PDU, ..."""

    __tablename__ = 'hosts'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_hosts0uuid'),
        schema.UniqueConstraint('name', name='uniq_hosts0name'),
        schema.Index('hosts_state_idx', 'state'),
        schema.Index('hosts_kind_idx', 'kind'),
        # What the list filters and sorts on (apicontract_001).
        schema.Index('hosts_created_at_id_idx', 'created_at', 'id'),
        schema.Index('hosts_updated_at_id_idx', 'updated_at', 'id'),
        # Sort by name (0011_list_perf).
        schema.Index('hosts_name_id_idx', 'name', 'id'),
        schema.Index('hosts_region_idx', 'region'),
        schema.Index('hosts_availability_zone_idx', 'availability_zone'),
        schema.Index('hosts_cell_idx', 'cell'),
        schema.Index('hosts_rack_idx', 'rack'),
        schema.Index('hosts_source_idx', 'source'),
        schema.Index('hosts_execution_uuid_idx', 'execution_uuid'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    uuid = schema.Column(types.String(36), nullable=False)
    name = schema.Column(types.String(255), nullable=False)
    kind = schema.Column(types.String(32), nullable=False, default='compute')
    state = schema.Column(types.String(32), nullable=False, default='active')
    state_reason = schema.Column(types.Text, nullable=True)
    owner = schema.Column(types.String(255), nullable=True)
    region = schema.Column(types.String(255), nullable=True)
    cell = schema.Column(types.String(255), nullable=True)
    availability_zone = schema.Column(types.String(255), nullable=True)
    rack = schema.Column(types.String(255), nullable=True)
    hardware_id = schema.Column(types.String(255), nullable=True)
    serial = schema.Column(types.String(255), nullable=True)
    labels = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    variables = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    facts = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    metrics = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    #: Which inventory driver reported the host ("static" ones are owned
    #: by fleet and editable through the API).
    source = schema.Column(types.String(64), nullable=False, default='api')
    #: Nova binding of a compute host.
    nova_service_id = schema.Column(types.String(36), nullable=True)
    nova_service_state = schema.Column(types.String(16), nullable=True)
    nova_service_status = schema.Column(types.String(16), nullable=True)
    nova_disabled_reason = schema.Column(types.Text, nullable=True)
    #: The run that holds this host: set and cleared atomically so there is
    #: never more than one run per host.
    execution_uuid = schema.Column(types.String(36), nullable=True)


class Execution(Base, FleetBase):
    """A maintenance or remediation run."""

    __tablename__ = 'executions'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_executions0uuid'),
        schema.Index('executions_state_idx', 'state'),
        schema.Index('executions_host_uuid_idx', 'host_uuid'),
        schema.Index('executions_created_at_id_idx', 'created_at', 'id'),
        schema.Index('executions_updated_at_id_idx', 'updated_at', 'id'),
        schema.Index('executions_kind_idx', 'kind'),
        schema.Index('executions_plan_uuid_idx', 'plan_uuid'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    uuid = schema.Column(types.String(36), nullable=False)
    kind = schema.Column(types.String(64), nullable=False)
    state = schema.Column(types.String(32), nullable=False)
    host_uuid = schema.Column(types.String(36), nullable=True)
    parameters = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    progress = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    current_step = schema.Column(types.String(255), nullable=True)
    result = schema.Column(types.Text, nullable=True)
    requested_by = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    #: Conductor (CONF.host) that runs it now.
    conductor = schema.Column(types.String(255), nullable=True)
    #: TaskFlow logbook holding the persisted flow.
    logbook_uuid = schema.Column(types.String(36), nullable=True)
    cancel_requested = schema.Column(
        types.Boolean, nullable=False, default=False
    )
    started_at = schema.Column(types.DateTime, nullable=True)
    finished_at = schema.Column(types.DateTime, nullable=True)
    #: Why a ``waiting`` run is not admitted yet (the budget it exceeds).
    waiting_reason = schema.Column(types.Text, nullable=True)
    #: The plan that made this run, if any.
    plan_uuid = schema.Column(types.String(36), nullable=True)


class ExecutionEvent(Base, FleetBase):
    """One line of a run's history."""

    __tablename__ = 'execution_events'
    __table_args__ = (
        schema.Index('execution_events_execution_id_idx', 'execution_id'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    execution_id = schema.Column(
        types.Integer,
        schema.ForeignKey('executions.id', ondelete='CASCADE'),
        nullable=False,
    )
    level = schema.Column(types.String(16), nullable=False, default='info')
    step = schema.Column(types.String(255), nullable=True)
    message = schema.Column(types.Text, nullable=False)
    details = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )


class Alert(Base, FleetBase):
    """A signal about a host or service, deduplicated by fingerprint."""

    __tablename__ = 'alerts'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_alerts0uuid'),
        schema.UniqueConstraint('fingerprint', name='uniq_alerts0fingerprint'),
        schema.Index('alerts_state_idx', 'state'),
        schema.Index('alerts_host_uuid_idx', 'host_uuid'),
        schema.Index('alerts_last_seen_id_idx', 'last_seen', 'id'),
        schema.Index('alerts_first_seen_id_idx', 'first_seen', 'id'),
        schema.Index('alerts_name_idx', 'name'),
        schema.Index('alerts_severity_idx', 'severity'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    uuid = schema.Column(types.String(36), nullable=False)
    fingerprint = schema.Column(types.String(64), nullable=False)
    name = schema.Column(types.String(255), nullable=False)
    source = schema.Column(types.String(64), nullable=False)
    severity = schema.Column(types.String(32), nullable=False)
    state = schema.Column(types.String(32), nullable=False)
    host_uuid = schema.Column(types.String(36), nullable=True)
    host_name = schema.Column(types.String(255), nullable=True)
    labels = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    annotations = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    count = schema.Column(types.Integer, nullable=False, default=1)
    first_seen = schema.Column(types.DateTime, nullable=False)
    last_seen = schema.Column(types.DateTime, nullable=False)
    resolved_at = schema.Column(types.DateTime, nullable=True)
    acknowledged_by = schema.Column(types.String(255), nullable=True)
    silenced_until = schema.Column(types.DateTime, nullable=True)
    silence_reason = schema.Column(types.Text, nullable=True)


class AlertEvent(Base, FleetBase):
    """One line of an alert's history; ``occurrence`` lines are what a
    runbook's threshold counts, one per distinct ``occurrence_key``."""

    __tablename__ = 'alert_events'
    __table_args__ = (
        schema.UniqueConstraint(
            'alert_id', 'occurrence_key', name='uniq_alert_events0occurrence'
        ),
        schema.Index('alert_events_alert_id_idx', 'alert_id'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    alert_id = schema.Column(
        types.Integer,
        schema.ForeignKey('alerts.id', ondelete='CASCADE'),
        nullable=False,
    )
    kind = schema.Column(types.String(32), nullable=False)
    occurrence_key = schema.Column(types.String(255), nullable=True)
    message = schema.Column(types.Text, nullable=False)
    details = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )


class Runbook(Base, FleetBase):
    """What to do about matching alerts: data, not code."""

    __tablename__ = 'runbooks'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_runbooks0uuid'),
        schema.UniqueConstraint('name', name='uniq_runbooks0name'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    uuid = schema.Column(types.String(36), nullable=False)
    name = schema.Column(types.String(255), nullable=False)
    description = schema.Column(types.Text, nullable=True)
    enabled = schema.Column(types.Boolean, nullable=False, default=True)
    match = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    threshold_count = schema.Column(types.Integer, nullable=False, default=1)
    threshold_window = schema.Column(
        types.Integer, nullable=False, default=3600
    )
    cooldown = schema.Column(types.Integer, nullable=False, default=0)
    remediation = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    approval = schema.Column(
        types.String(32), nullable=False, default='automatic'
    )
    limits = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )


class RunbookAction(Base, FleetBase):
    """What a runbook did (or decided not to do) for an alert; the
    cooldown looks at the latest acting row of a runbook and host."""

    __tablename__ = 'runbook_actions'
    __table_args__ = (
        schema.Index('runbook_actions_runbook_id_idx', 'runbook_id'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    runbook_id = schema.Column(
        types.Integer,
        schema.ForeignKey('runbooks.id', ondelete='CASCADE'),
        nullable=False,
    )
    alert_uuid = schema.Column(types.String(36), nullable=True)
    host_uuid = schema.Column(types.String(36), nullable=True)
    execution_uuid = schema.Column(types.String(36), nullable=True)
    action = schema.Column(types.String(32), nullable=False)
    details = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )


class Place(Base, FleetBase):
    """A level of the hierarchy hosts sit in: a region, an availability
    zone, a cell or a rack, holding variables its hosts inherit.

    A host names its places through its ``region``, ``availability_zone``,
    ``cell`` and ``rack`` columns; a place is found by (kind, name).
    """

    __tablename__ = 'places'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_places0uuid'),
        schema.UniqueConstraint('kind', 'name', name='uniq_places0kind0name'),
        schema.Index('places_parent_uuid_idx', 'parent_uuid'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    uuid = schema.Column(types.String(36), nullable=False)
    name = schema.Column(types.String(255), nullable=False)
    #: region, availability_zone, cell or rack.
    kind = schema.Column(types.String(32), nullable=False)
    #: The enclosing place (a rack's cell, a cell's region), informative.
    parent_uuid = schema.Column(types.String(36), nullable=True)
    description = schema.Column(types.Text, nullable=True)
    labels = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    variables = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    source = schema.Column(types.String(64), nullable=False, default='api')


class HostInstance(Base, FleetBase):
    """An instance (Nova server) and the host it runs on, for correlation
    and capacity. Kept by the inventory sync and Nova's notifications."""

    __tablename__ = 'host_instances'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_host_instances0uuid'),
        schema.Index('host_instances_host_idx', 'host'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    uuid = schema.Column(types.String(36), nullable=False)
    name = schema.Column(types.String(255), nullable=True)
    status = schema.Column(types.String(32), nullable=True)
    task_state = schema.Column(types.String(64), nullable=True)
    #: Host name (``hosts.name``); not a foreign key: a notification may
    #: name a host before the inventory knows it.
    host = schema.Column(types.String(255), nullable=True)
    project_id = schema.Column(types.String(64), nullable=True)
    flavor = schema.Column(types.String(255), nullable=True)
    vcpus = schema.Column(types.Integer, nullable=False, default=0)
    memory_mb = schema.Column(types.Integer, nullable=False, default=0)
    disk_gb = schema.Column(types.Integer, nullable=False, default=0)
    source = schema.Column(types.String(64), nullable=False, default='api')
    #: The server group the instance belongs to, and its policy
    #: (anti-affinity, affinity, soft-...): the capacity model keeps
    #: anti-affinity members apart.
    server_group = schema.Column(types.String(36), nullable=True)
    server_group_policy = schema.Column(types.String(64), nullable=True)
    #: Emission time of the newest notification applied: an older one,
    #: delivered late, is ignored.
    notified_at = schema.Column(types.DateTime, nullable=True)


class HostHistory(Base, FleetBase):
    """One change to a host: who, when (created_at), what, why."""

    __tablename__ = 'host_history'
    __table_args__ = (schema.Index('host_history_host_uuid_idx', 'host_uuid'),)

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    host_uuid = schema.Column(types.String(36), nullable=False)
    host_name = schema.Column(types.String(255), nullable=False)
    #: create, update, delete, reserve, release, replace, ...
    action = schema.Column(types.String(64), nullable=False)
    #: api, sync, notification, execution, ...
    source = schema.Column(types.String(64), nullable=False)
    actor = schema.Column(types.String(255), nullable=True)
    request_id = schema.Column(types.String(64), nullable=True)
    reason = schema.Column(types.Text, nullable=True)
    #: {column: {'old': ..., 'new': ...}}
    changes = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )


class CapacityReservation(Base, FleetBase):
    """Room a drain took at its capacity check, until the run ends.

    ``instances`` is what it must move, {uuid: {vcpus, memory_mb,
    disk_gb, server_group, server_group_policy}}; the instances still on
    ``host_name`` are what it holds (see
    :func:`fleet.inventory.capacity.outstanding`).
    """

    __tablename__ = 'capacity_reservations'
    __table_args__ = (
        schema.UniqueConstraint(
            'execution_uuid', name='uniq_capacity_reservations0execution'
        ),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    execution_uuid = schema.Column(types.String(36), nullable=False)
    #: The host being emptied.
    host_name = schema.Column(types.String(255), nullable=False)
    availability_zone = schema.Column(types.String(255), nullable=True)
    vcpus = schema.Column(types.Integer, nullable=False, default=0)
    memory_mb = schema.Column(types.Integer, nullable=False, default=0)
    disk_gb = schema.Column(types.Integer, nullable=False, default=0)
    instances = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    #: The check's summary (destinations, skipped hosts, placement).
    details = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )


class CapacityLock(Base, FleetBase):
    """One row per lock name, locked (SELECT ... FOR UPDATE) by every
    capacity check so concurrent drains check and reserve one at a time."""

    __tablename__ = 'capacity_locks'

    name = schema.Column(types.String(64), primary_key=True)


# Audits (facts, profiles, findings): kept together at the end.


class HostFacts(Base, FleetBase):
    """The latest facts gathered of a host: what, when, how."""

    __tablename__ = 'host_facts'
    __table_args__ = (
        schema.UniqueConstraint('host_uuid', name='uniq_host_facts0host_uuid'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    host_uuid = schema.Column(types.String(36), nullable=False)
    host_name = schema.Column(types.String(255), nullable=False)
    facts = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    #: The facts drivers that gave them, in merge order.
    drivers = schema.Column(
        db_types.JsonEncodedList, nullable=False, default=list
    )
    gathered_at = schema.Column(types.DateTime, nullable=False)
    #: {driver: message} of the drivers that failed this time.
    errors = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )


class AuditProfile(Base, FleetBase):
    """A named set of rules over host facts: data, not code."""

    __tablename__ = 'audit_profiles'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_audit_profiles0uuid'),
        schema.UniqueConstraint('name', name='uniq_audit_profiles0name'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    uuid = schema.Column(types.String(36), nullable=False)
    name = schema.Column(types.String(255), nullable=False)
    description = schema.Column(types.Text, nullable=True)
    enabled = schema.Column(types.Boolean, nullable=False, default=True)
    applies_to = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    rules = schema.Column(
        db_types.JsonEncodedList, nullable=False, default=list
    )
    #: Last audit of every host against it: the ``checked_at`` of its
    #: findings when later than their own.
    audited_at = schema.Column(types.DateTime, nullable=True)
    #: Digest of the rules and scope that last whole audit checked: if
    #: they differ now, every host is checked again.
    audited_digest = schema.Column(types.String(16), nullable=True)


class AuditFinding(Base, FleetBase):
    """The latest result of one rule of one profile on one host."""

    __tablename__ = 'audit_findings'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_audit_findings0uuid'),
        schema.UniqueConstraint(
            'host_uuid',
            'profile_uuid',
            'rule',
            name='uniq_audit_findings0host_profile_rule',
        ),
        schema.Index('audit_findings_profile_idx', 'profile_uuid', 'result'),
        schema.Index('audit_findings_host_idx', 'host_uuid'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    uuid = schema.Column(types.String(36), nullable=False)
    host_uuid = schema.Column(types.String(36), nullable=False)
    host_name = schema.Column(types.String(255), nullable=False)
    profile_uuid = schema.Column(types.String(36), nullable=False)
    profile_name = schema.Column(types.String(255), nullable=False)
    rule = schema.Column(types.String(255), nullable=False)
    severity = schema.Column(types.String(32), nullable=False)
    #: pass, fail, error, notapplicable
    result = schema.Column(types.String(16), nullable=False)
    #: {'value': the fact value seen}
    evidence = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    message = schema.Column(types.Text, nullable=True)
    #: CRC of severity, message and evidence: an audit that finds the
    #: same compares digests instead of decoding every evidence.
    digest = schema.Column(types.String(16), nullable=True)
    #: When the rule was last checked, and when its result last changed.
    checked_at = schema.Column(types.DateTime, nullable=False)
    changed_at = schema.Column(types.DateTime, nullable=False)


class AuditHostResults(Base, FleetBase):
    """Every finding of one profile on one host, as one text: a line
    ``rule result digest`` a rule, in the profile's order, written with
    the findings. An audit compares it with what it found instead of
    reading the host's findings (0012_audit_host_results)."""

    __tablename__ = 'audit_host_results'
    __table_args__ = (
        schema.UniqueConstraint(
            'profile_uuid',
            'host_uuid',
            name='uniq_audit_host_results0profile_host',
        ),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    profile_uuid = schema.Column(types.String(36), nullable=False)
    host_uuid = schema.Column(types.String(36), nullable=False)
    results = schema.Column(
        types.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql'),
        nullable=False,
    )


class AuditFindingEvent(Base, FleetBase):
    """One change of result of a finding: its history."""

    __tablename__ = 'audit_finding_events'
    __table_args__ = (
        schema.Index('audit_finding_events_finding_idx', 'finding_uuid'),
        schema.Index('audit_finding_events_host_idx', 'host_uuid'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    finding_uuid = schema.Column(types.String(36), nullable=False)
    host_uuid = schema.Column(types.String(36), nullable=False)
    profile_name = schema.Column(types.String(255), nullable=False)
    rule = schema.Column(types.String(255), nullable=False)
    old_result = schema.Column(types.String(16), nullable=True)
    new_result = schema.Column(types.String(16), nullable=False)
    evidence = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    message = schema.Column(types.Text, nullable=True)


class HostMetric(Base, FleetBase):
    """The latest value of one metric of one host (a monitoring driver's
    poll of Prometheus), with the time of its sample."""

    __tablename__ = 'host_metrics'
    __table_args__ = (
        schema.UniqueConstraint(
            'host_uuid', 'name', name='uniq_host_metrics0host_uuid0name'
        ),
        # The host list's metric filters read it alone (0010_metric_indexes).
        schema.Index(
            'host_metrics_name_value_host_idx', 'name', 'value', 'host_uuid'
        ),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    host_uuid = schema.Column(
        types.String(36),
        schema.ForeignKey('hosts.uuid', ondelete='CASCADE'),
        nullable=False,
    )
    name = schema.Column(types.String(64), nullable=False)
    value = schema.Column(types.Float, nullable=False)
    unit = schema.Column(types.String(32), nullable=True)
    #: Where it came from (e.g. "prometheus").
    source = schema.Column(types.String(64), nullable=False)
    #: When the sample was taken (the source's time, not fleet's).
    sampled_at = schema.Column(types.DateTime, nullable=False)


class Plan(Base, FleetBase):
    """A rolling maintenance of many hosts: a selector, an action, a
    budget and its health gates (fleet.conductor.plans drives it)."""

    __tablename__ = 'plans'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_plans0uuid'),
        schema.Index('plans_state_idx', 'state'),
        schema.Index('plans_created_at_id_idx', 'created_at', 'id'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    uuid = schema.Column(types.String(36), nullable=False)
    name = schema.Column(types.String(255), nullable=True)
    state = schema.Column(types.String(32), nullable=False)
    state_reason = schema.Column(types.Text, nullable=True)
    selector = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    #: The per-host run's body (kind, action, action_parameters, ...).
    action = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    budget = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    #: Alert selector that pauses the plan while a match fires.
    blocking_alerts = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    max_failed_hosts = schema.Column(types.Integer, nullable=True)
    #: When the plan may start hosts: [{days, start, end, timezone}].
    windows = schema.Column(
        db_types.JsonEncodedList, nullable=False, default=list
    )
    requested_by = schema.Column(
        db_types.JsonEncodedDict, nullable=False, default=dict
    )
    finished_at = schema.Column(types.DateTime, nullable=True)


class PlanHost(Base, FleetBase):
    """One host of a plan, in its order, and the run that handles it."""

    __tablename__ = 'plan_hosts'
    __table_args__ = (
        schema.UniqueConstraint(
            'plan_uuid', 'host_uuid', name='uniq_plan_hosts0plan0host'
        ),
        schema.Index('plan_hosts_plan_uuid_idx', 'plan_uuid'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    plan_uuid = schema.Column(types.String(36), nullable=False)
    host_uuid = schema.Column(types.String(36), nullable=False)
    host_name = schema.Column(types.String(255), nullable=False)
    position = schema.Column(types.Integer, nullable=False)
    #: queued, started, succeeded, failed, cancelled, skipped.
    state = schema.Column(types.String(32), nullable=False)
    execution_uuid = schema.Column(types.String(36), nullable=True)
    result = schema.Column(types.Text, nullable=True)


class SyncState(Base, FleetBase):
    """Where a periodic sync stands, kept across restarts and changes of
    the leading conductor: the start of its last successful pass (the
    next incremental pass asks for changes since then) and of its last
    successful full pass."""

    __tablename__ = 'sync_state'
    __table_args__ = (
        schema.UniqueConstraint('name', name='uniq_sync_state0name'),
    )

    id = schema.Column(types.Integer, primary_key=True, autoincrement=True)
    #: Which sync: ``inventory``.
    name = schema.Column(types.String(64), nullable=False)
    #: Start (conductor clock, UTC) of the last successful pass, full or
    #: incremental: the high-water mark.
    synced_at = schema.Column(types.DateTime, nullable=True)
    #: Start of the last successful full pass.
    full_synced_at = schema.Column(types.DateTime, nullable=True)
