"""HTML pages of the liaison forms: the catalog (by country, instrument, risk, state), a form
with its versions on a timeline and who validated each, and the comparison of two versions."""

from datetime import date, timedelta
from itertools import groupby
from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template
from sqlmodel import Session, select

from agreements.meetings.queries import decisions_affecting
from agreements.models import Instrument
from forms.controllers import RISKS, comparison_out, form_or_404, instrument_id_of, version_or_404, visible
from forms.fields import FieldSpec
from forms.labels import (APPLICABLE_LEGISLATION_LABEL, ATTRIBUTE_LABELS, DIRECTION_LABELS, FIELD_TYPE_LABELS, SIDE_LABELS,
                          STATE_LABELS, VERSION_STATUS_LABELS)
from forms.models import Form, FormVersion
from forms.queries import FormOnDate, FormState, current_validations, form_on_date, list_forms
from forms.version_page import form_citation
from registry import i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.collation import sorted_names
from registry.labels import RISK_LABELS, mark
from registry.models import Country
from registry.web.i18n_middleware import request_locale
from registry.web.params import parse_choice, parse_date
from registry.web.timeline import Lane, Mark, Segment, render_timeline

READ = [requires(Permission.read_public)]
LABELS = dict(states=STATE_LABELS, version_statuses=VERSION_STATUS_LABELS, directions=DIRECTION_LABELS,
              sides=SIDE_LABELS, field_types=FIELD_TYPE_LABELS, attributes=ATTRIBUTE_LABELS,
              risks={**RISK_LABELS, "applicable_legislation": APPLICABLE_LEGISLATION_LABEL})
PERIOD_CLASSES = {"published": "in_force", "superseded": "superseded", "withdrawn": "signed"}


def version_lane(form: Form, version: FormVersion, validations: list, today: date, _, fmt) -> Lane:
    segments, marks = [], []
    if version.valid_from:
        # drawn for half a year ahead when open-ended (no further than the last day a date holds)
        end = version.valid_until or max(today, min(version.valid_from, date.max - timedelta(days=180))
                                         + timedelta(days=180))
        title = _(mark("Applies from %(start)s")) % {"start": fmt(version.valid_from)}
        segments.append(Segment(version.valid_from, end, PERIOD_CLASSES.get(version.status, ""), title))
        marks.append(Mark(version.valid_from, "in_force", title))
    for validation in validations:
        marks.append(Mark(validation.validated_on, "event", _(mark("Validated by %(body)s on %(date)s")) % {
            "body": validation.body_name, "date": fmt(validation.validated_on)}))
    return Lane(label=f"v{version.number} · {version.label} · {_(VERSION_STATUS_LABELS[version.status])}",
                url=f"#v{version.number}", css_class=f"version-{version.status}", segments=tuple(segments),
                marks=tuple(marks))


class FormPages(Controller):
    include_in_schema = False

    @get("/forms", sync_to_thread=True, guards=READ)
    def catalog(self, request: Request, db_session: NamedDependency[Session], country: FromQuery[str | None] = None,
                instrument: FromQuery[str | None] = None, risk: FromQuery[str | None] = None,
                status: FromQuery[str | None] = None, on: FromQuery[str | None] = None) -> Template:
        as_of = parse_date("on", on, date.today())
        country = country.upper() if country else None
        items = list_forms(db_session, as_of, country=country,
                           instrument_id=instrument_id_of(db_session, instrument, country),
                           risk=parse_choice("risk", risk, RISKS), state=parse_choice("status", status, FormState.ALL))
        countries = {c.code: c for c in db_session.exec(select(Country)).all()}
        with_forms = sorted({f.country_code for f in db_session.exec(select(Form)).all()},
                            key=lambda code: countries[code].name_fr)
        instruments = {i.id: i for i in db_session.exec(
            select(Instrument).where(Instrument.id.in_([item.form.instrument_id for item in items]))).all()}
        locale = request_locale(request)
        groups = sorted_names([(countries[code], list(group)) for code, group in groupby(items, key=lambda i: i.form.country_code)],
                              lambda pair: i18n.country_name(pair[0].code, locale), locale)
        return Template("forms/catalog.html", context=dict(
            groups=groups, countries=countries, country_codes=with_forms, instruments=instruments, as_of=as_of,
            selected=dict(country=country or "", risk=risk or "", status=status or "", instrument=instrument or ""),
            state_names=FormState.ALL, total=len(items), illustrative=sum(i.form.illustrative for i in items), **LABELS))

    @get("/forms/{code:str}", sync_to_thread=True, guards=READ)
    def form(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
             on: FromQuery[str | None] = None) -> Template:
        form = form_or_404(db_session, code)
        as_of = parse_date("on", on, date.today())
        item = form_on_date(db_session, form, as_of)
        shown = [v for v in item.versions if visible(request, form, v)]
        locale = request_locale(request)
        _ = i18n.translations(locale).gettext
        lanes = [version_lane(form, v, item.validations.get(v.id, []), date.today(), _,
                              lambda d: i18n.format_date(d, locale, "medium")) for v in shown]
        title = i18n.gettext(locale, mark("Versions of %(code)s"), code=form.code)
        decisions = decisions_affecting(db_session, current_principal(request), "form_version", [v.id for v in shown])
        return Template("forms/form.html", context=dict(
            form=form, item=item, versions=list(reversed(shown)), as_of=as_of, hidden=len(item.versions) - len(shown),
            instrument=db_session.get(Instrument, form.instrument_id), country=db_session.get(Country, form.country_code),
            timeline=render_timeline(lanes, date.today(), title, as_of) if lanes else None,
            current=lambda v: current_validations(v, item.validations.get(v.id, [])),
            decisions=decisions, may_fill=current_principal(request).can(Permission.generate_documents),
            signed_in=current_principal(request).is_authenticated, staff=current_principal(request).can(Permission.read_staff),
            citation=form_citation(form, item.applicable, str(request.base_url), locale, as_of, bool(on)),
            fields_of=lambda v: [FieldSpec.model_validate(f) for f in v.fields], **LABELS))

    @get("/forms/{code:str}/compare", sync_to_thread=True, guards=READ)
    def compare(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                from_: Annotated[int | None, QueryParameter(name="from")] = None,
                to: FromQuery[int | None] = None) -> Template:
        form = form_or_404(db_session, code)
        item: FormOnDate = form_on_date(db_session, form, date.today())
        shown = [v for v in item.versions if visible(request, form, v)]
        to = to or (shown[-1].number if shown else 1)
        from_ = from_ or max(1, to - 1)
        before = version_or_404(request, db_session, form, from_)
        after = version_or_404(request, db_session, form, to)
        result = comparison_out(form, before, after)
        return Template("forms/compare.html", context=dict(
            form=form, before=before, after=after, result=result, versions=shown,
            fields_before={f["name"]: FieldSpec.model_validate(f) for f in before.fields},
            fields_after={f["name"]: FieldSpec.model_validate(f) for f in after.fields}, **LABELS))
