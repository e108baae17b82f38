"""Alerts, their history, runbooks and what runbooks did.

Revision ID: 0003_alerts
Revises: 0002_inventory
Create Date: 2026-11-21

"""

import sqlalchemy as sa
from alembic import op
from oslo_db.sqlalchemy import types as db_types

revision = '0003_alerts'
down_revision = '0002_inventory'


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=True),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def upgrade():
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('fingerprint', sa.String(64), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('source', sa.String(64), nullable=False),
        sa.Column('severity', sa.String(32), nullable=False),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('host_uuid', sa.String(36), nullable=True),
        sa.Column('host_name', sa.String(255), nullable=True),
        sa.Column('labels', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('annotations', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('first_seen', sa.DateTime(), nullable=False),
        sa.Column('last_seen', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('acknowledged_by', sa.String(255), nullable=True),
        sa.Column('silenced_until', sa.DateTime(), nullable=True),
        sa.Column('silence_reason', sa.Text(), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_alerts0uuid'),
        sa.UniqueConstraint('fingerprint', name='uniq_alerts0fingerprint'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('alerts_state_idx', 'alerts', ['state'])
    op.create_index('alerts_host_uuid_idx', 'alerts', ['host_uuid'])

    op.create_table(
        'alert_events',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('alert_id', sa.Integer(),
                  sa.ForeignKey('alerts.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('occurrence_key', sa.String(255), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('details', db_types.JsonEncodedDict(), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('alert_id', 'occurrence_key',
                            name='uniq_alert_events0occurrence'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('alert_events_alert_id_idx', 'alert_events',
                    ['alert_id'])

    op.create_table(
        'runbooks',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('match', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('threshold_count', sa.Integer(), nullable=False),
        sa.Column('threshold_window', sa.Integer(), nullable=False),
        sa.Column('cooldown', sa.Integer(), nullable=False),
        sa.Column('remediation', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('approval', sa.String(32), nullable=False),
        sa.Column('limits', db_types.JsonEncodedDict(), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_runbooks0uuid'),
        sa.UniqueConstraint('name', name='uniq_runbooks0name'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )

    op.create_table(
        'runbook_actions',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('runbook_id', sa.Integer(),
                  sa.ForeignKey('runbooks.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('alert_uuid', sa.String(36), nullable=True),
        sa.Column('host_uuid', sa.String(36), nullable=True),
        sa.Column('execution_uuid', sa.String(36), nullable=True),
        sa.Column('action', sa.String(32), nullable=False),
        sa.Column('details', db_types.JsonEncodedDict(), nullable=False),
        *_timestamps(),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('runbook_actions_runbook_id_idx', 'runbook_actions',
                    ['runbook_id'])
