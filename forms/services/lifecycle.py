"""draft -> validated -> published -> superseded | withdrawn.

A validation records one liaison body's agreement to the version's current content. When
both bodies agreed, the version is validated; only then can it be published, from a date. Publishing
closes the version it replaces the day before (that one becomes superseded but still answers
for earlier dates)."""

from datetime import date, timedelta

from sqlmodel import Session, select

from forms.labels import VERSION_STATUS_LABELS
from forms.models import Form, FormValidation, FormVersion, Side, VersionStatus
from forms.queries import missing_sides, validations_of
from forms.services.common import version_snapshot
from registry import audit, dates
from registry.labels import mark, term
from registry.models import LiaisonBody, utcnow
from registry.problems import Conflict, FieldError, Refused
from registry.versioning import claim_version


def default_body(session: Session, form: Form, side: str) -> LiaisonBody | None:
    country = "FR" if side == Side.france else form.country_code
    return session.exec(select(LiaisonBody).where(LiaisonBody.country_code == country).order_by(LiaisonBody.id)).first()


def record_validation(session: Session, actor: audit.Actor, form: Form, version: FormVersion, values: dict,
                      expected_version: int) -> FormValidation:
    """`values`: side, validated_on; optionally body_name, liaison_body_id, meeting_ref, note."""
    if version.status != VersionStatus.draft:
        raise Conflict(mark("version %(number)s is %(status)s: validations are recorded on drafts"),
                       number=version.number, status=term(VERSION_STATUS_LABELS, version.status))
    if not version.template_sha256:
        raise Conflict(mark("version %(number)s has no template yet: a validation agrees to a template and its fields"),
                       number=version.number)
    side, validated_on = values.get("side"), values.get("validated_on")
    errors = []
    if side not in [s.value for s in Side]:
        errors.append(FieldError("side", mark("expected one of %(accepted)s"), {"accepted": "france, partner"}))
    if not isinstance(validated_on, date):
        errors.append(FieldError("validated_on", mark("a date as YYYY-MM-DD is required"), {}))
    elif not dates.in_range(validated_on):
        errors.append(dates.problem("validated_on", validated_on))
    body = _body(session, form, side, values, errors) if not errors else None
    if errors:
        raise Refused(errors)
    claim_version(session, version, expected_version)
    validation = FormValidation(
        form_version_id=version.id, side=side, liaison_body_id=body.id if body else None,
        body_name=(values.get("body_name") or (body.acronym or body.name if body else "")).strip(),
        validated_on=validated_on, meeting_ref=values.get("meeting_ref") or None, note=values.get("note") or "",
        content_sha256=version.content_sha256, recorded_by=actor.name)
    session.add(validation)
    session.flush()
    before = version_snapshot(version)
    if not missing_sides(version, validations_of(session, [version.id])[version.id]):
        version.status = VersionStatus.validated
    version.updated_at = utcnow()
    session.add(version)
    session.flush()
    audit.record(session, actor, "form_version.validate", "form_version", version.id, before=before,
                 after={**version_snapshot(version), "validation": validation.model_dump(mode="json")})
    return validation


def _body(session: Session, form: Form, side: str, values: dict, errors: list) -> LiaisonBody | None:
    if values.get("liaison_body_id"):
        body = session.get(LiaisonBody, values["liaison_body_id"])
        expected_country = "FR" if side == Side.france else form.country_code
        if body is None or body.country_code != expected_country:
            errors.append(FieldError("liaison_body_id", mark("no liaison body %(id)s for %(country)s"),
                                     {"id": values["liaison_body_id"], "country": expected_country}))
        return body
    body = default_body(session, form, side)
    if body is None and not (values.get("body_name") or "").strip():
        errors.append(FieldError("body_name", mark("no liaison body is recorded for %(country)s: name the body"),
                                 {"country": form.country_code}))
    return body


def publish_version(session: Session, actor: audit.Actor, form: Form, version: FormVersion, valid_from: date | None,
                    valid_until: date | None, expected_version: int) -> FormVersion:
    _require_validated(session, version)
    dates.refuse_out_of_range({"valid_from": valid_from, "valid_until": valid_until})  # before the day before
    if valid_from is None:
        raise Refused([FieldError("valid_from", mark("the date from which the version applies is required"), {})])
    if valid_until and valid_until < valid_from:
        raise Refused([FieldError("valid_until", mark("%(until)s is before valid_from %(start)s"),
                                  {"until": valid_until.isoformat(), "start": valid_from.isoformat()})])
    others = session.exec(select(FormVersion).where(FormVersion.form_id == form.id, FormVersion.id != version.id,
                                                    FormVersion.status == VersionStatus.published)).all()
    later = [v for v in others if v.valid_from and v.valid_from >= valid_from]
    if later:
        raise Conflict(mark("version %(number)s is already published from %(start)s, on or after %(requested)s"),
                       number=later[0].number, start=later[0].valid_from.isoformat(), requested=valid_from.isoformat())
    before = version_snapshot(version)
    claim_version(session, version, expected_version)
    for old in others:
        if old.valid_until is None or old.valid_until >= valid_from:
            _supersede(session, actor, old, valid_from - timedelta(days=1), version)
    version.status, version.valid_from, version.valid_until = VersionStatus.published, valid_from, valid_until
    version.published_at, version.published_by, version.updated_at = utcnow(), actor.name, utcnow()
    session.add(version)
    session.flush()
    audit.record(session, actor, "form_version.publish", "form_version", version.id, before=before,
                 after=version_snapshot(version), detail=f"{form.code} v{version.number} from {valid_from.isoformat()}")
    return version


def _require_validated(session: Session, version: FormVersion) -> None:
    if version.status in (VersionStatus.published, VersionStatus.superseded, VersionStatus.withdrawn):
        raise Conflict(mark("version %(number)s is already %(status)s"), number=version.number, status=term(VERSION_STATUS_LABELS, version.status))
    validations = validations_of(session, [version.id])[version.id]
    missing = missing_sides(version, validations)
    if not missing:
        return
    stale = any(v.side in missing for v in validations)
    if len(missing) == 2:
        message = mark("version %(number)s cannot be published: neither liaison body has validated it")
    elif missing == [Side.partner.value]:
        message = mark("version %(number)s cannot be published: the partner's liaison body (%(country)s) has not "
                       "validated it")
    else:
        message = mark("version %(number)s cannot be published: the French liaison body has not validated it")
    if stale:
        message = mark("version %(number)s cannot be published: a validation on record was given to content that "
                       "has changed since; both liaison bodies must validate the current content")
    raise Conflict(message, number=version.number, country=_country_of(session, version))


def _country_of(session: Session, version: FormVersion) -> str:
    form = session.get(Form, version.form_id)
    return form.country_code if form else ""


def _supersede(session: Session, actor: audit.Actor, old: FormVersion, until: date, by: FormVersion) -> None:
    """Lifecycle fields only: the content (template, fields) of a published version never changes."""
    before = version_snapshot(old)
    old.status, old.valid_until, old.version, old.updated_at = VersionStatus.superseded, until, old.version + 1, utcnow()
    session.add(old)
    audit.record(session, actor, "form_version.supersede", "form_version", old.id, before=before,
                 after=version_snapshot(old), detail=f"superseded by v{by.number}")


def withdraw_version(session: Session, actor: audit.Actor, version: FormVersion, reason: str,
                     expected_version: int) -> FormVersion:
    if version.status == VersionStatus.withdrawn:
        raise Conflict(mark("version %(number)s is already %(status)s"), number=version.number, status=term(VERSION_STATUS_LABELS, version.status))
    if not (reason or "").strip():
        raise Refused([FieldError("reason", mark("say why the version is withdrawn"), {})])
    before = version_snapshot(version)
    claim_version(session, version, expected_version)
    version.status, version.withdrawn_reason, version.updated_at = VersionStatus.withdrawn, reason.strip(), utcnow()
    session.add(version)
    session.flush()
    audit.record(session, actor, "form_version.withdraw", "form_version", version.id, before=before,
                 after=version_snapshot(version))
    return version
