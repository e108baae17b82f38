"""SQLAlchemy side of the paged inventory sync, mixed into
:class:`fleet.db.sqlalchemy.api.Connection`: the sync's high-water mark,
instances written one page per transaction, and the sweep that forgets
what a full sync no longer saw.

Nothing here loads the whole instance table at once: a page reads only
the rows of its own uuids, and the sweep walks the table by id in
chunks, so the conductor's memory does not grow with the cloud.
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from fleet.db.sqlalchemy import base
from fleet.db.sqlalchemy import models

#: Instance columns a sync writes.
SYNCED_COLUMNS = (
    'name',
    'status',
    'task_state',
    'host',
    'project_id',
    'flavor',
    'vcpus',
    'memory_mb',
    'disk_gb',
    'server_group',
    'server_group_policy',
    'source',
)
#: Rows per IN (...) list and per sweep chunk.
CHUNK = 1000
SWEEP_CHUNK = 5000


def _in_chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SyncConnection:
    """The inventory sync's state and its paged instance writes."""

    def list_host_columns(self, columns=None, filters=None):
        table = models.Host.__table__
        cols = [table.c[c] for c in columns] if columns else [table]
        query = sa.select(*cols).order_by(table.c.id)
        for key, value in (filters or {}).items():
            if isinstance(value, (list, tuple, set)):
                query = query.where(table.c[key].in_(list(value)))
            else:
                query = query.where(table.c[key] == value)
        with base.reader() as session:
            return [dict(r._mapping) for r in session.execute(query)]

    def get_sync_state(self, name):
        with base.reader() as session:
            row = session.execute(
                sa.select(models.SyncState).filter_by(name=name)
            ).scalar_one_or_none()
            return row.as_dict() if row is not None else None

    @base.retry
    def set_sync_state(self, name, synced_at, full=False):
        with base.writer() as session:
            row = session.execute(
                sa.select(models.SyncState)
                .filter_by(name=name)
                .with_for_update()
            ).scalar_one_or_none()
            if row is None:
                row = models.SyncState(name=name)
                session.add(row)
            row.synced_at = synced_at
            if full:
                row.full_synced_at = synced_at
            session.flush()
            return row.as_dict()

    @base.retry
    def write_instances(self, reported, deleted=()):
        counts = {'created': 0, 'updated': 0, 'deleted': 0}
        deleted = [u for u in deleted if u not in reported]
        if not reported and not deleted:
            return counts
        now = timeutils.utcnow()
        inst = models.HostInstance
        table = inst.__table__
        with base.writer() as session:
            current = {}
            for chunk in _in_chunks(list(reported)):
                for row in session.execute(
                    sa.select(
                        inst.id,
                        inst.uuid,
                        *(getattr(inst, c) for c in SYNCED_COLUMNS),
                    ).where(inst.uuid.in_(chunk))
                ):
                    current[row.uuid] = row
            inserts, updates = [], []
            for uuid, values in reported.items():
                values = {k: values[k] for k in SYNCED_COLUMNS if k in values}
                for key in ('vcpus', 'memory_mb', 'disk_gb'):
                    values[key] = int(values.get(key) or 0)
                row = current.get(uuid)
                if row is None:
                    inserts.append(dict(values, uuid=uuid, created_at=now))
                elif any(getattr(row, k) != v for k, v in values.items()):
                    updates.append(dict(values, id=row.id, updated_at=now))
            # Core statements, executemany: the ORM's bulk paths cost
            # more per row than the database does.
            if inserts:
                for key in SYNCED_COLUMNS:
                    for row in inserts:
                        row.setdefault(key, None)
                session.execute(table.insert(), inserts)
            if updates:
                # Bound names may not be column names in a SET clause.
                by_keys = {}
                for row in updates:
                    bound = {f'v_{k}': v for k, v in row.items()}
                    by_keys.setdefault(tuple(sorted(row)), []).append(bound)
                for keys, rows in by_keys.items():
                    session.execute(
                        table.update()
                        .where(table.c.id == sa.bindparam('v_id'))
                        .values(
                            {
                                k: sa.bindparam(f'v_{k}')
                                for k in keys
                                if k != 'id'
                            }
                        ),
                        rows,
                    )
            gone = 0
            for chunk in _in_chunks(deleted):
                gone += session.execute(
                    sa.delete(inst).where(inst.uuid.in_(chunk))
                ).rowcount
            counts.update(
                created=len(inserts), updated=len(updates), deleted=gone
            )
        return counts

    def prune_instances(self, keep, sources):
        if not sources:
            return 0
        inst = models.HostInstance
        last_id, deleted = 0, 0
        while True:
            with base.reader() as session:
                rows = session.execute(
                    sa.select(inst.id, inst.uuid)
                    .where(inst.id > last_id)
                    .where(inst.source.in_(list(sources)))
                    .order_by(inst.id)
                    .limit(SWEEP_CHUNK)
                ).all()
            if not rows:
                return deleted
            last_id = rows[-1].id
            gone = [r.id for r in rows if r.uuid not in keep]
            if gone:
                deleted += self._delete_instance_ids(gone)

    @base.retry
    def _delete_instance_ids(self, ids):
        deleted = 0
        with base.writer() as session:
            for chunk in _in_chunks(ids):
                deleted += session.execute(
                    sa.delete(models.HostInstance).where(
                        models.HostInstance.id.in_(chunk)
                    )
                ).rowcount
        return deleted
