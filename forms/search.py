"""Liaison forms as search documents: code, titles in both languages, purpose, articles and the
field labels of the latest public version (a caisse searches for "CPF" or "JMBG" too).

A form with no published version yet is a staff document: its draft's labels stay out of
public results. The unit is the form: a change to it or to any of its versions refreshes it."""

from collections.abc import Iterator

from sqlmodel import Session, select

from forms.models import Form, FormVersion
from forms.queries import PUBLIC_STATUSES, versions_of
from registry.models import Country
from search import SearchDocument
from search.sources import Refresh, SearchSource


def form_document(form: Form, country: Country | None, versions: list) -> SearchDocument:
    public = [v for v in versions if v.status in PUBLIC_STATUSES]
    shown = (public or versions)[-1:] if versions else []
    labels = [text for v in shown for f in v.fields
              for text in (f.get("label_fr", ""), f.get("label_partner", ""))]
    body = " ".join(filter(None, [
        form.title_partner, form.purpose, form.articles,
        country.name_fr if country else "", country.name_en if country else "", *labels,
    ]))
    first = min((v.valid_from for v in public if v.valid_from), default=None)
    return SearchDocument(
        key=f"form:{form.id}", kind="form", title=f"{form.code} – {form.title_fr}", body=body,
        url=f"/forms/{form.slug}", country=form.country_code, year=first.year if first else None,
        audience="public" if public else "staff", tags=(form.risk,),
    )


def form_documents(session: Session, forms: list[Form]) -> list[SearchDocument]:
    countries = {c.code: c for c in session.exec(select(Country)).all()}
    versions = versions_of(session, [f.id for f in forms])
    return [form_document(f, countries.get(f.country_code), versions.get(f.id, [])) for f in forms]


def all_form_documents(session: Session) -> Iterator[SearchDocument]:
    yield from form_documents(session, list(session.exec(select(Form).order_by(Form.id)).all()))


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
