"""SQLAlchemy side of metrics, mixed into
:class:`fleet.db.sqlalchemy.api.Connection`: the latest metric values
of each host, the host list's filters and sort on them, and the state
counts fleet-api's ``GET /metrics`` reports.
"""

import operator

import sqlalchemy as sa
from sqlalchemy import orm

from fleet.db.sqlalchemy import base
from fleet.db.sqlalchemy import models
from fleet.db.sqlalchemy import paging

#: ``sort_key`` of list_hosts that orders by a metric's value.
SORT_PREFIX = 'metric:'
#: Comparisons of the list_hosts ``metrics`` filter; None: has a value.
FILTER_OPS = {
    'gt': operator.gt,
    'gte': operator.ge,
    'lt': operator.lt,
    'lte': operator.le,
}


def host_sort(sort_key):
    """The :class:`~fleet.db.sqlalchemy.paging.SortBy` of a
    ``metric:<name>`` sort key of list_hosts, None for any other key.

    A host without a value of the metric sorts as NULL (first ascending,
    last descending), like any other NULL sort value.
    """
    if not sort_key.startswith(SORT_PREFIX):
        return None
    name = sort_key[len(SORT_PREFIX) :]
    metric = orm.aliased(models.HostMetric, name='sort_metric')

    def join(select):
        # The unique (host_uuid, name) key: at most one row a host.
        return select.outerjoin(
            metric,
            sa.and_(metric.host_uuid == models.Host.uuid, metric.name == name),
        )

    return paging.SortBy(column=metric.value, join=join)


def filter_hosts(query, wanted):
    """``query`` of hosts narrowed to those whose metrics match every
    ``(name, op, value)`` of ``wanted``.

    :param wanted: op is one of :data:`FILTER_OPS`, or None for "has a
        value of the metric" (value then ignored). A host without a
        value of the metric matches no comparison.
    """
    for name, op, value in wanted or ():
        # One semi-join a condition, served by the (name, value,
        # host_uuid) index alone.
        cond = models.HostMetric.name == name
        if op is not None:
            cond = sa.and_(
                cond, FILTER_OPS[op](models.HostMetric.value, value)
            )
        query = query.where(
            models.Host.uuid.in_(
                sa.select(models.HostMetric.host_uuid).where(cond)
            )
        )
    return query


class MetricsConnection:
    """Host metrics and state counts."""

    @base.retry
    def set_host_metrics(self, host_uuid, metrics, source):
        """Replace the latest values of ``host_uuid``'s metrics.

        :param metrics: {name: {'value', 'unit', 'sampled_at'}}; a metric
            not named keeps its previous value, an older sample than the
            one stored is ignored (a late poll).
        :returns: how many values were written.
        """
        written = 0
        with base.writer() as session:
            rows = {
                row.name: row
                for row in session.execute(
                    sa.select(models.HostMetric)
                    .filter_by(host_uuid=host_uuid)
                    .with_for_update()
                ).scalars()
            }
            for name, sample in metrics.items():
                row = rows.get(name)
                if row is None:
                    row = models.HostMetric(host_uuid=host_uuid, name=name)
                    session.add(row)
                elif row.sampled_at > sample['sampled_at']:
                    continue
                row.value = float(sample['value'])
                row.unit = sample.get('unit')
                row.source = source
                row.sampled_at = sample['sampled_at']
                written += 1
        return written

    def list_host_metrics(self, host_uuid):
        """The latest values of a host's metrics (dicts), by name."""
        with base.reader() as session:
            rows = session.execute(
                sa.select(models.HostMetric)
                .filter_by(host_uuid=host_uuid)
                .order_by(models.HostMetric.name)
            ).scalars()
            return [row.as_dict() for row in rows]

    def count_by_state(self):
        """{'hosts' | 'executions' | 'alerts': {state: count}}, counted by
        the database (three GROUP BY queries in one transaction)."""
        out = {}
        with base.reader() as session:
            for key, model in (
                ('hosts', models.Host),
                ('executions', models.Execution),
                ('alerts', models.Alert),
            ):
                rows = session.execute(
                    sa.select(model.state, sa.func.count()).group_by(
                        model.state
                    )
                )
                out[key] = {state: count for state, count in rows}
        return out
