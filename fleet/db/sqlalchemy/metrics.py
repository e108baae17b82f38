"""SQLAlchemy side of metrics, mixed into
:class:`fleet.db.sqlalchemy.api.Connection`: the latest metric values
of each host, and the state counts fleet-api's ``GET /metrics`` reports.
"""

import sqlalchemy as sa

from fleet.db.sqlalchemy import base
from fleet.db.sqlalchemy import models


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
