"""Versions of a form: start one (a copy of the previous), edit a draft, upload its template."""

from collections.abc import Callable
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from forms.fields import FieldSpec, parse_fields
from forms.models import Form, FormVersion
from forms.services.common import content_sha256, require_draft, version_snapshot
from forms.template_check import TemplateRefused, check_upload, match_fields, pdf_field_names
from registry import audit, blobs, dates, json_limits
from registry.labels import mark
from registry.models import utcnow
from registry.problems import FieldError, Refused
from registry.versioning import claim_version
from registry.web.downloads import safe_filename

EDITABLE = ("label", "change_notes", "valid_from", "valid_until", "fields")


def next_number(session: Session, form: Form) -> int:
    return (session.exec(select(func.max(FormVersion.number)).where(FormVersion.form_id == form.id)).one() or 0) + 1


def create_version(session: Session, actor: audit.Actor, form: Form, label: str, based_on: int | None = None,
                   change_notes: str = "") -> FormVersion:
    """A new draft. It starts as a copy of version `based_on` (default: the latest) — fields and
    template — and needs its own validations before it can be published."""
    if not label.strip():
        raise Refused([FieldError("label", mark("required"), {})])
    query = select(FormVersion).where(FormVersion.form_id == form.id)
    query = query.where(FormVersion.number == based_on) if based_on else query.order_by(FormVersion.number.desc())
    base = session.exec(query).first()
    if based_on and base is None:
        raise Refused([FieldError("based_on", mark("%(code)s has no version %(number)s"),
                                  {"code": form.code, "number": based_on})])
    version = FormVersion(form_id=form.id, number=next_number(session, form), label=label.strip(),
                          change_notes=change_notes, created_by=actor.name, based_on_id=base.id if base else None)
    if base is not None:
        version.fields = [dict(f) for f in base.fields]
        version.template_kind, version.template_filename = base.template_kind, base.template_filename
        version.template_media_type, version.template_data = base.template_media_type, base.template_data
        version.template_sha256, version.template_variables = base.template_sha256, list(base.template_variables)
    version.content_sha256 = content_sha256(version.template_sha256, version.fields)
    session.add(version)
    session.flush()
    audit.record(session, actor, "form_version.create", "form_version", version.id, after=version_snapshot(version),
                 detail=f"{form.code} v{version.number}" + (f", copy of v{base.number}" if base else ""))
    return version


def check_fields(raw: list[dict]) -> list[FieldSpec]:
    if json_limits.value_depth(raw) > json_limits.MAX_DEPTH:  # before pydantic recurses into it
        raise Refused([FieldError("fields", json_limits.TOO_DEEP, {"where": "fields", "max": json_limits.MAX_DEPTH})])
    try:
        return parse_fields(raw)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise Refused([FieldError("fields", mark("invalid field schema: %(problem)s"), {"problem": _short(exc)})]) from None


def _short(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors(include_url=False))
    return str(exc)


def update_version(session: Session, actor: audit.Actor, version: FormVersion, changes: dict,
                   expected_version: int) -> FormVersion:
    require_draft(version)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Refused([FieldError(name, mark("this field cannot be changed"), {}) for name in unknown])
    if "label" in changes and not (changes["label"] or "").strip():
        raise Refused([FieldError("label", mark("required"), {})])
    _check_dates(changes.get("valid_from", version.valid_from), changes.get("valid_until", version.valid_until))
    if "fields" in changes:
        specs = check_fields(changes["fields"])
        changes["fields"] = [s.model_dump(mode="json", exclude_defaults=True) for s in specs]
        _check_against_template(version, specs)
    before = version_snapshot(version)
    claim_version(session, version, expected_version)
    for name, value in changes.items():
        setattr(version, name, value)
    version.content_sha256 = content_sha256(version.template_sha256, version.fields)
    version.updated_at = utcnow()
    session.add(version)
    session.flush()
    audit.record(session, actor, "form_version.update", "form_version", version.id, before=before,
                 after=version_snapshot(version))
    return version


def _check_dates(valid_from: date | None, valid_until: date | None) -> None:
    dates.refuse_out_of_range({"valid_from": valid_from, "valid_until": valid_until})
    if valid_from and valid_until and valid_until < valid_from:
        raise Refused([FieldError("valid_until", mark("%(until)s is before valid_from %(start)s"),
                                  {"until": valid_until.isoformat(), "start": valid_from.isoformat()})])


def _check_against_template(version: FormVersion, specs: list[FieldSpec]) -> None:
    """New fields must still match the template already uploaded (or upload a new template)."""
    if not version.template_sha256:
        return
    if version.template_kind == "pdf":
        declared, present = set(pdf_field_names(specs)), set(version.template_variables)
        missing, extra = sorted(declared - present), sorted(present - declared)
    else:
        match = match_fields(specs, set(version.template_variables))
        missing, extra = match.missing_from_template, match.not_declared
    if missing or extra:
        raise Refused(mismatch_errors(missing, extra))


def mismatch_errors(missing: list[str], extra: list[str]) -> list[FieldError]:
    errors = []
    if extra:
        errors.append(FieldError("template", mark("in the template but not declared as fields: %(names)s"),
                                 {"names": ", ".join(extra)}))
    if missing:
        errors.append(FieldError("fields", mark("declared as fields but not in the template: %(names)s"),
                                 {"names": ", ".join(missing)}))
    return errors


def upload_template(session: Session, actor: audit.Actor, version: FormVersion, partner_language: str,
                    filename: str, data: bytes, max_bytes: int, expected_version: int,
                    fields: list[dict] | None = None, checker: Callable = check_upload) -> FormVersion:
    """Check the file completely (format, limits, sandbox, fields) before storing anything.
    `fields`, when given, replaces the field schema in the same step: a template that prints a
    new field and the declaration of that field can only change together. `checker` runs
    `check_upload`; the web layer runs it in a render worker (time and memory limits)."""
    require_draft(version)
    specs = check_fields(version.fields if fields is None else fields)
    try:
        checked = checker(filename, data, specs, partner_language, max_bytes)
    except TemplateRefused as exc:
        errors = [FieldError("template", mark("template problem: %(problem)s"), {"problem": p.as_message()})
                  for p in exc.problems]
        errors += mismatch_errors(exc.missing, exc.extra)
        raise Refused(errors or [FieldError("template", mark("template refused: %(reason)s"), {"reason": exc.reason})]) from None
    before = version_snapshot(version)
    claim_version(session, version, expected_version)
    version.template_kind, version.template_filename = checked.kind.value, safe_filename(filename, f"template.{checked.kind.value}")
    version.template_media_type, version.template_data = checked.media_type, data
    version.template_sha256, version.template_variables = blobs.sha256_hex(data), checked.variables
    if fields is not None:
        version.fields = [spec.model_dump(mode="json", exclude_defaults=True) for spec in specs]
    version.content_sha256 = content_sha256(version.template_sha256, version.fields)
    version.updated_at = utcnow()
    session.add(version)
    session.flush()
    audit.record(session, actor, "form_version.template", "form_version", version.id, before=before,
                 after=version_snapshot(version), detail=f"{len(data)} bytes")
    return version
