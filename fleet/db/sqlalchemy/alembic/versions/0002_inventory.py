"""Inventory: places, host instances and host history.

Revision ID: 0002_inventory
Revises: 0001_initial
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op
from oslo_db.sqlalchemy import types as db_types

revision = '0002_inventory'
down_revision = '0001_initial'


def _timestamps():
    return [
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
    ]


def upgrade():
    op.create_table(
        'places',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('parent_uuid', sa.String(36), nullable=True),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('labels', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('variables', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('source', sa.String(64), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_places0uuid'),
        sa.UniqueConstraint('kind', 'name', name='uniq_places0kind0name'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )

    op.create_table(
        'host_instances',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('status', sa.String(32), nullable=True),
        sa.Column('task_state', sa.String(64), nullable=True),
        sa.Column('host', sa.String(255), nullable=True),
        sa.Column('project_id', sa.String(64), nullable=True),
        sa.Column('flavor', sa.String(255), nullable=True),
        sa.Column('vcpus', sa.Integer(), nullable=False),
        sa.Column('memory_mb', sa.Integer(), nullable=False),
        sa.Column('disk_gb', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(64), nullable=False),
        sa.Column('notified_at', sa.DateTime(), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_host_instances0uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('host_instances_host_idx', 'host_instances', ['host'])

    op.create_table(
        'host_history',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('host_uuid', sa.String(36), nullable=False),
        sa.Column('host_name', sa.String(255), nullable=False),
        sa.Column('action', sa.String(64), nullable=False),
        sa.Column('source', sa.String(64), nullable=False),
        sa.Column('actor', sa.String(255), nullable=True),
        sa.Column('request_id', sa.String(64), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('changes', db_types.JsonEncodedDict(), nullable=False),
        *_timestamps(),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('host_history_host_uuid_idx', 'host_history', ['host_uuid'])
