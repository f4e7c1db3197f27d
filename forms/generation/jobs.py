"""What a render needs, as plain data (it crosses into a worker process), and the render itself."""

from dataclasses import asdict, dataclass
from datetime import date

from forms.fields import parse_fields
from forms.models import Form, FormVersion
from forms.rendering import context_from, pdf_values
from registry.documents.pdf_fill import PdfValue
from registry.documents.provenance import Provenance
from registry.documents.render import render_docx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
MEDIA_TYPES = {"docx": DOCX, "pdf": PDF}


@dataclass(frozen=True)
class RenderJob:
    template: bytes
    template_kind: str  # "docx" or "pdf"
    fields: list[dict]
    partner_language: str
    provenance: dict
    title: str

    @property
    def key(self) -> str:
        """The render workers share themselves fairly between form versions (registry/documents/workers.py)."""
        return f"form {self.provenance['reference']} {self.provenance['version']} {self.provenance['template_sha256'][:12]}"

    @property
    def provenance_record(self) -> Provenance:
        return Provenance(**{**self.provenance, "languages": tuple(self.provenance["languages"])})


def job_for(form: Form, version: FormVersion, on: date) -> RenderJob:
    provenance = Provenance.now(kind="form", reference=form.code, version=version.label,
                                languages=("fr", form.partner_language), template_sha256=version.template_sha256 or "",
                                as_of=on.isoformat())
    return RenderJob(template=version.template_data or b"", template_kind=version.template_kind or "docx",
                     fields=list(version.fields), partner_language=form.partner_language,
                     provenance=asdict(provenance), title=f"{form.code} — {form.title_fr} / {form.title_partner}")


def render_filled_docx(job: RenderJob, data: dict) -> bytes:
    """Runs in a render worker: context with every declared field, sandboxed render, provenance."""
    context = context_from(parse_fields(job.fields), data)
    return render_docx(job.template, context, job.partner_language, job.provenance_record, job.title)


def pdf_form_values(job: RenderJob, data: dict) -> dict[str, PdfValue]:
    return pdf_values(parse_fields(job.fields), data, job.partner_language)


def render_filled_docx_chunk(job: RenderJob, rows: list[dict]) -> list[bytes]:
    """Several rows in one worker task: the job (template bytes, schema) crosses over once."""
    return [render_filled_docx(job, data) for data in rows]
