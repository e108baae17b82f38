"""SQLAlchemy side of capacity reservations, mixed into
:class:`fleet.db.sqlalchemy.api.Connection`.

A drain checks capacity and records what it takes in ONE transaction,
under a lock row every check takes first (``capacity_locks``): of two
drains checking at once, the second sees the first one's reservation.
The check itself is the caller's (the capacity model lives above the
database layer); this module only gives it a consistent view and
records its answer.
"""

import sqlalchemy as sa

from fleet.common import states
from fleet.db.sqlalchemy import base
from fleet.db.sqlalchemy import models

LOCK_NAME = 'capacity'
RESERVATION_FILTERS = ('execution_uuid', 'host_name', 'availability_zone')
#: The instance columns a capacity check is given.
INSTANCE_COLUMNS = (
    'uuid',
    'host',
    'status',
    'vcpus',
    'memory_mb',
    'disk_gb',
    'server_group',
    'server_group_policy',
)


def _drop_finished(session, reservations):
    """The reservations of runs still going; those of runs that ended
    (and whose owner did not release them: a crash between the two) are
    deleted here, so a leak lasts until the next check only."""
    if not reservations:
        return reservations
    going = set(
        session.execute(
            sa.select(models.Execution.uuid)
            .where(
                models.Execution.uuid.in_(
                    [r['execution_uuid'] for r in reservations]
                )
            )
            .where(models.Execution.state.in_(states.EXEC_ACTIVE_STATES))
        ).scalars()
    )
    stale = [r['id'] for r in reservations if r['execution_uuid'] not in going]
    if stale:
        session.execute(
            sa.delete(models.CapacityReservation).where(
                models.CapacityReservation.id.in_(stale)
            )
        )
    return [r for r in reservations if r['execution_uuid'] in going]


class CapacityConnection:
    """Capacity reservations of running drains."""

    @base.retry
    def reserve_capacity(self, execution_uuid, host_name, check, scope=None):
        with base.writer() as session:
            base.lock_row(session, LOCK_NAME)
            # Read after the lock: on MariaDB the transaction's snapshot
            # starts at its first plain read, so this sees every
            # reservation committed before the lock was granted.
            query = sa.select(models.Host).filter_by(kind='compute')
            if scope is not None:
                # Only the zone in question: hosts in it, hosts whose zone
                # fleet does not know (Nova's may put them in it) and the
                # ones named (the source, a target).
                zone = scope.get('availability_zone')
                host = models.Host
                query = query.where(
                    sa.or_(
                        host.availability_zone.is_(None),
                        host.availability_zone == '',
                        host.availability_zone == zone,
                        host.name.in_(list(scope.get('hosts') or ())),
                    )
                )
            hosts = [h.as_dict() for h in session.execute(query).scalars()]
            others = [
                r.as_dict()
                for r in session.execute(
                    sa.select(models.CapacityReservation)
                    .where(
                        models.CapacityReservation.execution_uuid
                        != execution_uuid
                    )
                    # A locking read sees the newest committed rows
                    # whatever the isolation level's snapshot.
                    .with_for_update()
                    .order_by(models.CapacityReservation.id)
                ).scalars()
            ]
            others = _drop_finished(session, others)
            # Only what the model uses, as plain rows: ORM objects for
            # every instance of a large cloud would hold the lock ~5x
            # longer (tools/bench/capacity_bench.py).
            query = sa.select(
                *(
                    getattr(models.HostInstance, column)
                    for column in INSTANCE_COLUMNS
                )
            )
            if scope is not None:
                # The instances of those hosts, and those the other runs
                # reserved wherever they are now (moved out of the zone,
                # they no longer count against it).
                reserved = sorted(
                    {u for r in others for u in (r.get('instances') or {})}
                )
                names = [h['name'] for h in hosts]
                query = query.where(
                    sa.or_(
                        models.HostInstance.host.in_(names),
                        models.HostInstance.uuid.in_(reserved),
                    )
                )
            instances = [
                dict(row) for row in session.execute(query).mappings()
            ]
            values = check(hosts, instances, others)
            # A resumed run checks again: its new answer replaces the old.
            session.execute(
                sa.delete(models.CapacityReservation).filter_by(
                    execution_uuid=execution_uuid
                )
            )
            reservation = models.CapacityReservation(
                execution_uuid=execution_uuid,
                host_name=host_name,
                availability_zone=values.get('availability_zone'),
                vcpus=int(values.get('vcpus') or 0),
                memory_mb=int(values.get('memory_mb') or 0),
                disk_gb=int(values.get('disk_gb') or 0),
                instances=values.get('instances') or {},
                details=values.get('details') or {},
            )
            session.add(reservation)
            session.flush()
            return reservation.as_dict()

    @base.retry
    def release_reservations(self, execution_uuid):
        with base.writer() as session:
            result = session.execute(
                sa.delete(models.CapacityReservation).filter_by(
                    execution_uuid=execution_uuid
                )
            )
            return result.rowcount

    def list_reservations(self, filters=None):
        going = sa.select(models.Execution.uuid).where(
            models.Execution.state.in_(states.EXEC_ACTIVE_STATES)
        )
        with base.reader() as session:
            query = (
                base.apply_filters(
                    sa.select(models.CapacityReservation),
                    models.CapacityReservation,
                    filters,
                    RESERVATION_FILTERS,
                )
                # One its run's end did not release yet is not held.
                .where(models.CapacityReservation.execution_uuid.in_(going))
                .order_by(models.CapacityReservation.id)
            )
            return [r.as_dict() for r in session.execute(query).scalars()]
