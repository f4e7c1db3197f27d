"""Generation over HTTP: blank and filled documents, batches, and verifying a generated file."""

from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from sqlmodel import Session

from forms.generation import batch as batches
from forms.generation.blanks import served_blank
from forms.generation.generate import FORMATS, check_data, filled, resolve
from forms.generation.jobs import job_for
from forms.generation.verify import verify_file
from registry import audit, i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.labels import mark
from registry.web.actor import actor_for
from registry.web.downloads import content_disposition
from registry.web.i18n_middleware import request_locale
from registry.web.params import BadParameter, parse_choice, parse_date

READ = [requires(Permission.read_public)]
GENERATE = [requires(Permission.generate_documents)]
MAX_BATCH_BYTES = 50 * 2**20


def file_response(file, status_code: int = 200) -> Response[bytes]:
    return Response(file.data, media_type=file.media_type, status_code=status_code,
                    headers={"Content-Disposition": content_disposition(file.filename)})


def _format(value: str | None) -> str:
    return parse_choice("format", value, FORMATS) or "docx"


def record_generation(request: Request, session: Session, action: str, form, version, fmt: str, count: int,
                      **extra) -> None:
    """Who generated which version, in which format, how many: never the data."""
    audit.record(session, actor_for(request), action, "form_version", version.id,
                 after={"form": form.code, "version": version.label, "format": fmt, "documents": count, **extra})
    session.commit()


class GenerationController(Controller):
    path = "/api/forms/{code:str}"
    tags = ["document generation"]

    @get("/blank", sync_to_thread=True, guards=READ,
         summary="The blank bilingual form that applies on a date (built when the version was published)")
    def blank(self, db_session: NamedDependency[Session], code: FromPath[str], format: FromQuery[str | None] = None,
              on: FromQuery[str | None] = None) -> Response[bytes]:
        """Serves the stored file only: never a render, whoever asks (forms/generation/blanks.py)."""
        return file_response(served_blank(db_session, code, parse_date("on", on, date.today()), _format(format)))

    @post("/documents", sync_to_thread=True, guards=GENERATE, status_code=200,
          summary="Fill the version that applies with JSON data; 422 lists every field error in both languages")
    def document(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                 data: Annotated[dict, Body()], format: FromQuery[str | None] = None,
                 on: FromQuery[str | None] = None) -> Response:
        fmt, as_of = _format(format), parse_date("on", on, date.today())
        form, version = resolve(db_session, code, as_of)
        locale = request_locale(request)
        problems = check_data(job_for(form, version, as_of), data, locale)
        if problems:
            detail = i18n.gettext(locale, mark("fields refused: %(count)s"), count=len(problems))
            return Response({"status_code": 422, "detail": detail,
                             "errors": [p.__dict__ for p in problems]}, status_code=422)
        state = request.app.state
        file = filled(form, version, as_of, data, fmt, state.render_pool, state.converter)
        record_generation(request, db_session, "form.generate", form, version, fmt, 1)
        return file_response(file)

    # 10,000 documents take minutes: an hour of deadline instead of REGISTRY_REQUEST_TIMEOUT
    @post("/batches", sync_to_thread=True, guards=GENERATE, status_code=200, request_max_body_size=MAX_BATCH_BYTES,
          opt={"request_timeout": 3600},
          summary="Up to 10,000 rows (CSV or JSON Lines) -> a ZIP of documents and report.csv of refused rows")
    def batch(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
              data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)],
              format: FromQuery[str | None] = None, on: FromQuery[str | None] = None,
              name_field: FromQuery[str | None] = None) -> Response[bytes]:
        fmt, as_of = _format(format), parse_date("on", on, date.today())
        form, version = resolve(db_session, code, as_of)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise BadParameter("file", None, "a CSV or JSON Lines file in the multipart field 'file'")
        job = job_for(form, version, as_of)
        raw = upload.file.read()
        media = "jsonl" if (upload.filename or "").lower().endswith((".jsonl", ".ndjson")) else "csv"
        rows = batches.read_rows(raw, media, job)
        state = request.app.state
        result = batches.run_batch(job, rows, fmt, state.render_pool, state.converter, name_field or "", form.slug,
                                   locale=request_locale(request))
        record_generation(request, db_session, "form.generate_batch", form, version, fmt, result.documents,
                rejected_rows=len({r[0] for r in result.rejected}))
        return Response(result.archive, media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="{form.slug}_{version.label}.zip"',
            "X-Documents": str(result.documents), "X-Rejected-Rows": str(len({r[0] for r in result.rejected}))})


class VerifyController(Controller):
    path = "/api/documents"
    tags = ["document generation"]

    @post("/verify", sync_to_thread=True, guards=READ, status_code=200,
          summary="Which form version produced this generated file, and is it still the one in force?")
    def verify(self, db_session: NamedDependency[Session],
               data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> dict:
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise BadParameter("file", None, "a generated DOCX or PDF in the multipart field 'file'")
        return verify_file(db_session, upload.file.read(), date.today())
