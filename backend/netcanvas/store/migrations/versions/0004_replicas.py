"""replicas: which API server runs a run, so a restarting replica ends only its own runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

runs.replica is a plain nullable ADD COLUMN (older rows: NULL, ended at the next start as before);
replicas is a new table of live servers and their heartbeats.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('runs', sa.Column('replica', sa.String(length=100), nullable=True))
    op.create_index(op.f('ix_runs_replica'), 'runs', ['replica'], unique=False)
    op.create_table(
        'replicas',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('replicas')
    op.drop_index(op.f('ix_runs_replica'), table_name='runs')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('replica')
