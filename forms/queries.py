"""Read-side questions about forms: which exist, which version applied on a date, and the badge
a form shows (published, pending validation, superseded…)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, func, select

from forms.codes import BadFormCode, code_slug, normalise_code
from forms.models import Form, FormValidation, FormVersion, Side, VersionStatus

# statuses whose content was public at some point: they answer "what applied on that date"
APPLICABLE_STATUSES = (VersionStatus.published, VersionStatus.superseded)
PUBLIC_STATUSES = APPLICABLE_STATUSES


class FormState:
    """The badge of a form on a date; values of `FormOnDate.state`."""

    published = "published"  # a published version applies on the date
    pending_validation = "pending_validation"  # a version awaits one or both liaison bodies
    validated = "validated"  # validated by both, not yet published
    superseded = "superseded"  # versions exist, none applies on the date any more
    not_yet_applicable = "not_yet_applicable"  # published, applies from a later date
    withdrawn = "withdrawn"
    draft = "draft"

    ALL = ("published", "pending_validation", "validated", "superseded", "not_yet_applicable", "withdrawn", "draft")


@dataclass
class FormOnDate:
    form: Form
    versions: list[FormVersion]
    validations: dict[int, list[FormValidation]] = field(default_factory=dict)
    on: date = field(default_factory=date.today)

    @property
    def applicable(self) -> FormVersion | None:
        return applicable_version(self.versions, self.on)

    @property
    def pending(self) -> list[FormVersion]:
        """Drafts that still lack a liaison body's validation."""
        return [v for v in self.versions if v.status == VersionStatus.draft and v.template_sha256
                and missing_sides(v, self.validations.get(v.id, []))]

    @property
    def state(self) -> str:
        if self.applicable is not None:
            return FormState.published
        statuses = {v.status for v in self.versions}
        if self.pending:
            return FormState.pending_validation
        if VersionStatus.validated in statuses:
            return FormState.validated
        if any(v.status == VersionStatus.published and v.valid_from and v.valid_from > self.on for v in self.versions):
            return FormState.not_yet_applicable
        if statuses & {VersionStatus.published, VersionStatus.superseded}:
            return FormState.superseded
        if statuses == {VersionStatus.withdrawn}:
            return FormState.withdrawn
        return FormState.draft


def find_form(session: Session, code_or_slug: str) -> Form | None:
    """By code in any accepted spelling ('SE 335.01', 'se 416 01') or by slug ('SE-416-01')."""
    try:
        slug = code_slug(normalise_code(code_or_slug))
    except BadFormCode:
        slug = code_slug(code_or_slug)
    return session.exec(select(Form).where(Form.slug == slug)).first()


def versions_of(session: Session, form_ids: list[int]) -> dict[int, list[FormVersion]]:
    result: dict[int, list[FormVersion]] = defaultdict(list)
    if form_ids:
        query = select(FormVersion).where(FormVersion.form_id.in_(form_ids)).order_by(FormVersion.number)
        for version in session.exec(query).all():
            result[version.form_id].append(version)
    return result


def validations_of(session: Session, version_ids: list[int]) -> dict[int, list[FormValidation]]:
    result: dict[int, list[FormValidation]] = defaultdict(list)
    if version_ids:
        query = select(FormValidation).where(FormValidation.form_version_id.in_(version_ids)).order_by(FormValidation.id)
        for validation in session.exec(query).all():
            result[validation.form_version_id].append(validation)
    return result


def current_validations(version: FormVersion, validations: list[FormValidation]) -> dict[str, FormValidation]:
    """The latest validation of each side that agreed to the version's current content."""
    by_side: dict[str, FormValidation] = {}
    for validation in validations:
        if validation.content_sha256 == version.content_sha256:
            by_side[validation.side] = validation
    return by_side


def missing_sides(version: FormVersion, validations: list[FormValidation]) -> list[str]:
    have = current_validations(version, validations)
    return [side.value for side in Side if side.value not in have]


def applies_on(version: FormVersion, on: date) -> bool:
    return (version.status in APPLICABLE_STATUSES and version.valid_from is not None and version.valid_from <= on
            and (version.valid_until is None or on <= version.valid_until))


def applicable_version(versions: list[FormVersion], on: date) -> FormVersion | None:
    """The published version in force on `on` (publication keeps them from overlapping)."""
    candidates = [v for v in versions if applies_on(v, on)]
    return max(candidates, key=lambda v: v.valid_from, default=None)


# What a listing shows and what a form's state on a date needs: never the template bytes, the field
# schema or the notes (GET /api/forms once loaded 1.4 MB of templates and decoded 100 KB of JSON)
FORM_LISTED = (Form.id, Form.code, Form.slug, Form.country_code, Form.instrument_id, Form.articles, Form.title_fr,
               Form.title_partner, Form.partner_language, Form.risk, Form.purpose, Form.direction, Form.illustrative,
               Form.code_confirmed)
VERSION_LISTED = (FormVersion.id, FormVersion.form_id, FormVersion.number, FormVersion.label, FormVersion.status,
                  FormVersion.valid_from, FormVersion.valid_until, FormVersion.template_sha256,
                  FormVersion.content_sha256)
VALIDATION_LISTED = (FormValidation.form_version_id, FormValidation.side, FormValidation.content_sha256)


@dataclass(frozen=True)
class FormListing:
    """One page of forms and how many match in all."""

    items: list[FormOnDate]
    total: int


def _listed_states(session: Session, forms: list, on: date) -> list[FormOnDate]:
    """FormOnDate over rows of the listed columns (attribute access like the table models)."""
    versions: dict[int, list] = defaultdict(list)
    if forms:
        query = select(*VERSION_LISTED).where(FormVersion.form_id.in_([f.id for f in forms])).order_by(FormVersion.number)
        for row in session.exec(query).all():
            versions[row.form_id].append(row)
    validations: dict[int, list] = defaultdict(list)
    version_ids = [v.id for vs in versions.values() for v in vs]
    if version_ids:
        query = (select(*VALIDATION_LISTED).where(FormValidation.form_version_id.in_(version_ids))
                 .order_by(FormValidation.id))
        for row in session.exec(query).all():
            validations[row.form_version_id].append(row)
    return [FormOnDate(form=f, versions=versions.get(f.id, []), validations=validations, on=on) for f in forms]


def list_forms_page(session: Session, on: date, *, country: str | None = None, instrument_id: int | None = None,
                    risk: str | None = None, state: str | None = None, offset: int = 0,
                    limit: int | None = None) -> FormListing:
    """Forms by country and code with their state on `on`, `limit` of them from `offset`. A state
    is worked out from the versions, so filtering by it reads every matching form's versions."""
    query = select(*FORM_LISTED)
    for column, value in ((Form.country_code, country), (Form.instrument_id, instrument_id), (Form.risk, risk)):
        if value:
            query = query.where(column == value)
    query = query.order_by(Form.country_code, Form.code)
    if state is not None:
        items = [i for i in _listed_states(session, list(session.exec(query).all()), on) if i.state == state]
        return FormListing(items[offset:offset + limit if limit is not None else None], len(items))
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    page = query.offset(offset).limit(limit) if limit is not None else query.offset(offset)
    return FormListing(_listed_states(session, list(session.exec(page).all()), on), total)


def list_forms(session: Session, on: date, *, country: str | None = None, instrument_id: int | None = None,
               risk: str | None = None, state: str | None = None) -> list[FormOnDate]:
    """Every matching form (the catalog page shows them all, grouped by country)."""
    return list_forms_page(session, on, country=country, instrument_id=instrument_id, risk=risk, state=state).items


def form_on_date(session: Session, form: Form, on: date) -> FormOnDate:
    versions = versions_of(session, [form.id]).get(form.id, [])
    return FormOnDate(form=form, versions=versions, validations=validations_of(session, [v.id for v in versions]), on=on)
