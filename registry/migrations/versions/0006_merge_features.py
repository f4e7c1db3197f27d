"""merge the feature branches (accounts, agreements history, forms, meetings) into one line

Revision ID: 0006
Revises: 0002, 0003, 0004, 0005
"""
from collections.abc import Sequence

revision: str = "0006"
down_revision: tuple[str, ...] = ("0002", "0003", "0004", "0005")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
