"""JSON API of liaison forms (thin: parse, call one service or query, shape).

Reading what is published needs no account; drafts and validated-but-unpublished versions are
shown to staff of the form's country only (read_staff within the country limits). Every write
names its permission and, on a version, needs If-Match with the version's ETag."""

from datetime import date
from typing import Annotated

from litestar import Controller, MediaType, Request, Response, get, patch, post, put
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
from forms.generation.blanks import build_blanks
from forms.listing import ListingCache, ListingQuery
from forms.models import Form, FormVersion
from forms.queries import PUBLIC_STATUSES, VERSION_LISTED, FormState, find_form, form_on_date, validations_of
from forms.schemas import (AppliedForm, ComparisonOut, FieldChange, FormCreate, FormDetail, FormSummary, PublishIn,
                           ValidationCreate, VersionCreate, VersionOut, VersionPatch, VersionSummary, WithdrawIn,
                           version_summary)
from forms.template_report import author_report
from forms.trial_render import checked_in_workers
from registry import json_limits
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.enums import Risk
from registry.problems import FieldError, Refused
from registry.web.actor import actor_for
from registry.web.downloads import content_disposition
from registry.web.etag import etag_for, expected_version
from registry.web.i18n_middleware import request_locale
from registry.web.params import BadParameter, parse_choice, parse_date, parse_paging

READ = [requires(Permission.read_public)]
EDIT = [requires(Permission.edit_forms)]
PUBLISH = [requires(Permission.publish_forms)]
RISKS = [r.value for r in Risk] + ["applicable_legislation"]
# the multipart parser holds the body in memory: cap it here; the service applies the setting
MAX_TEMPLATE_BODY = 64 * 2**20


def listing_cache(request: Request) -> ListingCache:
    state = request.app.state
    if state.get("form_listing_cache") is None:
        state["form_listing_cache"] = ListingCache(size=256)
    return state["form_listing_cache"]


def form_or_404(session: Session, code: str) -> Form:
    form = find_form(session, code)
    if form is None:
        raise NotFoundException(detail=f"no liaison form {code!r}", extra={"form": code})
    return form


def visible(request: Request, form: Form, version: FormVersion) -> bool:
    """Published versions to everyone; drafts and validated versions to staff of the form's
    country (Principal.reads_restricted_of: read_staff within the country limits)."""
    return version.status in PUBLIC_STATUSES or current_principal(request).reads_restricted_of(form.country_code)


def version_or_404(request: Request, session: Session, form: Form, number: int) -> FormVersion:
    version = session.exec(select(FormVersion).where(FormVersion.form_id == form.id,
                                                     FormVersion.number == number)).first()
    if version is None:
        raise NotFoundException(detail=f"{form.code} has no version {number}", extra={"form": form.code})
    if not visible(request, form, version):
        principal = current_principal(request)
        message = (f"version {number} of {form.code} is {version.status}: drafts are visible to staff of "
                   f"{form.country_code} only")
        if not principal.is_authenticated:
            raise NotAuthorizedException(detail=message)
        raise PermissionDeniedException(detail=message, extra={"country": form.country_code})
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
                      versions=[version_summary(form, v) for v in item.versions if visible(request, form, v)])


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

    @get("/", sync_to_thread=True, guards=READ,
         summary="Liaison forms with their state on a date (default today), a page at a time (page, per_page: "
                 "default 100, at most 500); X-Total-Count and Link headers say how many and where the others are")
    def list_all(self, request: Request, db_session: NamedDependency[Session], country: FromQuery[str | None] = None,
                 instrument: FromQuery[str | None] = None, risk: FromQuery[str | None] = None,
                 status: FromQuery[str | None] = None, on: FromQuery[str | None] = None,
                 page: FromQuery[str | None] = None, per_page: FromQuery[str | None] = None) -> Response[list[FormSummary]]:
        paging = parse_paging(page, per_page)
        query = ListingQuery(on=parse_date("on", on, date.today()), country=country.upper() if country else None,
                             instrument_id=instrument_id_of(db_session, instrument, country),
                             risk=parse_choice("risk", risk, RISKS), state=parse_choice("status", status, FormState.ALL),
                             offset=paging.offset, limit=paging.per_page)
        listed = listing_cache(request).page(db_session, query)
        return Response(listed.body, media_type=MediaType.JSON, headers=paging.headers(request, listed.total))

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
        versions = db_session.exec(select(*VERSION_LISTED).where(FormVersion.form_id == form.id)
                                   .order_by(FormVersion.number)).all()  # no template bytes, no schema
        return [version_summary(form, v) for v in versions if visible(request, form, v)]

    @get("/{code:str}/versions/{number:int}", sync_to_thread=True, guards=READ, summary="One version, with its ETag")
    def version(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                number: FromPath[int]) -> Response[VersionOut]:
        form = form_or_404(db_session, code)
        return version_response(request, db_session, form, version_or_404(request, db_session, form, number))

    # staff only: the raw template (docxtpl tags, field names) is a tool for those who maintain the
    # forms; the public and the funds download the blank form (/blank), made from it
    @get("/{code:str}/versions/{number:int}/template", sync_to_thread=True, guards=[requires(Permission.read_staff)],
         summary="The template file of a version (DOCX or fillable PDF), for staff")
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

    @post("/{code:str}/versions/{number:int}/template", sync_to_thread=True, guards=EDIT, status_code=200,
          request_max_body_size=MAX_TEMPLATE_BODY,
          summary="A template author's check (dry_run=true): per paragraph, the paths read and whether they are "
                  "declared, what is missing, unused and refused; stores and audits nothing")
    def check_template(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                       number: FromPath[int], dry_run: FromQuery[bool],
                       data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> dict:
        if not dry_run:
            raise BadParameter("dry_run", str(dry_run).lower(), "true: to store a template, PUT it")
        form = form_or_404(db_session, code)
        version = version_or_404(request, db_session, form, number)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise BadParameter("file", None, "a DOCX file in the multipart field 'file'")
        raw_fields = fields_part(data.get("fields"))
        fields = services.check_fields(version.fields if raw_fields is None else raw_fields)
        report = author_report(upload.file.read(), fields, form.partner_language,
                               request.app.state.settings.max_upload_mb * 2**20, checker=in_worker(request))
        return report.as_dict(request_locale(request))

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
        state = request.app.state  # blanks now, so that /blank never renders (forms/generation/blanks.py)
        build_blanks(db_session, form, version, state.render_pool, state.converter, actor=actor_for(request))
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
    """check_upload and trial renders in the render workers (forms/trial_render.py): a hostile
    DOCX costs a worker restart, never a server thread or its memory."""
    return checked_in_workers(request.app.state.render_pool)


def fields_part(raw) -> list[dict] | None:
    """The optional multipart part 'fields': a JSON list of field specs."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, UploadFile):
        raw = raw.file.read()
    try:
        fields = json_limits.loads(raw, "fields")
    except json_limits.JsonRefused as exc:
        if exc.message == json_limits.TOO_DEEP:
            raise Refused([FieldError("fields", exc.message, exc.params)]) from None
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
