"""Capacity reservations of running drains, their lock row, and the
server group of each instance.

Revision ID: 0004_capacity
Revises: 0003_alerts
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op
from oslo_db.sqlalchemy import types as db_types

revision = '0004_capacity'
down_revision = '0003_alerts'


def upgrade():
    op.add_column(
        'host_instances',
        sa.Column('server_group', sa.String(36), nullable=True),
    )
    op.add_column(
        'host_instances',
        sa.Column('server_group_policy', sa.String(64), nullable=True),
    )
    op.create_table(
        'capacity_reservations',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('execution_uuid', sa.String(36), nullable=False),
        sa.Column('host_name', sa.String(255), nullable=False),
        sa.Column('availability_zone', sa.String(255), nullable=True),
        sa.Column('vcpus', sa.Integer(), nullable=False),
        sa.Column('memory_mb', sa.Integer(), nullable=False),
        sa.Column('disk_gb', sa.Integer(), nullable=False),
        sa.Column('instances', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('details', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint(
            'execution_uuid', name='uniq_capacity_reservations0execution'
        ),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    locks = op.create_table(
        'capacity_locks',
        sa.Column('name', sa.String(64), primary_key=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.bulk_insert(locks, [{'name': 'capacity'}])
