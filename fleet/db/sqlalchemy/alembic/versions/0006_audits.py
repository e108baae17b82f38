"""Host facts, audit profiles, findings and their history.

Revision ID: 0006_audits
Revises: 0005_list_indexes
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op
from oslo_db.sqlalchemy import types as db_types

revision = '0006_audits'
down_revision = '0005_list_indexes'


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=True),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def upgrade():
    op.create_table(
        'host_facts',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('host_uuid', sa.String(36), nullable=False),
        sa.Column('host_name', sa.String(255), nullable=False),
        sa.Column('facts', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('drivers', db_types.JsonEncodedList(), nullable=False),
        sa.Column('gathered_at', sa.DateTime(), nullable=False),
        sa.Column('errors', db_types.JsonEncodedDict(), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('host_uuid', name='uniq_host_facts0host_uuid'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_table(
        'audit_profiles',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('applies_to', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('rules', db_types.JsonEncodedList(), nullable=False),
        sa.Column('audited_at', sa.DateTime(), nullable=True),
        sa.Column('audited_digest', sa.String(16), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_audit_profiles0uuid'),
        sa.UniqueConstraint('name', name='uniq_audit_profiles0name'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_table(
        'audit_findings',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('host_uuid', sa.String(36), nullable=False),
        sa.Column('host_name', sa.String(255), nullable=False),
        sa.Column('profile_uuid', sa.String(36), nullable=False),
        sa.Column('profile_name', sa.String(255), nullable=False),
        sa.Column('rule', sa.String(255), nullable=False),
        sa.Column('severity', sa.String(32), nullable=False),
        sa.Column('result', sa.String(16), nullable=False),
        sa.Column('evidence', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('digest', sa.String(16), nullable=True),
        sa.Column('checked_at', sa.DateTime(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_audit_findings0uuid'),
        sa.UniqueConstraint(
            'host_uuid', 'profile_uuid', 'rule',
            name='uniq_audit_findings0host_profile_rule'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('audit_findings_profile_idx', 'audit_findings',
                    ['profile_uuid', 'result'])
    op.create_index('audit_findings_host_idx', 'audit_findings',
                    ['host_uuid'])
    op.create_table(
        'audit_finding_events',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('finding_uuid', sa.String(36), nullable=False),
        sa.Column('host_uuid', sa.String(36), nullable=False),
        sa.Column('profile_name', sa.String(255), nullable=False),
        sa.Column('rule', sa.String(255), nullable=False),
        sa.Column('old_result', sa.String(16), nullable=True),
        sa.Column('new_result', sa.String(16), nullable=False),
        sa.Column('evidence', db_types.JsonEncodedDict(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        *_timestamps(),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('audit_finding_events_finding_idx',
                    'audit_finding_events', ['finding_uuid'])
    op.create_index('audit_finding_events_host_idx',
                    'audit_finding_events', ['host_uuid'])
