"""Plans (rolling maintenance), their hosts, the admission lock row, and
a run's waiting reason and plan.

Revision ID: 0008_plans
Revises: 0007_host_metrics
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op
from oslo_db.sqlalchemy import types as db_types

revision = '0008_plans'
down_revision = '0007_host_metrics'


def upgrade():
    op.add_column(
        'executions', sa.Column('waiting_reason', sa.Text(), nullable=True)
    )
    op.add_column(
        'executions', sa.Column('plan_uuid', sa.String(36), nullable=True)
    )
    op.create_index('executions_plan_uuid_idx', 'executions', ['plan_uuid'])
    op.create_table(
        'plans',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('state_reason', sa.Text(), nullable=True),
        sa.Column('selector', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('action', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('budget', db_types.JsonEncodedDict(), nullable=False),
        sa.Column(
            'blocking_alerts', db_types.JsonEncodedDict(), nullable=False
        ),
        sa.Column('max_failed_hosts', sa.Integer(), nullable=True),
        sa.Column('windows', db_types.JsonEncodedList(), nullable=False),
        sa.Column('requested_by', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('uuid', name='uniq_plans0uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('plans_state_idx', 'plans', ['state'])
    op.create_index('plans_created_at_id_idx', 'plans', ['created_at', 'id'])
    op.create_table(
        'plan_hosts',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('plan_uuid', sa.String(36), nullable=False),
        sa.Column('host_uuid', sa.String(36), nullable=False),
        sa.Column('host_name', sa.String(255), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('execution_uuid', sa.String(36), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint(
            'plan_uuid', 'host_uuid', name='uniq_plan_hosts0plan0host'
        ),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('plan_hosts_plan_uuid_idx', 'plan_hosts', ['plan_uuid'])
    locks = sa.table('capacity_locks', sa.column('name', sa.String(64)))
    op.bulk_insert(locks, [{'name': 'admission'}])
