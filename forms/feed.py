"""Form versions as feed entries: validated (by both liaison bodies), published (from a date),
superseded (from a date, by which version) and withdrawn, from the versions' own dated facts.

Dates: a validation happened on its `validated_on` (recorded later, it is news when recorded);
a publication and the supersession it causes are news when published (`published_at`), with
the date they take effect in the entry; shipped versions are dated by the date they apply from,
the only date the catalog gives. A version the reader may not see (a draft, a version validated
but not published, a withdrawn one: staff only, as on the form page) gives no entry."""

from collections.abc import Iterator
from datetime import timedelta

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from sqlmodel import Session, select

from forms.controllers import form_or_404
from forms.models import Form, FormVersion, VersionStatus
from forms.queries import PUBLIC_STATUSES, current_validations, validations_of
from registry import i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.feeds import FeedEntry, FeedQuery, when_happened, when_recorded
from registry.labels import mark
from registry.web.feeds import feed_query, feed_response

S = VersionStatus
VALIDATED = (mark("%(code)s version %(number)s validated by both liaison bodies"),
             mark("%(title)s: version %(number)s (%(label)s) was validated by both liaison bodies on %(date)s."))
PUBLISHED = (mark("%(code)s version %(number)s published: applies from %(date)s"),
             mark("%(title)s: version %(number)s (%(label)s) applies from %(date)s."))
SUPERSEDED = (mark("%(code)s version %(number)s superseded from %(date)s"),
              mark("%(title)s: version %(number)s (%(label)s) no longer applies from %(date)s; version %(next)s "
                   "replaces it."))
WITHDRAWN = (mark("%(code)s version %(number)s withdrawn"),
             mark("%(title)s: version %(number)s (%(label)s) was withdrawn: %(reason)s"))


def version_path(form: Form, version: FormVersion) -> str:
    return f"/forms/{form.slug}/versions/{version.number}"


def form_version_entries(session: Session, query: FeedQuery) -> Iterator[FeedEntry]:
    if not query.wants("form"):
        return
    rows = select(FormVersion, Form).join(Form, Form.id == FormVersion.form_id)
    if query.country:
        rows = rows.where(Form.country_code == query.country)
    if query.form_slug:
        rows = rows.where(Form.slug == query.form_slug)
    found = session.exec(rows.order_by(Form.id, FormVersion.number)).all()
    staff = query.principal.can(Permission.read_staff)
    shown = [(v, f) for v, f in found if staff or v.status in PUBLIC_STATUSES]
    validations = validations_of(session, [v.id for v, _f in shown])
    for version, form in shown:
        later = [v for v, f in found if f.id == form.id and v.number > version.number]
        yield from _entries_of(form, version, validations.get(version.id, []), later, query.locale)


def _entries_of(form: Form, version: FormVersion, validations: list, later: list[FormVersion],
                locale: str) -> Iterator[FeedEntry]:
    words = dict(code=form.code, number=version.number, label=version.label, title=form.title_fr)
    agreed = current_validations(version, validations)
    if version.status != S.draft and len(agreed) == 2:
        last = max(agreed.values(), key=lambda v: (v.validated_on, v.recorded_at))
        yield _entry(form, version, "validated", when_happened(last.validated_on, last.recorded_at, last.recorded_by),
                     VALIDATED, {**words, "date": i18n.format_date(last.validated_on, locale)}, locale)
    if version.status in (S.published, S.superseded) and version.valid_from:
        yield _entry(form, version, "published", when_recorded(version.published_at, version.published_by,
                                                               version.valid_from),
                     PUBLISHED, {**words, "date": i18n.format_date(version.valid_from, locale)}, locale)
    if version.status == S.superseded and version.valid_until:
        ends = version.valid_until + timedelta(days=1)
        successor = next((v for v in later if v.valid_from == ends), None)
        updated = when_recorded(successor.published_at if successor else version.updated_at,
                                successor.published_by if successor else "", ends)
        yield _entry(form, version, "superseded", updated, SUPERSEDED,
                     {**words, "date": i18n.format_date(ends, locale), "next": successor.number if successor else "—"},
                     locale)
    if version.status == S.withdrawn:
        yield _entry(form, version, "withdrawn", when_recorded(version.updated_at, "", None), WITHDRAWN,
                     {**words, "reason": version.withdrawn_reason}, locale)


def _entry(form: Form, version: FormVersion, event: str, updated, wording: tuple[str, str], words: dict,
           locale: str) -> FeedEntry:
    title, summary = wording
    return FeedEntry(key=f"form_version:{version.id}:{event}", updated=updated,
                     title=i18n.gettext(locale, title, **words), summary=i18n.gettext(locale, summary, **words),
                     path=version_path(form, version), topic="form", country_code=form.country_code)


class FormFeedController(Controller):
    tags = ["feeds and calendars"]

    @get("/forms/{code:str}/feed.atom", sync_to_thread=True, guards=[requires(Permission.read_public)],
         summary="Atom feed of a form: its versions validated, published, superseded")
    def form_feed(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                  since: FromQuery[str | None] = None) -> Response[bytes]:
        form = form_or_404(db_session, code)
        query = feed_query(request, since, form_slug=form.slug, topic="form")
        return feed_response(request, db_session, query, i18n.gettext(query.locale, mark("Versions of %(code)s"),
                                                                     code=form.code),
                             form.title_fr, f"/forms/{form.slug}")
