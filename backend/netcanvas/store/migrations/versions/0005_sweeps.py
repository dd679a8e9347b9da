"""sweeps: many configurations of one run request, each trial an ordinary run

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

sweeps is a new table; runs.sweep_id a plain nullable ADD COLUMN (older rows: NULL, runs of their
own) without a foreign key: SQLite would rebuild the runs table to add one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sweeps',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('owner_id', sa.String(length=32), nullable=True),
        sa.Column('request', sa.JSON(), nullable=False),
        sa.Column('trials', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('best_run_id', sa.String(length=32), nullable=True),
        sa.Column('replica', sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_sweeps_owner_id'), 'sweeps', ['owner_id'], unique=False)
    op.create_index(op.f('ix_sweeps_status'), 'sweeps', ['status'], unique=False)
    op.create_index(op.f('ix_sweeps_replica'), 'sweeps', ['replica'], unique=False)
    op.add_column('runs', sa.Column('sweep_id', sa.String(length=32), nullable=True))
    op.create_index(op.f('ix_runs_sweep_id'), 'runs', ['sweep_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_runs_sweep_id'), table_name='runs')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('sweep_id')
    op.drop_index(op.f('ix_sweeps_replica'), table_name='sweeps')
    op.drop_index(op.f('ix_sweeps_status'), table_name='sweeps')
    op.drop_index(op.f('ix_sweeps_owner_id'), table_name='sweeps')
    op.drop_table('sweeps')
