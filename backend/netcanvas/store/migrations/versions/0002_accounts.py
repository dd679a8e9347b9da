"""accounts: users, sessions, and an owner on graphs and runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Rows from before this revision get owner_id NULL: the first admin claims them when the server
starts in users mode (docs/security.md). owner_id has no foreign key on purpose: adding one would
make SQLite rebuild `runs`, and dropping the old table would cascade-delete run_events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('users',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id_hash')
    )
    op.create_index(op.f('ix_sessions_user_id'), 'sessions', ['user_id'], unique=False)
    # plain ADD COLUMN (no batch rebuild): nullable, no constraint, so SQLite alters in place
    op.add_column('graphs', sa.Column('owner_id', sa.String(length=32), nullable=True))
    op.create_index(op.f('ix_graphs_owner_id'), 'graphs', ['owner_id'], unique=False)
    op.add_column('runs', sa.Column('owner_id', sa.String(length=32), nullable=True))
    op.create_index(op.f('ix_runs_owner_id'), 'runs', ['owner_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_runs_owner_id'), table_name='runs')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('owner_id')
    op.drop_index(op.f('ix_graphs_owner_id'), table_name='graphs')
    with op.batch_alter_table('graphs', schema=None) as batch_op:
        batch_op.drop_column('owner_id')
    op.drop_index(op.f('ix_sessions_user_id'), table_name='sessions')
    op.drop_table('sessions')
    op.drop_table('users')
