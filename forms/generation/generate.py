"""Resolve the version that applies, check the data, render, convert: one document."""


from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from forms.fields import FieldSpec, parse_fields, validate_values
from forms.generation.jobs import MEDIA_TYPES, RenderJob, job_for, pdf_form_values, render_filled_docx
from forms.models import Form, FormVersion
from forms.queries import find_form, form_on_date
from forms.rendering import context_from
from registry import i18n
from registry.documents.pdf_fill import fill_pdf_form
from registry.documents.provenance import pdf_from_docx, stamp_pdf
from registry.labels import mark
from registry.problems import Conflict

FORMATS = ("docx", "pdf")
NO_VERSION = mark("no published version of %(code)s applied on %(on)s")
UNKNOWN_FORM = mark("no form %(code)s")
PDF_ONLY = mark("this form is a PDF supplied by the partner: it can only be generated as PDF")


class FormNotApplicable(LookupError):
    status_code = 404

    def __init__(self, message: str, **params) -> None:
        super().__init__(message % params)
        self.message, self.params = message, params


@dataclass(frozen=True)
class GeneratedFile:
    data: bytes
    media_type: str
    filename: str


def resolve(session: Session, code: str, on: date) -> tuple[Form, FormVersion]:
    form = find_form(session, code)
    if form is None:
        raise FormNotApplicable(UNKNOWN_FORM, code=code)
    version = form_on_date(session, form, on).applicable
    if version is None or not version.template_data:
        raise FormNotApplicable(NO_VERSION, code=form.code, on=on.isoformat())
    return form, version


@dataclass(frozen=True)
class FieldProblem:
    field: str
    label_fr: str
    label_partner: str
    message: str


def _spec_for(path: str, specs: list[FieldSpec]) -> FieldSpec | None:
    head, _, rest = path.partition("[")
    for spec in specs:
        if spec.name == head:
            if rest and "." in rest:
                column = rest.split("].", 1)[1]
                return next((c for c in spec.columns if c.name == column), spec)
            return spec
    return None


def check_data(job: RenderJob, data: dict, locale: str = "en") -> list[FieldProblem]:
    """Every field problem of `data`, its message in `locale` (the reader's language)."""
    specs = parse_fields(job.fields)
    problems = []
    for path, problem in validate_values(specs, data).items():
        spec = _spec_for(path, specs)
        problems.append(FieldProblem(path, spec.label_fr if spec else path, spec.label_partner if spec else path,
                                     i18n.gettext(locale, problem.message, **problem.params)))
    return problems


def file_name(form: Form, version: FormVersion, fmt: str, suffix: str = "") -> str:
    stem = f"{form.slug}_{version.label}".replace(" ", "-")
    return f"{stem}{'_' + suffix if suffix else ''}.{fmt}"


def render(job: RenderJob, data: dict, fmt: str, pool, converter) -> bytes:
    # only what the schema declares crosses into the worker: an undeclared key nested a thousand
    # deep (the request decoder allows some) would otherwise cost pickling, or a RecursionError
    data = context_from(parse_fields(job.fields), data)
    if job.template_kind == "pdf":
        if fmt != "pdf":
            raise Conflict(PDF_ONLY)
        filled = fill_pdf_form(job.template, pdf_form_values(job, data), converter)
        return stamp_pdf(filled, job.provenance_record, job.title)
    docx = pool.run(render_filled_docx, job, data, key=job.key)
    return pdf_from_docx(converter, docx) if fmt == "pdf" else docx


def filled(form: Form, version: FormVersion, on: date, data: dict, fmt: str, pool, converter) -> GeneratedFile:
    job = job_for(form, version, on)
    return GeneratedFile(render(job, data, fmt, pool, converter), MEDIA_TYPES[fmt], file_name(form, version, fmt))


