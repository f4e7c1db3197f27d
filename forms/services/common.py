"""What every write on form versions shares: the content hash validations agree to, the
compare-and-set on the version number (ETag), snapshots for the audit."""

import hashlib
import json

from forms.labels import VERSION_STATUS_LABELS
from forms.models import FormVersion, VersionStatus
from registry.labels import mark, term
from registry.problems import Conflict

AUDITED_VERSION_FIELDS = ("number", "label", "status", "valid_from", "valid_until", "change_notes", "template_kind",
                          "template_filename", "template_sha256", "content_sha256", "published_by", "withdrawn_reason")


def content_sha256(template_sha256: str | None, fields: list[dict]) -> str:
    """What both liaison bodies agree to: the template bytes and the field schema together."""
    canonical = json.dumps({"template": template_sha256, "fields": fields}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def version_snapshot(version: FormVersion) -> dict:
    snapshot = {name: getattr(version, name) for name in AUDITED_VERSION_FIELDS}
    snapshot["valid_from"] = version.valid_from.isoformat() if version.valid_from else None
    snapshot["valid_until"] = version.valid_until.isoformat() if version.valid_until else None
    snapshot["field_names"] = [f.get("name") for f in version.fields]
    return snapshot


def require_draft(version: FormVersion) -> None:
    if version.status == VersionStatus.draft:
        return
    if version.status in (VersionStatus.published, VersionStatus.superseded):
        raise Conflict(mark("version %(number)s is %(status)s and can no longer change: start a new version "
                            "(it begins as a copy of this one)"), number=version.number, status=term(VERSION_STATUS_LABELS, version.status))
    raise Conflict(mark("version %(number)s is %(status)s: only a draft can be edited; start a new version"),
                   number=version.number, status=term(VERSION_STATUS_LABELS, version.status))
