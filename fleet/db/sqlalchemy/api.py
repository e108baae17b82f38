"""SQLAlchemy implementation of :class:`fleet.db.api.Connection`."""

from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from fleet.common import exception
from fleet.db import api
from fleet.db.sqlalchemy import alerts
from fleet.db.sqlalchemy import audits
from fleet.db.sqlalchemy import base
from fleet.db.sqlalchemy import capacity
from fleet.db.sqlalchemy import ingest
from fleet.db.sqlalchemy import inventory
from fleet.db.sqlalchemy import metrics
from fleet.db.sqlalchemy import models
from fleet.db.sqlalchemy import paging
from fleet.db.sqlalchemy import plans
from fleet.db.sqlalchemy import sync

HOST_FILTERS = (
    'name',
    'kind',
    'state',
    'region',
    'cell',
    'availability_zone',
    'rack',
    'source',
    'execution_uuid',
)
EXECUTION_FILTERS = ('kind', 'state', 'host_uuid', 'conductor', 'plan_uuid')
#: Filters of list_hosts matched in Python on JSON columns: each is a
#: dict whose every key/value must match.
HOST_JSON_FILTERS = ('labels', 'variables')


def get_backend():
    """The backend is this module itself (oslo.db backend mapping)."""
    return Connection()


# The helpers live in fleet.db.sqlalchemy.base, shared with the mixins;
# the short names stay for the code of this module.
_reader = base.reader
_writer = base.writer
_retry = base.retry
_host_query = base.host_query
_paginate = paging.paginate
_apply_filters = base.apply_filters
_changes = base.changes
_add_history = base.add_history


def _match_json(row, filters):
    for column in HOST_JSON_FILTERS:
        wanted = filters.get(column)
        if not wanted:
            continue
        have = row.get(column) or {}
        for key, value in wanted.items():
            if key not in have:
                return False
            if value is not None and str(have[key]) != str(value):
                return False
    return True


def _host_values(values):
    values = dict(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    for key in ('labels', 'variables', 'facts', 'metrics'):
        values.setdefault(key, {})
    return values


class Connection(
    alerts.AlertConnection,
    inventory.InventoryConnection,
    ingest.IngestConnection,
    capacity.CapacityConnection,
    audits.AuditConnection,
    metrics.MetricsConnection,
    plans.PlanConnection,
    sync.SyncConnection,
    api.Connection,
):
    """SQLAlchemy connection."""

    # Hosts

    @_retry
    def create_host(self, values, history=None):
        values = _host_values(values)
        host = models.Host()
        host.update(values)
        try:
            with _writer() as session:
                session.add(host)
                session.flush()
                body = host.as_dict()
                _add_history(
                    session, body, 'create', _changes({}, body), history
                )
                return body
        except db_exc.DBDuplicateEntry as e:
            raise exception.HostAlreadyExists(name=values.get('name')) from e

    @_retry
    def create_hosts(self, values_list, history=None):
        rows = [_host_values(v) for v in values_list]
        if not rows:
            return 0
        now = timeutils.utcnow()
        for row in rows:
            row.setdefault('created_at', now)
        history = history or {}
        try:
            with _writer() as session:
                session.execute(sa.insert(models.Host), rows)
                session.execute(
                    sa.insert(models.HostHistory),
                    [
                        {
                            'host_uuid': r['uuid'],
                            'host_name': r['name'],
                            'action': 'create',
                            'source': history.get('source') or 'internal',
                            'actor': history.get('actor'),
                            'reason': history.get('reason'),
                            'request_id': history.get('request_id'),
                            'changes': _changes({}, r),
                            'created_at': now,
                        }
                        for r in rows
                    ],
                )
        except db_exc.DBDuplicateEntry as e:
            raise exception.HostAlreadyExists(name='(one of a batch)') from e
        return len(rows)

    def get_host(self, ident):
        with _reader() as session:
            host = session.execute(
                _host_query(session, ident)
            ).scalar_one_or_none()
            if host is None:
                raise exception.HostNotFound(host=ident)
            return host.as_dict()

    def list_hosts(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        filters = dict(filters or {})
        json_filters = {
            k: filters.pop(k) for k in HOST_JSON_FILTERS if k in filters
        }
        metric_filters = filters.pop('metrics', None)
        sort_by = metrics.host_sort(sort_key)
        with _reader() as session:
            query = _apply_filters(
                sa.select(models.Host), models.Host, filters, HOST_FILTERS
            )
            query = metrics.filter_hosts(query, metric_filters)
            if any(json_filters.values()):
                # JSON columns are text on every backend: match in Python,
                # then page over the matches.
                rows = _paginate(
                    session,
                    models.Host,
                    query,
                    None,
                    None,
                    sort_key,
                    sort_dir,
                    'host',
                    sort_by=sort_by,
                )
                rows = [r for r in rows if _match_json(r, json_filters)]
                if marker is not None:
                    uuids = [r['uuid'] for r in rows]
                    if marker not in uuids:
                        # Same error as a marker naming no host at all.
                        self.get_host(marker)
                        raise exception.InvalidMarker(
                            marker=marker, resource='host'
                        )
                    rows = rows[uuids.index(marker) + 1 :]
                return rows[:limit] if limit else rows
            return _paginate(
                session,
                models.Host,
                query,
                limit,
                marker,
                sort_key,
                sort_dir,
                'host',
                sort_by=sort_by,
            )

    @_retry
    def update_host(self, ident, values, expected_state=None, history=None):
        values = dict(values)
        values.pop('uuid', None)
        values.pop('id', None)
        try:
            with _writer() as session:
                host = session.execute(
                    _host_query(session, ident).with_for_update()
                ).scalar_one_or_none()
                if host is None:
                    raise exception.HostNotFound(host=ident)
                if expected_state and host.state != expected_state:
                    raise exception.InvalidState(
                        resource='Host',
                        id=host.name,
                        state=host.state,
                        reason=f'expected {expected_state}',
                    )
                changes = _changes(host, values)
                host.update(values)
                session.flush()
                if changes:
                    _add_history(session, host, 'update', changes, history)
                return host.as_dict()
        except db_exc.DBDuplicateEntry as e:
            raise exception.HostAlreadyExists(name=values.get('name')) from e

    @_retry
    def destroy_host(self, ident, history=None):
        with _writer() as session:
            host = session.execute(
                _host_query(session, ident).with_for_update()
            ).scalar_one_or_none()
            if host is None:
                raise exception.HostNotFound(host=ident)
            if host.execution_uuid:
                raise exception.HostBusy(
                    host=host.name, execution=host.execution_uuid
                )
            _add_history(session, host, 'delete', {}, history)
            # What audits kept of it goes with it (their history stays).
            for model in (
                models.AuditFinding,
                models.AuditHostResults,
                models.HostFacts,
            ):
                session.execute(
                    sa.delete(model).where(model.host_uuid == host.uuid)
                )
            session.delete(host)

    @_retry
    def reserve_host(self, ident, execution_uuid):
        host = self.get_host(ident)
        with _writer() as session:
            # A conditional UPDATE is atomic on every backend: of two runs
            # racing for the same host exactly one sees rowcount 1.
            result = session.execute(
                sa.update(models.Host)
                .where(models.Host.id == host['id'])
                .where(models.Host.execution_uuid.is_(None))
                .values(
                    execution_uuid=execution_uuid,
                    updated_at=timeutils.utcnow(),
                )
            )
            if result.rowcount != 1:
                current = session.execute(
                    sa.select(models.Host.execution_uuid).where(
                        models.Host.id == host['id']
                    )
                ).scalar_one()
                if current != execution_uuid:
                    raise exception.HostBusy(
                        host=host['name'], execution=current
                    )
            else:
                _add_history(
                    session,
                    host,
                    'reserve',
                    {'execution_uuid': {'old': None, 'new': execution_uuid}},
                    {'source': 'execution', 'actor': execution_uuid},
                )
        return self.get_host(host['uuid'])

    @_retry
    def release_host(self, ident, execution_uuid):
        host = self.get_host(ident)
        with _writer() as session:
            result = session.execute(
                sa.update(models.Host)
                .where(models.Host.id == host['id'])
                .where(models.Host.execution_uuid == execution_uuid)
                .values(execution_uuid=None, updated_at=timeutils.utcnow())
            )
            if result.rowcount == 1:
                _add_history(
                    session,
                    host,
                    'release',
                    {'execution_uuid': {'old': execution_uuid, 'new': None}},
                    {'source': 'execution', 'actor': execution_uuid},
                )

    # Executions

    @_retry
    def create_execution(self, values):
        values = dict(values)
        values.setdefault('uuid', uuidutils.generate_uuid())
        for key in ('parameters', 'progress', 'requested_by'):
            values.setdefault(key, {})
        values.setdefault('cancel_requested', False)
        execution = models.Execution()
        execution.update(values)
        with _writer() as session:
            session.add(execution)
            session.flush()
            return execution.as_dict()

    def _get_execution(self, session, uuid, for_update=False):
        query = sa.select(models.Execution).filter_by(uuid=uuid)
        if for_update:
            query = query.with_for_update()
        execution = session.execute(query).scalar_one_or_none()
        if execution is None:
            raise exception.ExecutionNotFound(execution=uuid)
        return execution

    def get_execution(self, uuid):
        with _reader() as session:
            return self._get_execution(session, uuid).as_dict()

    def list_executions(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        with _reader() as session:
            query = _apply_filters(
                sa.select(models.Execution),
                models.Execution,
                filters,
                EXECUTION_FILTERS,
            )
            return _paginate(
                session,
                models.Execution,
                query,
                limit,
                marker,
                sort_key,
                sort_dir,
                'execution',
            )

    @_retry
    def update_execution(self, uuid, values, expected_states=None):
        values = dict(values)
        values.pop('uuid', None)
        values.pop('id', None)
        with _writer() as session:
            execution = self._get_execution(session, uuid, for_update=True)
            if expected_states and execution.state not in expected_states:
                raise exception.InvalidState(
                    resource='Execution',
                    id=uuid,
                    state=execution.state,
                    reason='expected one of ' + ', '.join(expected_states),
                )
            execution.update(values)
            session.flush()
            return execution.as_dict()

    @_retry
    def claim_execution(
        self, uuid, expected_conductor, new_conductor, expected_states=None
    ):
        column = models.Execution.conductor
        query = sa.update(models.Execution).where(
            models.Execution.uuid == uuid
        )
        if expected_conductor is None:
            query = query.where(column.is_(None))
        else:
            query = query.where(column == expected_conductor)
        if expected_states:
            query = query.where(
                models.Execution.state.in_(list(expected_states))
            )
        with _writer() as session:
            # A conditional UPDATE, like reserve_host: of several
            # conductors racing for the run exactly one sees rowcount 1.
            result = session.execute(
                query.values(
                    conductor=new_conductor, updated_at=timeutils.utcnow()
                )
            )
            return result.rowcount == 1

    @_retry
    def add_execution_event(
        self, uuid, message, level='info', step=None, details=None
    ):
        with _writer() as session:
            execution = self._get_execution(session, uuid)
            event = models.ExecutionEvent(
                execution_id=execution.id,
                message=message,
                level=level,
                step=step,
                details=details or {},
            )
            session.add(event)
            session.flush()
            return event.as_dict()

    def list_execution_events(self, uuid):
        with _reader() as session:
            execution = self._get_execution(session, uuid)
            query = (
                sa.select(models.ExecutionEvent)
                .filter_by(execution_id=execution.id)
                .order_by(models.ExecutionEvent.id)
            )
            return [e.as_dict() for e in session.execute(query).scalars()]

    @_retry
    def update_execution_progress(self, uuid, section, key, values):
        with _writer() as session:
            execution = self._get_execution(session, uuid, for_update=True)
            progress = dict(execution.progress or {})
            part = dict(progress.get(section) or {})
            if key is None:
                part.update(values)
            else:
                part[key] = dict(part.get(key) or {}, **values)
            progress[section] = part
            # A new dict object: the JSON column sees the change.
            execution.progress = progress
            session.flush()
            return progress

    # Run lifecycle: the one write that ends a run (the caller is
    # fleet.common.executions, the owner of the run/host lifecycle).

    @_retry
    def finish_execution(
        self,
        uuid,
        values,
        expected_states,
        event=None,
        host_values=None,
        history=None,
    ):
        values = dict(values)
        values.pop('uuid', None)
        values.pop('id', None)
        with _writer() as session:
            # Lock order: the run, then its host (nothing locks the other
            # way round).
            execution = self._get_execution(session, uuid, for_update=True)
            if execution.state not in expected_states:
                raise exception.InvalidState(
                    resource='Execution',
                    id=uuid,
                    state=execution.state,
                    reason='expected one of ' + ', '.join(expected_states),
                )
            execution.update(values)
            host = None
            if execution.host_uuid:
                host = session.execute(
                    _host_query(session, execution.host_uuid).with_for_update()
                ).scalar_one_or_none()
            if host is not None:
                new = dict(host_values or {})
                if host.execution_uuid == uuid:
                    new['execution_uuid'] = None
                changes = _changes(host, new)
                if changes:
                    host.update(new)
                    _add_history(
                        session,
                        host,
                        'release' if 'execution_uuid' in changes else 'update',
                        changes,
                        history or {'source': 'execution', 'actor': uuid},
                    )
            # A run that ended holds no capacity any more: its
            # reservations go in the transaction that ends it.
            session.execute(
                sa.delete(models.CapacityReservation).filter_by(
                    execution_uuid=uuid
                )
            )
            if event:
                session.add(
                    models.ExecutionEvent(
                        execution_id=execution.id,
                        message=event['message'],
                        level=event.get('level', 'info'),
                        step=event.get('step'),
                        details=event.get('details') or {},
                    )
                )
            session.flush()
            return execution.as_dict()
