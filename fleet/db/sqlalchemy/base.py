"""What the parts of the SQLAlchemy connection share: the transaction
context and the query helpers.

:mod:`fleet.db.sqlalchemy.api` (hosts, executions) and the mixins it is
made of (:mod:`~fleet.db.sqlalchemy.inventory`,
:mod:`~fleet.db.sqlalchemy.alerts`, :mod:`~fleet.db.sqlalchemy.capacity`)
all import this module and none of them imports another, so the package
has no import cycle.

Usage::

    from fleet.db.sqlalchemy import base

    with base.writer() as session:
        host = session.execute(
            base.host_query(session, 'cmp-1').with_for_update()
        ).scalar_one()
"""

import contextlib
import threading

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy import pool as sa_pool
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from fleet.common import exception
from fleet.db.sqlalchemy import models
from fleet.db.sqlalchemy import paging

_CONTEXT = threading.local()
# SQLite takes its write lock only at a transaction's first write: two
# threads that both read, then both write, deadlock ("database is locked")
# at once instead of waiting. One writing transaction at a time per process
# avoids that, and makes SELECT ... FOR UPDATE (which SQLite ignores) hold
# within the process. MariaDB / PostgreSQL use their row locks instead.
_SQLITE_WRITE_LOCK = threading.RLock()

#: Columns whose change is not worth a history line.
UNTRACKED = ('id', 'created_at', 'updated_at', 'metrics')


def _sqlite_lock(reading):
    """``_SQLITE_WRITE_LOCK`` where a transaction needs it: every writing
    one on SQLite; a reading one too where the engine has a single
    connection for every thread (an in-memory database: oslo.db gives it
    a StaticPool), on which two threads' transactions would interleave
    ("cannot start a transaction within a transaction")."""
    engine = enginefacade.writer.get_engine()
    if engine.dialect.name != 'sqlite':
        return contextlib.nullcontext()
    if reading and not isinstance(engine.pool, sa_pool.StaticPool):
        return contextlib.nullcontext()
    return _SQLITE_WRITE_LOCK


@contextlib.contextmanager
def reader():
    """A reading transaction (context manager yielding the session)."""
    with _sqlite_lock(True), enginefacade.reader.using(_CONTEXT) as session:
        yield session


@contextlib.contextmanager
def writer():
    """A writing transaction (context manager yielding the session);
    serialised within the process on SQLite (see ``_SQLITE_WRITE_LOCK``)."""
    with _sqlite_lock(False), enginefacade.writer.using(_CONTEXT) as session:
        yield session


def retry(f):
    """Retry ``f`` on a database deadlock (a writing method's decorator)."""
    return oslo_db_api.retry_on_deadlock(f)


def named_query(model, ident):
    """SELECT of the ``model`` row named by uuid or name ``ident``."""
    query = sa.select(model)
    if uuidutils.is_uuid_like(ident):
        return query.filter_by(uuid=ident)
    return query.filter_by(name=ident)


def host_query(session, ident):
    """SELECT of the host named by uuid or name ``ident``."""
    return named_query(models.Host, ident)


#: One page of a list, keyed on (sort key, id) so that NULLs and ties
#: neither skip nor repeat rows: :func:`fleet.db.sqlalchemy.paging.paginate`.
paginate = paging.paginate


def list_rows(
    model, filters, allowed, limit, marker, sort_key, sort_dir, what
):
    """One page of ``model`` rows matching ``filters`` (each in
    ``allowed``), as dicts: the list of every simple collection.

    :param what: the resource's name, for a marker that is not found.
    """
    with reader() as session:
        query = apply_filters(sa.select(model), model, filters, allowed)
        return paginate(
            session, model, query, limit, marker, sort_key, sort_dir, what
        )


class NamedRows:
    """Create, read, change and delete the rows of a table of documents
    that have a unique name (runbooks, audit profiles), with the
    resource's own not-found and already-exists errors.

    :param model: the table's model.
    :param not_found: ``ident -> exception``.
    :param already_exists: ``name -> exception``.
    """

    def __init__(self, model, not_found, already_exists):
        self.model = model
        self.not_found = not_found
        self.already_exists = already_exists

    def one(self, session, ident, for_update=False):
        """The row ``ident`` (uuid or name) names.

        :raises: the resource's not-found error.
        """
        query = named_query(self.model, ident)
        if for_update:
            query = query.with_for_update()
        row = session.execute(query).scalar_one_or_none()
        if row is None:
            raise self.not_found(ident)
        return row

    @contextlib.contextmanager
    def _unique(self, values):
        try:
            yield
        except db_exc.DBDuplicateEntry as e:
            raise self.already_exists(values.get('name')) from e

    def create(self, values):
        values = dict(values)
        values.setdefault('uuid', uuidutils.generate_uuid())
        row = self.model()
        row.update(values)
        with self._unique(values), writer() as session:
            session.add(row)
            session.flush()
            return row.as_dict()

    def get(self, ident):
        with reader() as session:
            return self.one(session, ident).as_dict()

    def update(self, ident, values):
        values = {k: v for k, v in values.items() if k not in ('uuid', 'id')}
        with self._unique(values), writer() as session:
            row = self.one(session, ident, for_update=True)
            row.update(values)
            session.flush()
            return row.as_dict()


def apply_filters(query, model, filters, allowed):
    """``query`` narrowed by ``filters`` (a list value matches any).

    :raises: InvalidParameterValue for a filter not in ``allowed``.
    """
    for key, value in (filters or {}).items():
        if key not in allowed:
            raise exception.InvalidParameterValue(
                err=f'Unknown filter {key!r}; allowed: {", ".join(allowed)}.'
            )
        if isinstance(value, (list, tuple, set)):
            query = query.where(getattr(model, key).in_(list(value)))
        else:
            query = query.where(getattr(model, key) == value)
    return query


def changes(host, values):
    """{column: {'old', 'new'}} of what ``values`` changes on ``host``."""
    found = {}
    for key, new in values.items():
        if key in UNTRACKED:
            continue
        old = (
            getattr(host, key, None)
            if not isinstance(host, dict)
            else (host.get(key))
        )
        if old != new:
            found[key] = {'old': old, 'new': new}
    return found


def add_history(session, host, action, changes, history):
    """Record one change of ``host`` in the session's transaction.

    :param history: who and why: ``source`` (api, sync, notification,
        execution, ...), ``actor``, ``reason``, ``request_id``.
    """
    history = history or {}
    session.add(
        models.HostHistory(
            host_uuid=host['uuid'] if isinstance(host, dict) else host.uuid,
            host_name=host['name'] if isinstance(host, dict) else host.name,
            action=action,
            source=history.get('source') or 'internal',
            actor=history.get('actor'),
            request_id=history.get('request_id'),
            reason=history.get('reason'),
            changes=changes,
        )
    )


def lock_row(session, name):
    """Take the lock row ``name`` for the rest of the transaction.

    SQLite has no row locks: there, the process-wide writer lock of
    :func:`fleet.db.sqlalchemy.base.writer` already serialises writing
    transactions (and a file database's own write lock, other processes).
    """
    query = (
        sa.select(models.CapacityLock).filter_by(name=name).with_for_update()
    )
    if session.execute(query).scalar_one_or_none() is None:
        # A database created without the migration's row: add it. A
        # racing twin's duplicate is fine, then lock it.
        try:
            with session.begin_nested():
                session.add(models.CapacityLock(name=name))
        except db_exc.DBDuplicateEntry:
            pass
        session.execute(query).scalar_one()


def upsert(dialect, table):
    """``(INSERT of table in dialect's own form, the proposed row)``: the
    statement takes ``.on_duplicate_key_update`` (MariaDB/MySQL, where the
    proposed row is ``stmt.inserted``) or ``.on_conflict_do_update``
    (PostgreSQL, SQLite: ``stmt.excluded``), for bulk upserts.

    :raises: NotImplementedError for another dialect.
    """
    if dialect in ('mysql', 'mariadb'):
        stmt = mysql.insert(table)
        return stmt, stmt.inserted
    if dialect in ('postgresql', 'sqlite'):
        stmt = (postgresql if dialect == 'postgresql' else sqlite).insert(
            table
        )
        return stmt, stmt.excluded
    raise NotImplementedError(f'No bulk upsert for {dialect}.')
