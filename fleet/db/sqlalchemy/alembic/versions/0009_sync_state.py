"""Where the periodic inventory sync stands (its high-water mark), kept
across restarts and changes of the leading conductor.

Revision ID: 0009_sync_state
Revises: 0008_plans
Create Date: 2026-11-30

"""

from alembic import op
import sqlalchemy as sa

revision = '0009_sync_state'
# 0009 is another branch's; the coordinator chains the two at merge.
down_revision = '0008_plans'


def upgrade():
    op.create_table(
        'sync_state',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('synced_at', sa.DateTime(), nullable=True),
        sa.Column('full_synced_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('name', name='uniq_sync_state0name'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
