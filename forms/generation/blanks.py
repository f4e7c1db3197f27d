"""Blank documents of published versions: built once, when a version is published, and stored
in the blob store (registry/blobs.py), one per format. `/blank` serves the stored file and never
renders: an anonymous visitor cannot make the render workers do anything.

A blank is built at publication (the publish route, after its commit), for the catalog when it
is loaded (its templates are the project's own), and, for versions still without one (published
before blanks were stored, or while LibreOffice was missing), by `build_missing_blanks`, which
`registry run` starts in the background. Its provenance's as-of date is the first day the version
applies: the same blank serves every date of its validity."""

import logging
from datetime import date

from sqlmodel import Session, select

from forms.generation.generate import PDF_ONLY, GeneratedFile, file_name, render, resolve
from forms.generation.jobs import MEDIA_TYPES, job_for
from forms.models import Form, FormBlank, FormVersion, VersionStatus
from registry import audit, blobs
from registry.documents.converter import ConversionFailed, ConverterUnavailable
from registry.documents.workers import RenderFailed
from registry.labels import mark
from registry.models import utcnow
from registry.problems import Conflict

logger = logging.getLogger("registry.forms")
BUILDER = audit.Actor.system("system:blanks")
SERVED = (VersionStatus.published, VersionStatus.superseded)


class InProcess:
    """A 'pool' rendering in this process: for the project's own catalog templates only."""

    timeout = None

    def run(self, function, *args, key: str = ""):
        return function(*args)


NOT_READY = mark("the blank %(format)s of %(code)s %(version)s is not ready yet (it is built when the version is "
                 "published); try again later")
RETRY_AFTER = 60


class BlankNotReady(RuntimeError):
    """The version applies but its blank was not built (yet): 503, nothing rendered."""

    status_code = 503

    def __init__(self, **params) -> None:
        super().__init__(NOT_READY % params)
        self.message, self.params = NOT_READY, params


def served_blank(session: Session, code: str, on: date, fmt: str) -> GeneratedFile:
    """The stored blank of the version that applies on `on`; BlankNotReady when there is none."""
    form, version = resolve(session, code, on)
    if fmt not in formats_of(version):
        raise Conflict(PDF_ONLY)
    blob = stored_blank(session, version, fmt)
    if blob is None:
        raise BlankNotReady(format=fmt.upper(), code=form.code, version=version.label)
    return GeneratedFile(blob.data, MEDIA_TYPES[fmt], file_name(form, version, fmt, "vierge"))


def stored_blank(session: Session, version: FormVersion, fmt: str) -> blobs.Blob | None:
    row = session.exec(select(FormBlank).where(FormBlank.form_version_id == version.id,
                                               FormBlank.format == fmt)).first()
    return session.get(blobs.Blob, row.blob_sha256) if row else None


def build_blank(session: Session, form: Form, version: FormVersion, fmt: str, pool, converter,
                actor: audit.Actor = BUILDER, action: str = "form_version.blank") -> FormBlank:
    """Render the blank (a PDF from the stored DOCX blank when there is one), store it, audit it."""
    job = job_for(form, version, version.valid_from or date.today())
    docx = stored_blank(session, version, "docx") if fmt == "pdf" and job.template_kind == "docx" else None
    if docx is not None:
        from registry.documents.provenance import pdf_from_docx

        data = pdf_from_docx(converter, docx.data)
    else:
        data = render(job, {}, fmt, pool, converter)
    blob = blobs.store(session, data, MEDIA_TYPES[fmt])
    blank = FormBlank(form_version_id=version.id, format=fmt, blob_sha256=blob.sha256, built_at=utcnow())
    session.add(blank)
    session.flush()
    audit.record(session, actor, action, "form_version", version.id,
                 after={"form": form.code, "version": version.label, "format": fmt, "sha256": blob.sha256,
                        "size": blob.size})
    return blank


def formats_of(version: FormVersion) -> tuple[str, ...]:
    return ("pdf",) if version.template_kind == "pdf" else ("docx", "pdf")


def build_blanks(session: Session, form: Form, version: FormVersion, pool, converter,
                 formats: tuple[str, ...] | None = None, actor: audit.Actor = BUILDER) -> list[str]:
    """Every missing blank of one version, each committed on its own; the formats that failed
    (LibreOffice missing, a render stopped) are logged and left for build_missing_blanks."""
    failed = []
    for fmt in [f for f in formats or formats_of(version) if f in formats_of(version)]:
        if stored_blank(session, version, fmt) is not None:
            continue
        if fmt == "pdf" and (converter is None or not converter.available()):
            failed.append(fmt)
            continue
        try:
            build_blank(session, form, version, fmt, pool, converter, actor)
            session.commit()
        except (RenderFailed, ConverterUnavailable, ConversionFailed) as exc:
            session.rollback()
            logger.warning("blank %s of %s v%s not built: %s", fmt, form.code, version.number, exc)
            failed.append(fmt)
    return failed


def versions_without_blanks(session: Session) -> list[tuple[Form, FormVersion]]:
    rows = session.exec(select(Form, FormVersion).join(FormVersion, FormVersion.form_id == Form.id)
                        .where(FormVersion.status.in_([s.value for s in SERVED]),
                               FormVersion.template_sha256.is_not(None))
                        .order_by(Form.code, FormVersion.number)).all()
    built = {(b.form_version_id, b.format) for b in session.exec(select(FormBlank)).all()}
    return [(form, version) for form, version in rows
            if any((version.id, fmt) not in built for fmt in formats_of(version))]


def build_missing_blanks(engine, pool, converter, formats: tuple[str, ...] | None = None) -> int:
    """Blanks of every served version that has none yet; returns how many versions were visited."""
    with Session(engine, expire_on_commit=False) as session:
        missing = versions_without_blanks(session)
        for form, version in missing:
            build_blanks(session, form, version, pool, converter, formats)
    return len(missing)
