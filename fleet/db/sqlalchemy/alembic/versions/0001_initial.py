"""Hosts, executions and their events.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-21

"""

import sqlalchemy as sa
from alembic import op
from oslo_db.sqlalchemy import types as db_types

revision = '0001_initial'
down_revision = None


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=True),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def upgrade():
    op.create_table(
        'hosts',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('state_reason', sa.Text(), nullable=True),
        sa.Column('owner', sa.String(255), nullable=True),
        sa.Column('region', sa.String(255), nullable=True),
        sa.Column('cell', sa.String(255), nullable=True),
        sa.Column('availability_zone', sa.String(255), nullable=True),
        sa.Column('rack', sa.String(255), nullable=True),
        sa.Column('hardware_id', sa.String(255), nullable=True),
        sa.Column('serial', sa.String(255), nullable=True),
        sa.Column('labels', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('variables', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('facts', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('metrics', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('source', sa.String(64), nullable=False),
        sa.Column('nova_service_id', sa.String(36), nullable=True),
        sa.Column('nova_service_state', sa.String(16), nullable=True),
        sa.Column('nova_service_status', sa.String(16), nullable=True),
        sa.Column('nova_disabled_reason', sa.Text(), nullable=True),
        sa.Column('execution_uuid', sa.String(36), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_hosts0uuid'),
        sa.UniqueConstraint('name', name='uniq_hosts0name'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('hosts_state_idx', 'hosts', ['state'])
    op.create_index('hosts_kind_idx', 'hosts', ['kind'])

    op.create_table(
        'executions',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('kind', sa.String(64), nullable=False),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('host_uuid', sa.String(36), nullable=True),
        sa.Column('parameters', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('progress', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('current_step', sa.String(255), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('requested_by', db_types.JsonEncodedDict(),
                  nullable=False),
        sa.Column('conductor', sa.String(255), nullable=True),
        sa.Column('logbook_uuid', sa.String(36), nullable=True),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_executions0uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('executions_state_idx', 'executions', ['state'])
    op.create_index('executions_host_uuid_idx', 'executions', ['host_uuid'])

    op.create_table(
        'execution_events',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('execution_id', sa.Integer(),
                  sa.ForeignKey('executions.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('level', sa.String(16), nullable=False),
        sa.Column('step', sa.String(255), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('details', db_types.JsonEncodedDict(), nullable=False),
        *_timestamps(),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('execution_events_execution_id_idx', 'execution_events',
                    ['execution_id'])
