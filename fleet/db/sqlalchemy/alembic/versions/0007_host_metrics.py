"""Latest metric values per host (the prometheus monitoring driver).

Revision ID: 0007_host_metrics
Revises: 0006_audits
Create Date: 2026-11-30

"""

from alembic import op
import sqlalchemy as sa

revision = '0007_host_metrics'
down_revision = '0006_audits'


def upgrade():
    op.create_table(
        'host_metrics',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            'host_uuid',
            sa.String(36),
            sa.ForeignKey('hosts.uuid', ondelete='CASCADE'),
            nullable=False,
        ),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('unit', sa.String(32), nullable=True),
        sa.Column('source', sa.String(64), nullable=False),
        sa.Column('sampled_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint(
            'host_uuid', 'name', name='uniq_host_metrics0host_uuid0name'
        ),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index(
        'host_metrics_name_value_idx', 'host_metrics', ['name', 'value']
    )
