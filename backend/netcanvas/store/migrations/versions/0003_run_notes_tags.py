"""runs: notes and tags (names, notes and tags are editable: PATCH /api/runs/{id})

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Plain ADD COLUMN with a server default (no batch rebuild): older rows read notes '' and tags [].
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('runs', sa.Column('notes', sa.Text(), nullable=False, server_default=''))
    op.add_column('runs', sa.Column('tags', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('tags')
        batch_op.drop_column('notes')
