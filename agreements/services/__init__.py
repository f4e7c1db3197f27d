"""Every write on instruments: checks invariants, records a revision and an audit entry in the
same transaction, never deletes."""

from agreements.services.instruments import archive_instrument, create_instrument, update_instrument
from agreements.services.links import add_link
from agreements.services.texts import attach_official_text

__all__ = ["add_link", "archive_instrument", "attach_official_text", "create_instrument", "update_instrument"]
