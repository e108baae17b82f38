"""Keyset paging that never skips nor repeats a row.

Every list is ordered by ``(sort key, id)``, a total order since ``id``
is unique; NULL sorts before any value (ascending) and after every value
(descending) on every backend. A marker names the last row of the
previous page; the next page is the rows strictly after that row's
``(sort key, id)`` in that order, so rows sharing a sort value, or having
none, come exactly once. (oslo.db's ``paginate_query`` compares a NULL
marker value with ``>``/``<``, which matches nothing: paging by
``updated_at`` skipped every never-updated row.)

Usage::

    rows = paging.paginate(session, models.Host, query, limit=100,
                           marker=uuid, sort_key='updated_at',
                           sort_dir='desc', resource='host')
"""

import dataclasses
import datetime
import json
import typing

from oslo_db.sqlalchemy import types as db_types
import sqlalchemy as sa

from fleet.common import exception

SORT_DIRS = ('asc', 'desc')


@dataclasses.dataclass(frozen=True)
class SortBy:
    """A sort key that is not a column of the listed model: a column of
    an outer-joined table (e.g. a host's value of one metric), NULL for
    the rows the join finds nothing for.

    :param column: the SQL expression to order by.
    :param join: ``select -> select`` that adds the join the column
        needs to a select of the model (the page's query and the
        marker's lookup both go through it).
    """

    column: typing.Any
    join: typing.Callable


def _order(column, sort_dir, nullable, dialect):
    order = column.asc() if sort_dir == 'asc' else column.desc()
    # SQLite and MariaDB already put NULL first ascending and last
    # descending; PostgreSQL does the opposite. A bare ORDER BY keeps an
    # index usable where the backend's own order is already right.
    if nullable and dialect == 'postgresql':
        order = (
            order.nulls_first() if sort_dir == 'asc' else order.nulls_last()
        )
    return order


def _after(column, id_column, value, row_id, sort_dir, nullable):
    """The rows strictly after (value, row_id) in the list's order."""
    if column is id_column:
        return id_column > row_id if sort_dir == 'asc' else id_column < row_id
    # Each condition starts with a range on the sort column alone (>=,
    # <=), which an index on (column, id) serves; the OR that follows
    # only breaks ties within it.
    if sort_dir == 'asc':
        if value is None:
            # Among the NULLs, after row_id; then every non-NULL value.
            return sa.or_(
                sa.and_(column.is_(None), id_column > row_id),
                column.is_not(None),
            )
        return sa.and_(
            column >= value, sa.or_(column > value, id_column > row_id)
        )
    if value is None:
        return sa.and_(column.is_(None), id_column < row_id)
    if not nullable:
        return sa.and_(
            column <= value, sa.or_(column < value, id_column < row_id)
        )
    return sa.or_(
        sa.and_(column <= value, sa.or_(column < value, id_column < row_id)),
        column.is_(None),
    )


def paginate(
    session,
    model,
    query,
    limit,
    marker,
    sort_key,
    sort_dir,
    resource,
    sort_by=None,
):
    """One page of ``query``'s rows, as dicts.

    :param model: the model class; it has ``id`` and ``uuid`` columns.
    :param query: a ``select(model)`` with the list's filters applied.
    :param limit: most rows to return, or None for all.
    :param marker: uuid of the last row of the previous page, or None.
    :param sort_key: a column name of ``model``.
    :param sort_dir: ``asc`` or ``desc``.
    :param resource: the resource's name, for error messages.
    :param sort_by: a :class:`SortBy` to order by instead of the column
        ``sort_key`` (which then only names it); its values may be NULL.
    :raises: InvalidParameterValue for an unknown sort key or direction,
        InvalidMarker for a marker that names no row.
    """
    table_column = model.__table__.columns.get(sort_key)
    if table_column is None and sort_by is None:
        raise exception.InvalidParameterValue(
            err=f'Cannot sort {resource}s by {sort_key!r}.'
        )
    if sort_dir not in SORT_DIRS:
        raise exception.InvalidParameterValue(
            err=f'sort_dir must be "asc" or "desc", got {sort_dir!r}.'
        )
    id_column = model.id
    if sort_by is not None:
        column = sort_by.column
        nullable = True
        query = sort_by.join(query)
        lookup = sort_by.join(sa.select(column, id_column).select_from(model))
    else:
        column = getattr(model, sort_key)
        if sort_key == 'id':
            column = id_column
        nullable = bool(table_column.nullable) and sort_key != 'id'
        lookup = sa.select(column, id_column)
    if marker is not None:
        found = session.execute(
            lookup.where(model.uuid == marker)
        ).one_or_none()
        if found is None:
            raise exception.InvalidMarker(marker=marker, resource=resource)
        value, row_id = found
        query = query.where(
            _after(column, id_column, value, row_id, sort_dir, nullable)
        )
    dialect = session.get_bind().dialect.name
    orders = [_order(column, sort_dir, nullable, dialect)]
    sort_columns = [column]
    if column is not id_column:
        orders.append(
            id_column.asc() if sort_dir == 'asc' else id_column.desc()
        )
        sort_columns.append(id_column)
    query = query.order_by(*orders)
    if limit is not None:
        query = query.limit(limit)
    if session.get_bind().dialect.name == 'mysql':
        rows = _fetch_as_json(
            session, model.__table__, query, sort_columns, sort_dir, limit
        )
        if rows is not None:
            return rows
    # Columns, not ORM objects: a page of 1,000 hosts builds no identity
    # map nor instance state (about twice as fast); the dicts are what
    # as_dict() gives.
    query = query.with_only_columns(*model.__table__.columns)
    return [dict(row._mapping) for row in session.execute(query)]


#: Column types whose MariaDB JSON_OBJECT rendering reads back as exactly
#: what the driver gives for the column (see _json_kind).
_PLAIN = (sa.Integer, sa.String)


def _json_kind(column):
    """How a column travels in a JSON_OBJECT: 'plain' (JSON gives the
    same value), 'datetime' (a string to parse), 'json' (the stored
    document, embedded), or None (no faithful rendering: a Boolean reads
    back as 0/1, a Float may lose its ".0")."""
    col_type = column.type
    if isinstance(col_type, db_types.JsonEncodedType):
        return 'json' if not column.nullable else None
    if isinstance(col_type, sa.DateTime):
        return 'datetime'
    if isinstance(col_type, sa.Boolean) or not isinstance(col_type, _PLAIN):
        return None
    return 'plain'


def _fetch_as_json(session, table, query, sort_columns, sort_dir, limit):
    """The page's rows as dicts, built by MariaDB as JSON.

    PyMySQL decodes every column of every row in Python (a packet, a
    length, a slice, a str, a converter): for a page of 1,000 hosts of 25
    columns that was about half the request's CPU. Here each row is one
    JSON_OBJECT and the page one JSON_ARRAYAGG of them, in the page's
    order: one value to read and one C json.loads. MariaDB only: it keeps
    key order and copies embedded JSON text as is (MySQL sorts the keys
    and rewrites numbers, 1e5 as 100000.0).

    :param sort_columns: the columns ``query`` is ordered by, all in
        ``sort_dir``.
    :returns: the same dicts as the plain query gives, or None when this
        backend or table cannot be read so (then the caller does the
        plain query), or a stored JSON document MariaDB cannot parse (NaN,
        a lone surrogate escape: Python's json reads them).
    """
    if not getattr(session.get_bind().dialect, 'is_mariadb', False):
        return None
    kinds = {c.name: _json_kind(c) for c in table.columns}
    if None in kinds.values():
        return None
    args = []
    for column in table.columns:
        args.append(sa.literal_column(f"'{column.name}'"))
        if kinds[column.name] == 'json':
            args.append(sa.func.json_extract(column, '$'))
        else:
            args.append(column)
    doc = sa.func.json_object(*args)
    documents = None
    if limit is not None:
        documents = _aggregate(session, query, doc, sort_columns, sort_dir)
    if documents is None:
        # No limit (a page could outgrow a packet), an empty page, or an
        # aggregate too long: one document per row.
        documents = [
            json.loads(text)
            for (text,) in session.execute(query.with_only_columns(doc))
        ]
    dates = [n for n, k in kinds.items() if k == 'datetime']
    stored = [n for n, k in kinds.items() if k == 'json']
    parse = datetime.datetime.fromisoformat
    for row in documents:
        for name in dates:
            value = row[name]
            if value is not None:
                row[name] = parse(value)
        for name in stored:
            if row[name] is None:
                return None
    return documents


def _aggregate(session, query, doc, sort_columns, sort_dir):
    """The page as one JSON array, or None if empty or too long."""
    conn = session.connection()
    if not conn.info.get('fleet_group_concat_max_len'):
        # JSON_ARRAYAGG stops at group_concat_max_len (1 MB by default,
        # about 1,400 hosts): let it reach the largest packet the server
        # sends. Per connection, once.
        conn.exec_driver_sql(
            'SET SESSION group_concat_max_len = @@max_allowed_packet'
        )
        conn.info['fleet_group_concat_max_len'] = True
    # The page's ORDER BY terms, as columns of the derived table: the
    # aggregate orders by them (a derived table's order is not kept).
    inner = query.with_only_columns(
        doc.label('doc'),
        *[c.label(f'k{i}') for i, c in enumerate(sort_columns)],
    )
    direction = 'ASC' if sort_dir == 'asc' else 'DESC'
    keys = ', '.join(f'k{i} {direction}' for i in range(len(sort_columns)))
    outer = sa.select(
        sa.literal_column(f'JSON_ARRAYAGG(doc ORDER BY {keys})')
    ).select_from(inner.subquery('page'))
    text = session.execute(outer).scalar()
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        # Cut at group_concat_max_len (with a warning): read row by row.
        return None
