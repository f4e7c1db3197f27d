"""Liaison forms as search documents: code, titles in both languages, purpose, articles and the
field labels of the latest public version (a caisse searches for "CPF" or "JMBG" too).

A form with no published version yet is a staff document: its draft's labels stay out of
public results. The unit is the form: a change to it or to any of its versions refreshes it.

Context (found, never shown): the country's names in French, English and its own languages and
the words readers use for a form ("formulaire", "liaison form") and its branch in French and English. The status is the form's badge
on the day of indexing; the as-of filter uses its public versions' dates (from the first one's
start to the last one's end, open while one has no end)."""


from sqlmodel import Session, select

from forms.models import Form, FormVersion
from forms.queries import PUBLIC_STATUSES, FormOnDate, validations_of, versions_of
from registry.i18n import country_names, label_words
from registry.labels import RISK_LABELS
from registry.models import Country
from search import SearchDocument
from search.sources import Refresh, SearchSource

FORM_WORDS = "formulaire formulaires formulaire de liaison liaison form form"


def applies(public: list) -> tuple:
    """(first day, day after the last) over the public versions; (None, None) when none."""
    starts = [v.valid_from for v in public if v.valid_from]
    if not starts:
        return None, None
    ends = [v.valid_until for v in public if v.valid_from]
    return min(starts), None if None in ends else max(ends)


def form_document(form: Form, country: Country | None, versions: list,
                  validations: dict | None = None) -> SearchDocument:
    public = [v for v in versions if v.status in PUBLIC_STATUSES]
    shown = (public or versions)[-1:] if versions else []
    labels = [text for v in shown for f in v.fields
              for text in (f.get("label_fr", ""), f.get("label_partner", ""))]
    body = " ".join(filter(None, [
        form.title_partner, form.purpose, form.articles,
        country.name_fr if country else "", country.name_en if country else "", *labels,
    ]))
    first, end = applies(public)
    names = country_names(country.code, country.languages) if country else []
    return SearchDocument(
        key=f"form:{form.id}", kind="form", title=f"{form.code} – {form.title_fr}", body=body,
        url=f"/forms/{form.slug}", country=form.country_code, dated=first,
        audience="public" if public else "staff", risks=(form.risk,) if form.risk else (),
        context=" ".join([*names, FORM_WORDS, *label_words(RISK_LABELS, [form.risk])]), status=FormOnDate(form, versions, validations or {}).state,
        valid_from=first, valid_until=end,
    )


def form_documents(session: Session, forms: list[Form]) -> list[SearchDocument]:
    countries = {c.code: c for c in session.exec(select(Country)).all()}
    versions = versions_of(session, [f.id for f in forms])
    validations = validations_of(session, [v.id for vs in versions.values() for v in vs])
    return [form_document(f, countries.get(f.country_code), versions.get(f.id, []), validations) for f in forms]


def refresh_forms(session: Session, ids: list[int]) -> Refresh:
    found = list(session.exec(select(Form).where(Form.id.in_(ids)).order_by(Form.id)).all())
    missing = set(ids) - {f.id for f in found}
    return Refresh(form_documents(session, found), [f"form:{i}" for i in sorted(missing)])


FORMS = SearchSource(
    name="form",
    watches={Form: lambda form: form.id, FormVersion: lambda version: version.form_id},
    unit_ids=lambda session: list(session.exec(select(Form.id).order_by(Form.id)).all()),
    refresh=refresh_forms,
)
