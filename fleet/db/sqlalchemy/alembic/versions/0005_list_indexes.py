"""Indexes on what the list endpoints filter and sort on.

Keyset paging orders by (sort key, id) and starts each page with a range
on the sort key (fleet.db.sqlalchemy.paging): an index on (key, id) makes
a page of 1,000 of 100,000 hosts an index range read instead of a sort
of the whole table. Filters get single-column indexes.

Revision ID: 0005_list_indexes
Revises: 0004_capacity
Create Date: 2026-11-30

"""

from alembic import op

revision = '0005_list_indexes'
down_revision = '0004_capacity'

#: (index name, table, columns); models.py declares the same.
INDEXES = (
    ('hosts_created_at_id_idx', 'hosts', ['created_at', 'id']),
    ('hosts_updated_at_id_idx', 'hosts', ['updated_at', 'id']),
    ('hosts_region_idx', 'hosts', ['region']),
    ('hosts_availability_zone_idx', 'hosts', ['availability_zone']),
    ('hosts_cell_idx', 'hosts', ['cell']),
    ('hosts_rack_idx', 'hosts', ['rack']),
    ('hosts_source_idx', 'hosts', ['source']),
    ('hosts_execution_uuid_idx', 'hosts', ['execution_uuid']),
    ('executions_created_at_id_idx', 'executions', ['created_at', 'id']),
    ('executions_updated_at_id_idx', 'executions', ['updated_at', 'id']),
    ('executions_kind_idx', 'executions', ['kind']),
    ('alerts_last_seen_id_idx', 'alerts', ['last_seen', 'id']),
    ('alerts_first_seen_id_idx', 'alerts', ['first_seen', 'id']),
    ('alerts_name_idx', 'alerts', ['name']),
    ('alerts_severity_idx', 'alerts', ['severity']),
    ('places_parent_uuid_idx', 'places', ['parent_uuid']),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
