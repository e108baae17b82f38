"""Host list filters and sort on metrics: index (name, value, host_uuid).

The host list's metric filters are semi-joins ``host_uuid IN (SELECT
host_uuid FROM host_metrics WHERE name = ? AND value > ?)`` and its
metric sort an outer join on (host_uuid, name): with host_uuid in the
index the filter reads the index alone. It replaces (name, value), its
prefix.

Revision ID: 0010_metric_indexes
Revises: 0009_sync_state
Create Date: 2026-11-30

"""

from alembic import op

revision = '0010_metric_indexes'
down_revision = '0009_sync_state'


def upgrade():
    op.create_index(
        'host_metrics_name_value_host_idx',
        'host_metrics',
        ['name', 'value', 'host_uuid'],
    )
    op.drop_index('host_metrics_name_value_idx', table_name='host_metrics')
