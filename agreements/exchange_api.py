"""Export and import of instruments and links (JSON, CSV), with a dry run."""

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from sqlmodel import Session

from agreements import exchange
from agreements.history_api import UPLOAD_BODY_LIMIT
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.csv_files import CsvRefused
from registry.problems import FieldError, Refused
from registry.web.actor import actor_for
from registry.web.params import BadParameter, parse_choice

READ = [requires(Permission.read_public)]
EDIT = [requires(Permission.edit_instruments)]


def _csv_response(text: str, name: str) -> Response[bytes]:
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _read_csv(upload: object, field: str) -> list[dict]:
    if upload is None:
        return []
    if not isinstance(upload, UploadFile):
        raise BadParameter(field, None, "a CSV file")
    raw = upload.file.read()
    try:
        return exchange.rows_from_csv(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BadParameter(field, upload.filename, "a CSV file encoded in UTF-8") from None
    except CsvRefused as exc:
        raise Refused([FieldError(field, exc.message, exc.params)]) from None


class ExchangeController(Controller):
    path = "/api"
    tags = ["import and export"]

    @get("/export/instruments.json", sync_to_thread=True, guards=READ, summary="Every instrument and link, as JSON")
    def export_json(self, db_session: NamedDependency[Session]) -> Response[bytes]:
        return Response(exchange.export_json(db_session).encode("utf-8"), media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="instruments.json"'})

    @get("/export/instruments.csv", sync_to_thread=True, guards=READ, summary="Every instrument, as CSV")
    def export_instruments_csv(self, db_session: NamedDependency[Session]) -> Response[bytes]:
        return _csv_response(exchange.export_csv(db_session)[0], "instruments.csv")

    @get("/export/links.csv", sync_to_thread=True, guards=READ, summary="Every link between instruments, as CSV")
    def export_links_csv(self, db_session: NamedDependency[Session]) -> Response[bytes]:
        return _csv_response(exchange.export_csv(db_session)[1], "links.csv")

    @post("/import/instruments", sync_to_thread=True, guards=EDIT, status_code=200,
          request_max_body_size=UPLOAD_BODY_LIMIT,
          summary="Import the JSON export format; dry_run=true reports without writing")
    def import_json(self, request: Request, db_session: NamedDependency[Session], data: Annotated[dict, Body()],
                    dry_run: FromQuery[str | None] = None) -> dict:
        if data.get("format") != exchange.FORMAT or not isinstance(data.get("instruments"), list):
            raise BadParameter("format", data.get("format"), "a document of format %(accepted)s", [exchange.FORMAT])
        return self._run(request, db_session, data["instruments"], data.get("links") or [], dry_run)

    @post("/import/instruments.csv", sync_to_thread=True, guards=EDIT, status_code=200,
          request_max_body_size=UPLOAD_BODY_LIMIT,
          summary="Import instruments.csv and/or links.csv (multipart); dry_run=true reports without writing")
    def import_csv(self, request: Request, db_session: NamedDependency[Session],
                   data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)],
                   dry_run: FromQuery[str | None] = None) -> dict:
        return self._run(request, db_session, _read_csv(data.get("instruments"), "instruments"),
                         _read_csv(data.get("links"), "links"), dry_run)

    @staticmethod
    def _run(request: Request, session: Session, instruments: list, links: list, dry_run: str | None) -> dict:
        is_dry = parse_choice("dry_run", dry_run, ["true", "false"]) == "true"
        if not all(isinstance(row, dict) for row in instruments + links):
            raise BadParameter("instruments", None, "a list of objects")
        report = exchange.import_rows(session, actor_for(request), instruments, links, dry_run=is_dry)
        if not is_dry:
            session.commit()
        return report.as_dict()
