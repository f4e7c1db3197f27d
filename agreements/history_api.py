"""History of an instrument (revisions, field-level differences) and its official texts."""

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from sqlmodel import Session, select

from agreements import services
from agreements.instrument_api import instrument_or_404
from agreements.models import OfficialText
from agreements.schemas import HistoryOut, OfficialTextOut, RevisionOut
from agreements.services.revisions import differences, revisions_of
from registry import blobs
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.web.actor import actor_for
from registry.web.downloads import content_disposition
from registry.web.params import BadParameter

READ = [requires(Permission.read_public)]
# the request may be this large; the service then applies REGISTRY_MAX_UPLOAD_MB
UPLOAD_BODY_LIMIT = 64 * 2**20
EDIT = [requires(Permission.edit_instruments)]


def compare(revisions: list, from_version: int | None, to_version: int | None) -> dict | None:
    if from_version is None and to_version is None:
        return None
    by_version = {r.version: r for r in revisions}
    for name, value in (("from", from_version), ("to", to_version)):
        if value is not None and value not in by_version:
            raise BadParameter(name, value, "a version of this instrument", [str(v) for v in by_version])
    older = by_version[from_version or min(by_version)]
    newer = by_version[to_version or max(by_version)]
    return {"from": older.version, "to": newer.version, "changes": differences(older.snapshot, newer.snapshot)}


def text_out(text: OfficialText, size: int) -> OfficialTextOut:
    return OfficialTextOut(id=text.id, language=text.language, filename=text.filename, media_type=text.media_type,
                           sha256=text.blob_sha256, size=size, is_current=text.is_current,
                           uploaded_at=text.uploaded_at, uploaded_by=text.uploaded_by,
                           url=f"/api/instruments/{text.instrument_id}/texts/{text.id}")


class InstrumentHistoryController(Controller):
    path = "/api/instruments/{instrument_id:int}"
    tags = ["instruments"]

    @get("/history", sync_to_thread=True, guards=READ,
         summary="Every revision; with from/to, the field-level differences between two versions")
    def history(self, db_session: NamedDependency[Session], instrument_id: FromPath[int],
                from_version: Annotated[int | None, FromQuery] = None,
                to_version: Annotated[int | None, FromQuery] = None) -> HistoryOut:
        instrument = instrument_or_404(db_session, instrument_id)
        revisions = revisions_of(db_session, instrument_id)
        return HistoryOut(
            instrument_id=instrument_id, current_version=instrument.version,
            revisions=[RevisionOut(version=r.version, at=r.at, actor=r.actor, action=r.action, changes=r.changes)
                       for r in revisions],
            compared=compare(revisions, from_version, to_version),
        )

    @get("/texts", sync_to_thread=True, guards=READ, summary="Official texts, current and previous")
    def texts(self, db_session: NamedDependency[Session], instrument_id: FromPath[int]) -> list[OfficialTextOut]:
        instrument_or_404(db_session, instrument_id)
        texts = db_session.exec(select(OfficialText).where(OfficialText.instrument_id == instrument_id)
                                .order_by(OfficialText.language, OfficialText.id.desc())).all()
        return [text_out(t, db_session.get(blobs.Blob, t.blob_sha256).size) for t in texts]

    @post("/texts", sync_to_thread=True, guards=EDIT, request_max_body_size=UPLOAD_BODY_LIMIT, summary="Upload the official text in one language (PDF or DOCX)")
    def upload_text(self, request: Request, db_session: NamedDependency[Session], instrument_id: FromPath[int],
                    data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> OfficialTextOut:
        instrument = instrument_or_404(db_session, instrument_id)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise BadParameter("file", None, "a PDF or DOCX file in the multipart field 'file'")
        content = upload.file.read()
        max_bytes = request.app.state.settings.max_upload_mb * 2**20
        text = services.attach_official_text(db_session, actor_for(request), instrument, str(data.get("language", "")),
                                             upload.filename or "texte", content, max_bytes)
        db_session.commit()
        return text_out(text, len(content))

    @get("/texts/{text_id:int}", sync_to_thread=True, guards=READ, summary="Download an official text")
    def download_text(self, db_session: NamedDependency[Session], instrument_id: FromPath[int],
                      text_id: FromPath[int]) -> Response[bytes]:
        text = db_session.get(OfficialText, text_id)
        if text is None or text.instrument_id != instrument_id:
            raise NotFoundException(detail=f"no text {text_id} for instrument {instrument_id}")
        blob = db_session.get(blobs.Blob, text.blob_sha256)
        return Response(blob.data, media_type=text.media_type,
                        headers={"Content-Disposition": content_disposition(text.filename),
                                 "ETag": f'"{blob.sha256}"'})

