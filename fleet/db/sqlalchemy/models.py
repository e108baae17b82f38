"""SQLAlchemy models. Schema changes go through one alembic revision each."""

from oslo_db.sqlalchemy import models
from oslo_db.sqlalchemy import types as db_types
from sqlalchemy import orm
from sqlalchemy import schema
from sqlalchemy import types

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
