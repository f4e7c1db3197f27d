"""HTML forms for legal staff: create and edit an instrument, attach an official text, link
instruments, import a file with a dry run. Refusals re-show the form with an error per field,
in the page's language, and keep what was typed."""

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import ValidationError
from sqlmodel import Session, select

from agreements import exchange, services
from agreements.history_api import UPLOAD_BODY_LIMIT
from agreements.labels import KIND_LABELS, LINK_LABELS
from agreements.models import Instrument
from agreements.pages import instrument_by_slug_or_404
from agreements.schemas import InstrumentCreate, InstrumentPatch
from agreements.services.revisions import snapshot
from registry import i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.csv_files import CsvRefused
from registry.labels import CONFIDENCE_LABELS, RISK_LABELS, Message, mark
from registry.models import Country
from registry.problems import Conflict, FieldError, Refused, StaleVersion
from registry.web.actor import actor_for
from registry.web.i18n_middleware import request_locale

EDIT = [requires(Permission.edit_instruments)]
FORM = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MULTIPART = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
TEXT_FIELDS = ("title_fr", "title_partner", "partner_language", "party_name_fr", "party_name_en", "legal_reference",
               "replaces_text", "source")
INVALID = mark("invalid value")


def form_values(form: dict) -> dict:
    """Form fields -> schema input: empty dates are None, risks is a list, checkboxes are booleans."""
    values: dict[str, Any] = {name: (form.get(name) or "").strip() for name in TEXT_FIELDS if name in form}
    for name in ("kind", "confidence", "country_code"):
        if form.get(name):
            values[name] = form[name]
    for name in ("signed_on", "in_force_on", "terminated_on"):
        if name in form:
            values[name] = form.get(name) or None
    risks = form.get("risks", [])
    values["risks"] = risks if isinstance(risks, list) else [risks]
    values["retroactive"] = form.get("retroactive") == "on"
    return values


def field_errors(exc: ValidationError) -> list[FieldError]:
    return [FieldError(str(e["loc"][0]) if e["loc"] else "form", INVALID, {}) for e in exc.errors()]


def translated(request: Request, errors: list[FieldError]) -> dict[str, str]:
    locale = request_locale(request)
    return {e.field: i18n.gettext(locale, e.message, **e.params) for e in errors}


def form_context(session: Session, values: dict, errors: dict | None = None, **extra) -> dict:
    countries = session.exec(select(Country).order_by(Country.name_fr)).all()
    return dict(values=values, errors=errors or {}, countries=countries, kinds=KIND_LABELS, risks=RISK_LABELS,
                confidences=CONFIDENCE_LABELS, links=LINK_LABELS, **extra)


class InstrumentEditPages(Controller):
    include_in_schema = False

    @get("/instruments/new", sync_to_thread=True, guards=EDIT)
    def new_form(self, db_session: NamedDependency[Session], country: FromQuery[str | None] = None) -> Template:
        values = {"country_code": (country or "").upper(), "kind": "agreement", "confidence": "high", "risks": []}
        return Template("agreements/edit.html", context=form_context(db_session, values, creating=True))

    @post("/instruments/new", sync_to_thread=True, guards=EDIT)
    def create(self, request: Request, db_session: NamedDependency[Session], data: FORM) -> Template | Redirect:
        values = form_values(data)
        try:
            instrument = services.create_instrument(db_session, actor_for(request),
                                                    InstrumentCreate.model_validate(values).values())
        except ValidationError as exc:
            return self._refused(request, db_session, values, field_errors(exc), creating=True)
        except Refused as exc:
            return self._refused(request, db_session, values, exc.errors, creating=True)
        db_session.commit()
        return Redirect(f"/countries/{instrument.country_code}/instruments/{instrument.slug}", status_code=303)

    @get("/countries/{code:str}/instruments/{slug:str}/edit", sync_to_thread=True, guards=EDIT)
    def edit_form(self, db_session: NamedDependency[Session], code: FromPath[str], slug: FromPath[str]) -> Template:
        instrument = instrument_by_slug_or_404(db_session, code, slug)
        return Template("agreements/edit.html", context=form_context(
            db_session, snapshot(instrument), instrument=instrument, version=instrument.version,
            others=self._others(db_session, instrument)))

    @post("/countries/{code:str}/instruments/{slug:str}/edit", sync_to_thread=True, guards=EDIT)
    def edit(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str], slug: FromPath[str],
             data: FORM) -> Template | Redirect:
        instrument = instrument_by_slug_or_404(db_session, code, slug)
        values = form_values(data)
        version = int(data.get("version") or 0)
        try:
            changes = InstrumentPatch.model_validate({k: v for k, v in values.items() if k != "country_code"}).changes()
            services.update_instrument(db_session, actor_for(request), instrument, changes, version)
        except ValidationError as exc:
            return self._refused(request, db_session, values, field_errors(exc), instrument=instrument, version=version)
        except Refused as exc:
            return self._refused(request, db_session, values, exc.errors, instrument=instrument, version=version)
        except StaleVersion as exc:
            current = instrument_by_slug_or_404(db_session, code, slug)
            message = i18n.gettext(request_locale(request), mark(
                "Someone saved this instrument (version %(current)s) while you were editing version %(expected)s. "
                "Nothing was overwritten: here is the current version; apply your changes again."),
                current=exc.current, expected=exc.expected)
            return Template("agreements/edit.html", status_code=412, context=form_context(
                db_session, snapshot(current), instrument=current, version=current.version, conflict=message,
                others=self._others(db_session, current)))
        db_session.commit()
        return Redirect(f"/countries/{instrument.country_code}/instruments/{instrument.slug}", status_code=303)

    @post("/countries/{code:str}/instruments/{slug:str}/texts", sync_to_thread=True, guards=EDIT,
          request_max_body_size=UPLOAD_BODY_LIMIT)
    def upload_text(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                    slug: FromPath[str], data: MULTIPART) -> Template | Redirect:
        instrument = instrument_by_slug_or_404(db_session, code, slug)
        upload = data.get("file")
        try:
            if not isinstance(upload, UploadFile):
                raise Refused([FieldError("file", mark("choose a PDF or DOCX file"), {})])
            services.attach_official_text(db_session, actor_for(request), instrument, str(data.get("language") or ""),
                                          upload.filename or "texte", upload.file.read(),
                                          request.app.state.settings.max_upload_mb * 2**20)
        except Refused as exc:
            return self._refused(request, db_session, snapshot(instrument), exc.errors, instrument=instrument,
                                 version=instrument.version, others=self._others(db_session, instrument))
        db_session.commit()
        return Redirect(f"/countries/{instrument.country_code}/instruments/{instrument.slug}", status_code=303)

    @post("/countries/{code:str}/instruments/{slug:str}/links", sync_to_thread=True, guards=EDIT)
    def add_link(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                 slug: FromPath[str], data: FORM) -> Template | Redirect:
        instrument = instrument_by_slug_or_404(db_session, code, slug)
        target = db_session.get(Instrument, int(data.get("to_id") or 0)) if str(data.get("to_id", "")).isdigit() else None
        try:
            if target is None:
                raise Refused([FieldError("to_id", mark("choose the instrument to link to"), {})])
            services.add_link(db_session, actor_for(request), instrument, target, str(data.get("kind") or ""))
        except Refused as exc:
            errors = translated(request, exc.errors)
        except Conflict as exc:
            errors = {"link": i18n.gettext(request_locale(request), exc.message, **exc.params)}
        else:
            db_session.commit()
            return Redirect(f"/countries/{instrument.country_code}/instruments/{instrument.slug}", status_code=303)
        return Template("agreements/edit.html", status_code=409, context=form_context(
            db_session, snapshot(instrument), errors, instrument=instrument, version=instrument.version,
            others=self._others(db_session, instrument)))

    @get("/instruments/import", sync_to_thread=True, guards=EDIT)
    def import_form(self) -> Template:
        return Template("agreements/import.html", context={"report": None})

    @post("/instruments/import", sync_to_thread=True, guards=EDIT, request_max_body_size=UPLOAD_BODY_LIMIT)
    def import_file(self, request: Request, db_session: NamedDependency[Session], data: MULTIPART) -> Template:
        dry_run = data.get("apply") != "on"
        rows = {}
        for name in ("instruments", "links"):
            upload = data.get(name)
            raw = upload.file.read() if isinstance(upload, UploadFile) else b""
            try:
                rows[name] = exchange.rows_from_csv(raw.decode("utf-8-sig")) if raw else []
            except UnicodeDecodeError:
                message = i18n.gettext(request_locale(request), mark("%(name)s is not a CSV file encoded in UTF-8"),
                                       name=getattr(upload, "filename", name))
                return Template("agreements/import.html", status_code=400, context={"report": None, "error": message})
            except CsvRefused as exc:
                message = i18n.gettext(request_locale(request), mark("%(name)s: %(problem)s"),
                                       name=getattr(upload, "filename", name), problem=Message(exc.message, exc.params))
                return Template("agreements/import.html", status_code=400, context={"report": None, "error": message})
        report = exchange.import_rows(db_session, actor_for(request), rows["instruments"], rows["links"], dry_run)
        if not dry_run:
            db_session.commit()
        return Template("agreements/import.html", context={"report": report.as_dict()})

    @staticmethod
    def _others(session: Session, instrument: Instrument) -> list[Instrument]:
        return [i for i in session.exec(select(Instrument).where(Instrument.country_code == instrument.country_code)
                                        .order_by(Instrument.signed_on)).all() if i.id != instrument.id]

    @staticmethod
    def _refused(request: Request, session: Session, values: dict, errors: list[FieldError], **extra) -> Template:
        session.rollback()  # the refused write is abandoned before the form is drawn again
        return Template("agreements/edit.html", status_code=422,
                        context=form_context(session, values, translated(request, errors), **extra))


