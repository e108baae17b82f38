"""SQLAlchemy side of run admission and plans, mixed into
:class:`fleet.db.sqlalchemy.api.Connection`.

Admission checks the disruption budgets and admits a run in ONE
transaction under the ``admission`` lock row: of twenty runs asking at
once against a budget of two, each sees the ones admitted before it.
The rule itself (:mod:`fleet.common.budget`) is the caller's; this
module only gives it a consistent view and records its answer.
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from fleet.common import exception
from fleet.common import states
from fleet.db.sqlalchemy import base
from fleet.db.sqlalchemy import capacity as capacity_db
from fleet.db.sqlalchemy import models

LOCK_NAME = 'admission'
PLAN_FILTERS = ('state', 'name')
HOST_COLUMNS = (
    'uuid',
    'name',
    'state',
    'availability_zone',
    'cell',
    'rack',
    'region',
    'facts',
    'nova_service_status',
    'nova_service_state',
)
#: Instances are read in chunks of hosts (bound parameters per query).
_CHUNK = 500


class _AdmissionReader:
    """What the budget rule may read on demand, in the admission's own
    transaction (see ``admit_execution``'s ``check``)."""

    def __init__(self, session):
        self._session = session

    def instances(self, host_names):
        names = sorted({n for n in host_names if n})
        rows = []
        for i in range(0, len(names), _CHUNK):
            rows.extend(
                dict(row)
                for row in self._session.execute(
                    sa.select(
                        *(
                            getattr(models.HostInstance, column)
                            for column in capacity_db.INSTANCE_COLUMNS
                        )
                    ).where(
                        models.HostInstance.host.in_(names[i : i + _CHUNK])
                    )
                ).mappings()
            )
        return rows

    def plan_state(self, uuid):
        """The state of plan ``uuid``, or None if there is none."""
        return self._session.execute(
            sa.select(models.Plan.state).filter_by(uuid=uuid)
        ).scalar_one_or_none()

    def reservations(self):
        going = sa.select(models.Execution.uuid).where(
            models.Execution.state.in_(states.EXEC_ACTIVE_STATES)
        )
        return [
            r.as_dict()
            for r in self._session.execute(
                sa.select(models.CapacityReservation)
                .where(models.CapacityReservation.execution_uuid.in_(going))
                .order_by(models.CapacityReservation.id)
            ).scalars()
        ]


class PlanConnection:
    """Admission of runs under the disruption budgets; plans."""

    @base.retry
    def admit_execution(self, uuid, target_state, check):
        with base.writer() as session:
            base.lock_row(session, LOCK_NAME)
            run = session.execute(
                sa.select(models.Execution)
                .filter_by(uuid=uuid)
                .with_for_update()
            ).scalar_one_or_none()
            if run is None:
                raise exception.ExecutionNotFound(execution=uuid)
            if run.state != states.EXEC_WAITING:
                return run.as_dict(), False
            hosts = [
                dict(row)
                for row in session.execute(
                    sa.select(*(getattr(models.Host, c) for c in HOST_COLUMNS))
                    .filter_by(kind='compute')
                    .where(models.Host.state != states.HOST_RETIRED)
                ).mappings()
            ]
            admitted = [
                dict(row)
                for row in session.execute(
                    sa.select(
                        models.Execution.uuid,
                        models.Execution.host_uuid,
                        models.Execution.plan_uuid,
                        models.Execution.requested_by,
                    )
                    .where(
                        models.Execution.state.in_(states.EXEC_ADMITTED_STATES)
                    )
                    # A locking read sees the newest committed rows
                    # whatever the isolation level's snapshot.
                    .with_for_update()
                ).mappings()
            ]
            instances = [
                dict(row)
                for row in session.execute(
                    sa.select(
                        models.HostInstance.host,
                        models.HostInstance.server_group,
                        models.HostInstance.server_group_policy,
                    ).where(models.HostInstance.server_group.is_not(None))
                ).mappings()
            ]
            reason = check(
                run.as_dict(),
                hosts,
                admitted,
                instances,
                _AdmissionReader(session),
            )
            if reason is None:
                run.state = target_state
                run.waiting_reason = None
            else:
                run.waiting_reason = reason
            session.flush()
            return run.as_dict(), reason is None

    @base.retry
    def create_plan(self, values, hosts):
        with base.writer() as session:
            plan = models.Plan(**values)
            session.add(plan)
            for position, host in enumerate(hosts):
                session.add(
                    models.PlanHost(
                        plan_uuid=values['uuid'],
                        host_uuid=host['uuid'],
                        host_name=host['name'],
                        position=position,
                        state='queued',
                    )
                )
            session.flush()
            return plan.as_dict()

    def get_plan(self, uuid):
        with base.reader() as session:
            plan = session.execute(
                sa.select(models.Plan).filter_by(uuid=uuid)
            ).scalar_one_or_none()
            if plan is None:
                raise exception.PlanNotFound(plan=uuid)
            return plan.as_dict()

    def list_plans(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        return base.list_rows(
            models.Plan,
            filters,
            PLAN_FILTERS,
            limit,
            marker,
            sort_key,
            sort_dir,
            'plan',
        )

    @base.retry
    def update_plan(self, uuid, values, expected_states=None):
        with base.writer() as session:
            plan = session.execute(
                sa.select(models.Plan).filter_by(uuid=uuid).with_for_update()
            ).scalar_one_or_none()
            if plan is None:
                raise exception.PlanNotFound(plan=uuid)
            if expected_states and plan.state not in expected_states:
                raise exception.InvalidState(
                    resource='Plan',
                    id=uuid,
                    state=plan.state,
                    reason='expected one of ' + ', '.join(expected_states),
                )
            values = dict(values)
            if values.get('state') in states.PLAN_FINAL_STATES:
                values.setdefault('finished_at', timeutils.utcnow())
            plan.update(values)
            session.flush()
            return plan.as_dict()

    def list_plan_hosts(self, plan_uuid):
        with base.reader() as session:
            return [
                h.as_dict()
                for h in session.execute(
                    sa.select(models.PlanHost)
                    .filter_by(plan_uuid=plan_uuid)
                    .order_by(models.PlanHost.position)
                ).scalars()
            ]

    @base.retry
    def update_plan_host(self, plan_uuid, host_uuid, values):
        with base.writer() as session:
            row = session.execute(
                sa.select(models.PlanHost)
                .filter_by(plan_uuid=plan_uuid, host_uuid=host_uuid)
                .with_for_update()
            ).scalar_one()
            row.update(values)
            session.flush()
            return row.as_dict()
