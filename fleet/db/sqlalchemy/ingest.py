"""SQLAlchemy side of the notification ingest: a batch of Nova's
notifications applied in one transaction, mixed into
:class:`fleet.db.sqlalchemy.api.Connection`.

The batch is folded in memory over the rows it names, read once and
locked in uuid order (MariaDB / PostgreSQL row locks; SQLite's writer
lock, :func:`fleet.db.sqlalchemy.base.writer`), so the outcome is the
one of applying the events one by one. The instances are then written by
one bulk upsert (``INSERT ... ON DUPLICATE KEY UPDATE`` on MariaDB,
``INSERT ... ON CONFLICT DO UPDATE`` on PostgreSQL and SQLite) whose
update is guarded by ``notified_at``, so a row another conductor created
meanwhile is never overwritten with an older state.
"""

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from fleet.db.sqlalchemy import base
from fleet.db.sqlalchemy import models

#: Columns of host_instances an ingest writes (all but id and times).
INSTANCE_COLUMNS = (
    'uuid',
    'name',
    'status',
    'task_state',
    'host',
    'project_id',
    'flavor',
    'vcpus',
    'memory_mb',
    'disk_gb',
    'source',
    'server_group',
    'server_group_policy',
    'notified_at',
)
#: A first notification of an instance the inventory does not know.
NEW_INSTANCE = {
    'vcpus': 0,
    'memory_mb': 0,
    'disk_gb': 0,
    'source': 'notification',
}
#: Uuids per ``IN (...)`` of the read.
CHUNK = 500


def _is_duplicate(exc):
    # Two conductors creating the same host at once: the retry finds it.
    return isinstance(exc, db_exc.DBDuplicateEntry)


_UPSERTS = {}


def _upsert_statement(dialect):
    """The bulk upsert of host_instances for ``dialect``: insert, or
    update every column unless the row holds a newer notification (built
    once per dialect)."""
    if dialect not in _UPSERTS:
        _UPSERTS[dialect] = _build_upsert(dialect)
    return _UPSERTS[dialect]


def _build_upsert(dialect):
    table = models.HostInstance.__table__
    columns = [c for c in INSTANCE_COLUMNS if c != 'uuid'] + ['updated_at']
    stmt, new = base.upsert(dialect, table)
    newer = sa.or_(
        table.c.notified_at.is_(None),
        new.notified_at.is_(None),
        table.c.notified_at <= new.notified_at,
    )
    if dialect in ('mysql', 'mariadb'):
        # Assignments run left to right and see the columns already
        # assigned: notified_at, which the guard reads, goes last.
        columns.remove('notified_at')
        columns.append('notified_at')
        return stmt.on_duplicate_key_update(
            [(c, sa.case((newer, new[c]), else_=table.c[c])) for c in columns]
        )
    return stmt.on_conflict_do_update(
        index_elements=['uuid'],
        set_={c: new[c] for c in columns},
        where=newer,
    )


class IngestConnection:
    """Nova's notifications in batches."""

    @oslo_db_api.wrap_db_retry(
        max_retries=5,
        retry_on_deadlock=True,
        exception_checker=_is_duplicate,
    )
    def apply_notification_batch(self, events):
        uuids = sorted(
            {
                e['values']['uuid'] if e['kind'] == 'instance' else e['uuid']
                for e in events
                if e['kind'] in ('instance', 'delete')
            }
        )
        table = models.HostInstance.__table__
        with base.writer() as session:
            state, ids = {}, {}
            for start in range(0, len(uuids), CHUNK):
                query = (
                    sa.select(table)
                    .where(table.c.uuid.in_(uuids[start : start + CHUNK]))
                    .order_by(table.c.uuid)
                    .with_for_update()
                )
                for row in session.execute(query).mappings():
                    state[row['uuid']] = {c: row[c] for c in INSTANCE_COLUMNS}
                    ids[row['uuid']] = row['id']
            hosts = {}
            dirty = set()
            results = []
            for event in events:
                if event['kind'] == 'service':
                    results.append(self._fold_service(session, hosts, event))
                    continue
                results.append(_fold_instance(state, event))
                if results[-1]['outcome'] == 'applied':
                    dirty.add(
                        event['uuid']
                        if event['kind'] == 'delete'
                        else event['values']['uuid']
                    )
            now = timeutils.utcnow()
            # Deleted, and in the table before (not created and deleted
            # within the batch).
            gone = [
                ids[u] for u in sorted(dirty) if state[u] is None and u in ids
            ]
            rows = [
                dict(
                    state[u],
                    created_at=now,
                    updated_at=now if u in ids else None,
                )
                for u in sorted(dirty)
                if state[u] is not None
            ]
            if gone:
                session.execute(sa.delete(table).where(table.c.id.in_(gone)))
            if rows:
                session.execute(
                    _upsert_statement(session.get_bind().dialect.name), rows
                )
            return results

    def _fold_service(self, session, hosts, event):
        """A nova-compute's service.update on its host, as
        ``create_host`` / ``update_host`` would apply it."""
        name = event['host']
        if name not in hosts:
            hosts[name] = session.execute(
                base.host_query(session, name).with_for_update()
            ).scalar_one_or_none()
        host = hosts[name]
        if host is None:
            values = dict(event.get('create_values') or {})
            values.update(event['values'], name=name)
            values.setdefault('uuid', uuidutils.generate_uuid())
            for key in ('labels', 'variables', 'facts', 'metrics'):
                values.setdefault(key, {})
            host = models.Host()
            host.update(values)
            session.add(host)
            session.flush()
            body = host.as_dict()
            base.add_history(
                session,
                body,
                'create',
                base.changes({}, body),
                event.get('history'),
            )
            hosts[name] = host
            return {'outcome': 'applied'}
        changes = {
            k: v for k, v in event['values'].items() if getattr(host, k) != v
        }
        if not changes:
            return {'outcome': 'unchanged'}
        recorded = base.changes(host, changes)
        host.update(changes)
        session.flush()
        base.add_history(
            session, host, 'update', recorded, event.get('history')
        )
        return {'outcome': 'applied'}


def _stale(row, timestamp):
    return (
        timestamp is not None
        and row['notified_at'] is not None
        and timestamp < row['notified_at']
    )


def _fold_instance(state, event):
    """Apply one instance or delete event to ``state`` ({uuid: columns
    or None}), as ``apply_instance`` / ``delete_instance`` would."""
    timestamp = event.get('timestamp')
    if event['kind'] == 'delete':
        row = state.get(event['uuid'])
        if row is None:
            return {'outcome': 'unknown'}
        if _stale(row, timestamp):
            return {'outcome': 'stale'}
        state[event['uuid']] = None
        return {'outcome': 'applied'}
    values = event['values']
    uuid = values['uuid']
    row = state.get(uuid)
    named = event.get('unless_moved')
    if (
        named
        and row is not None
        and row['host'] is not None
        and row['host'] != named
    ):
        return {'outcome': 'moved'}
    if row is None:
        row = dict.fromkeys(INSTANCE_COLUMNS)
        row.update(NEW_INSTANCE, uuid=uuid)
        state[uuid] = row
    elif _stale(row, timestamp):
        return {'outcome': 'stale'}
    old_host = row['host']
    row.update({k: v for k, v in values.items() if k in INSTANCE_COLUMNS})
    if timestamp is not None:
        row['notified_at'] = timestamp
    result = {'outcome': 'applied'}
    if old_host != row['host']:
        result.update(old_host=old_host, new_host=row['host'])
    return result
