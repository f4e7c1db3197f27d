"""Every write on liaison forms: checks invariants, writes an audit entry in the same
transaction, never deletes. A published version's content never changes."""

from forms.services.forms import create_form
from forms.services.lifecycle import publish_version, record_validation, withdraw_version
from forms.services.versions import check_fields, create_version, update_version, upload_template

__all__ = ["check_fields", "create_form", "create_version", "publish_version", "record_validation", "update_version",
           "upload_template", "withdraw_version"]
