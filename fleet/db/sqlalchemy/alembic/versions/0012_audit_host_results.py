"""Each host's results of a profile, in one row.

A whole audit of 10,000 hosts against 50 rules read back all 500,000
findings to compare them with what it found (about 6 s of an 11 s
re-check). One row a host and profile now holds every (rule, result,
finding digest) it recorded, written in the same transaction as the
findings: an audit compares 10,000 short texts, and reads the findings
table only for a host that has no such row yet (as after this upgrade).

Revision ID: 0012_audit_host_results
Revises: 0011_list_perf
Create Date: 2026-12-01

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0012_audit_host_results'
down_revision = '0011_list_perf'


def upgrade():
    op.create_table(
        'audit_host_results',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('profile_uuid', sa.String(36), nullable=False),
        sa.Column('host_uuid', sa.String(36), nullable=False),
        sa.Column(
            'results',
            sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql'),
            nullable=False,
        ),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint(
            'profile_uuid',
            'host_uuid',
            name='uniq_audit_host_results0profile_host',
        ),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    hosts = sa.table('hosts', sa.column('uuid', sa.String(36)))
    findings = sa.table(
        'audit_findings', sa.column('host_uuid', sa.String(36))
    )
    op.execute(
        findings.delete().where(
            ~findings.c.host_uuid.in_(sa.select(hosts.c.uuid))
        )
    )
