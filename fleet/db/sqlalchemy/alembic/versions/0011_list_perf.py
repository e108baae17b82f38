"""An index on hosts (name, id), for the host list sorted by name.

Keyset paging orders by (sort key, id) (fleet.db.sqlalchemy.paging).
0005_list_indexes gave created_at and updated_at their (key, id) index;
the unique index on name alone does not serve ORDER BY name, id on
MariaDB: a page of GET /v1/hosts?sort_key=name read and sorted the whole
table (about 500 ms at 100,000 hosts), and about 5 ms with this index.
kind and state keep their single-column indexes: InnoDB appends the
primary key to them, and MariaDB uses that for ORDER BY kind, id.

Revision ID: 0011_list_perf
Revises: 0010_metric_indexes
Create Date: 2026-11-30

"""

from alembic import op

revision = '0011_list_perf'
down_revision = '0010_metric_indexes'


def upgrade():
    op.create_index('hosts_name_id_idx', 'hosts', ['name', 'id'])
