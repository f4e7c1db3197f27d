"""JSON API of liaison forms (thin: parse, call one service or query, shape).

Reading what is published needs no account; drafts and validated-but-unpublished versions are
shown to staff only (Permission.read_staff). Every write names its permission and, on a
version, needs If-Match with the version's ETag."""

import json
from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from sqlmodel import Session, select

from agreements.meetings.queries import decisions_affecting
from agreements.models import Instrument
from forms import services
from forms.compare import compare_fields
from forms.fields import FieldSpec
from forms.models import Form, FormVersion
from forms.queries import PUBLIC_STATUSES, FormState, find_form, form_on_date, list_forms, validations_of
from forms.schemas import (AppliedForm, ComparisonOut, FieldChange, FormCreate, FormDetail, FormSummary, PublishIn,
                           ValidationCreate, VersionCreate, VersionOut, VersionPatch, VersionSummary, WithdrawIn,
                           version_summary)
from forms.template_check import check_upload
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.documents.workers import RenderFailed
from registry.enums import Risk
from registry.labels import mark
from registry.problems import FieldError, Refused
from registry.web.actor import actor_for
from registry.web.downloads import content_disposition
from registry.web.etag import etag_for, expected_version
from registry.web.params import BadParameter, parse_choice, parse_date

READ = [requires(Permission.read_public)]
EDIT = [requires(Permission.edit_forms)]
PUBLISH = [requires(Permission.publish_forms)]
RISKS = [r.value for r in Risk] + ["applicable_legislation"]
# the multipart parser holds the body in memory: cap it here; the service applies the setting
MAX_TEMPLATE_BODY = 64 * 2**20


def form_or_404(session: Session, code: str) -> Form:
    form = find_form(session, code)
    if form is None:
        raise NotFoundException(detail=f"no liaison form {code!r}", extra={"form": code})
    return form


def sees_drafts(request: Request) -> bool:
    return current_principal(request).can(Permission.read_staff)


def visible(request: Request, version: FormVersion) -> bool:
    return version.status in PUBLIC_STATUSES or sees_drafts(request)


def version_or_404(request: Request, session: Session, form: Form, number: int) -> FormVersion:
    version = session.exec(select(FormVersion).where(FormVersion.form_id == form.id,
                                                     FormVersion.number == number)).first()
    if version is None:
        raise NotFoundException(detail=f"{form.code} has no version {number}", extra={"form": form.code})
    if not visible(request, version):
        principal = current_principal(request)
        message = f"version {number} of {form.code} is {version.status}: drafts are visible to staff only"
        if not principal.is_authenticated:
            raise NotAuthorizedException(detail=message)
        raise PermissionDeniedException(detail=message)
    return version


def version_out(request: Request, session: Session, form: Form, version: FormVersion) -> VersionOut:
    numbers = dict(session.exec(select(FormVersion.id, FormVersion.number).where(FormVersion.form_id == form.id)).all())
    decisions = decisions_affecting(session, current_principal(request), "form_version", [version.id])
    return VersionOut.build(form, version, validations_of(session, [version.id])[version.id], numbers,
                            decisions.get(version.id, []))


def version_response(request: Request, session: Session, form: Form, version: FormVersion,
                     status_code: int = 200) -> Response[VersionOut]:
    return Response(version_out(request, session, form, version), status_code=status_code,
                    headers={"ETag": etag_for(version.version)})


def form_detail(request: Request, session: Session, form: Form, on: date) -> FormDetail:
    item = form_on_date(session, form, on)
    summary = FormSummary.build(item)
    return FormDetail(**summary.model_dump(), note=form.note, source=form.source, etag=etag_for(form.version),
                      versions=[version_summary(form, v) for v in item.versions if visible(request, v)])


def instrument_id_of(session: Session, instrument: str | None, country: str | None) -> int | None:
    if not instrument:
        return None
    if instrument.isdigit():
        return int(instrument)
    if not country:
        raise BadParameter("instrument", instrument, "an instrument id, or a slug together with country=")
    found = session.exec(select(Instrument.id).where(Instrument.country_code == country.upper(),
                                                     Instrument.slug == instrument)).first()
    if found is None:
        raise NotFoundException(detail=f"no instrument {instrument!r} for {country.upper()}")
    return found


class FormApiController(Controller):
    path = "/api/forms"
    tags = ["forms"]

    @get("/", sync_to_thread=True, guards=READ, summary="Liaison forms with their state on a date (default today)")
    def list_all(self, db_session: NamedDependency[Session], country: FromQuery[str | None] = None,
                 instrument: FromQuery[str | None] = None, risk: FromQuery[str | None] = None,
                 status: FromQuery[str | None] = None, on: FromQuery[str | None] = None) -> list[FormSummary]:
        as_of = parse_date("on", on, date.today())
        items = list_forms(db_session, as_of, country=country.upper() if country else None,
                           instrument_id=instrument_id_of(db_session, instrument, country),
                           risk=parse_choice("risk", risk, RISKS), state=parse_choice("status", status, FormState.ALL))
        return [FormSummary.build(item) for item in items]

    @post("/", sync_to_thread=True, guards=EDIT, summary="Create a form (its content goes in its versions)")
    def create(self, request: Request, db_session: NamedDependency[Session], data: JSONBody[FormCreate]) -> Response[FormDetail]:
        form = services.create_form(db_session, actor_for(request), data.values())
        db_session.commit()
        return Response(form_detail(request, db_session, form, date.today()), status_code=201,
                        headers={"ETag": etag_for(form.version)})

    @get("/{code:str}", sync_to_thread=True, guards=READ,
         summary="The published version of a form in force on a date (default today), with the form")
    def applicable(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                   on: FromQuery[str | None] = None) -> AppliedForm:
        form = form_or_404(db_session, code)
        as_of = parse_date("on", on, date.today())
        item = form_on_date(db_session, form, as_of)
        version = item.applicable
        if version is None:
            published = [v for v in item.versions if v.status in PUBLIC_STATUSES]
            raise NotFoundException(
                detail=f"no published version of {form.code} applied on {as_of.isoformat()}"
                       + ("; published versions: " + ", ".join(_span(v) for v in published) if published
                          else "; none has been published yet"),
                extra={"form": form.code, "on": as_of.isoformat(), "state": item.state,
                       "versions": [version_summary(form, v).model_dump(mode="json") for v in published]})
        return AppliedForm(form=form_detail(request, db_session, form, as_of),
                           version=version_out(request, db_session, form, version))

    @get("/{code:str}/versions", sync_to_thread=True, guards=READ, summary="Versions of a form (drafts: staff only)")
    def versions(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str]) -> list[VersionSummary]:
        form = form_or_404(db_session, code)
        versions = db_session.exec(select(FormVersion).where(FormVersion.form_id == form.id)
                                   .order_by(FormVersion.number)).all()
        return [version_summary(form, v) for v in versions if visible(request, v)]

    @get("/{code:str}/versions/{number:int}", sync_to_thread=True, guards=READ, summary="One version, with its ETag")
    def version(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                number: FromPath[int]) -> Response[VersionOut]:
        form = form_or_404(db_session, code)
        return version_response(request, db_session, form, version_or_404(request, db_session, form, number))

    @get("/{code:str}/versions/{number:int}/template", sync_to_thread=True, guards=READ,
         summary="The template file of a version (DOCX or fillable PDF)")
    def template(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                 number: FromPath[int]) -> Response[bytes]:
        form = form_or_404(db_session, code)
        version = version_or_404(request, db_session, form, number)
        if not version.template_sha256:
            raise NotFoundException(detail=f"version {number} of {form.code} has no template yet")
        filename = f"{form.slug}-v{version.number}.{version.template_kind}"
        return Response(version.template_data, media_type=version.template_media_type,
                        headers={"Content-Disposition": content_disposition(filename),
                                 "ETag": f'"{version.template_sha256}"'})

    @get("/{code:str}/compare", sync_to_thread=True, guards=READ,
         summary="Fields added, removed and changed between two versions (?from=1&to=2)")
    def compare(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                from_: Annotated[int, QueryParameter(name="from")], to: FromQuery[int]) -> ComparisonOut:
        form = form_or_404(db_session, code)
        before = version_or_404(request, db_session, form, from_)
        after = version_or_404(request, db_session, form, to)
        return comparison_out(form, before, after)

    @post("/{code:str}/versions", sync_to_thread=True, guards=EDIT,
          summary="Start a new version: a draft copied from the latest (or from based_on)")
    def create_version(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                       data: JSONBody[VersionCreate]) -> Response[VersionOut]:
        form = form_or_404(db_session, code)
        version = services.create_version(db_session, actor_for(request), form, data.label, data.based_on,
                                          data.change_notes)
        db_session.commit()
        return version_response(request, db_session, form, version, status_code=201)

    @patch("/{code:str}/versions/{number:int}", sync_to_thread=True, guards=EDIT,
           summary="Edit a draft (label, notes, dates, fields); requires If-Match")
    def edit_version(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                     number: FromPath[int], data: JSONBody[VersionPatch]) -> Response[VersionOut]:
        form = form_or_404(db_session, code)
        version = version_or_404(request, db_session, form, number)
        services.update_version(db_session, actor_for(request), version, data.changes(), expected_version(request))
        db_session.commit()
        return version_response(request, db_session, form, version)

    @put("/{code:str}/versions/{number:int}/template", sync_to_thread=True, guards=EDIT,
         request_max_body_size=MAX_TEMPLATE_BODY,
         summary="Upload the template (multipart 'file': DOCX with docxtpl tags, or fillable PDF; optional 'fields': "
                 "the JSON field schema to set in the same step); requires If-Match")
    def upload_template(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                        number: FromPath[int],
                        data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> Response[VersionOut]:
        form = form_or_404(db_session, code)
        version = version_or_404(request, db_session, form, number)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise BadParameter("file", None, "a DOCX or PDF file in the multipart field 'file'")
        content = upload.file.read()
        services.upload_template(db_session, actor_for(request), version, form.partner_language,
                                 upload.filename or "", content, request.app.state.settings.max_upload_mb * 2**20,
                                 expected_version(request), fields=fields_part(data.get("fields")),
                                 checker=in_worker(request))
        db_session.commit()
        return version_response(request, db_session, form, version)

    @post("/{code:str}/versions/{number:int}/validations", sync_to_thread=True, guards=EDIT,
          summary="Record a liaison body's validation of the version's current content; requires If-Match")
    def validate(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                 number: FromPath[int], data: JSONBody[ValidationCreate]) -> Response[VersionOut]:
        form = form_or_404(db_session, code)
        version = version_or_404(request, db_session, form, number)
        services.record_validation(db_session, actor_for(request), form, version, data.values(),
                                   expected_version(request))
        db_session.commit()
        return version_response(request, db_session, form, version, status_code=201)

    @post("/{code:str}/versions/{number:int}/publish", sync_to_thread=True, guards=PUBLISH, status_code=200,
          summary="Publish a version validated by both liaison bodies, from a date; requires If-Match")
    def publish(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                number: FromPath[int], data: JSONBody[PublishIn]) -> Response[VersionOut]:
        form = form_or_404(db_session, code)
        version = version_or_404(request, db_session, form, number)
        services.publish_version(db_session, actor_for(request), form, version, data.valid_from or version.valid_from,
                                 data.valid_until or version.valid_until, expected_version(request))
        db_session.commit()
        return version_response(request, db_session, form, version)

    @post("/{code:str}/versions/{number:int}/withdraw", sync_to_thread=True, guards=PUBLISH, status_code=200,
          summary="Withdraw a version (kept for the record, never used again); requires If-Match")
    def withdraw(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                 number: FromPath[int], data: JSONBody[WithdrawIn]) -> Response[VersionOut]:
        form = form_or_404(db_session, code)
        version = version_or_404(request, db_session, form, number)
        services.withdraw_version(db_session, actor_for(request), version, data.reason, expected_version(request))
        db_session.commit()
        return version_response(request, db_session, form, version)


def in_worker(request: Request):
    """check_upload in a render worker: a hostile DOCX (regular expressions of docxtpl on crafted
    XML, deep nesting) costs a worker restart, never a server thread or its memory."""
    pool = request.app.state.render_pool

    def check(*args):
        try:
            return pool.run(check_upload, *args)
        except RenderFailed as exc:
            raise Refused([FieldError("template", mark("template refused: %(reason)s"), {"reason": str(exc)})]) from None
    return check


def fields_part(raw) -> list[dict] | None:
    """The optional multipart part 'fields': a JSON list of field specs."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, UploadFile):
        raw = raw.file.read()
    try:
        fields = json.loads(raw)
    except ValueError:
        raise BadParameter("fields", str(raw)[:100], "a JSON list of field specs") from None
    if not isinstance(fields, list) or not all(isinstance(f, dict) for f in fields):
        raise BadParameter("fields", str(raw)[:100], "a JSON list of field specs")
    return fields


def _span(version: FormVersion) -> str:
    start = version.valid_from.isoformat() if version.valid_from else "?"
    end = version.valid_until.isoformat() if version.valid_until else "…"
    return f"v{version.number} {start} to {end}"


def comparison_out(form: Form, before: FormVersion, after: FormVersion) -> ComparisonOut:
    result = compare_fields([FieldSpec.model_validate(f) for f in before.fields],
                            [FieldSpec.model_validate(f) for f in after.fields])
    return ComparisonOut(
        form_code=form.code, from_version=before.number, to_version=after.number, added=result.added,
        removed=result.removed, template_changed=before.template_sha256 != after.template_sha256,
        changed=[FieldChange(name=d.name, changes=d.changes, label_fr_changed=d.label_fr_changed,
                             label_partner_changed=d.label_partner_changed, one_language_only=d.one_language_only)
                 for d in result.changed],
        one_language_only=result.one_language_only)
