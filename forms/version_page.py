"""The page of one form version, its stable address (/forms/SE-416-04/versions/2): what it is,
from when to when it applied, who validated it, what decided it, and how to cite it. A version
that is not public (a draft) answers as the API does: staff only."""

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlmodel import Session

from agreements.meetings.queries import decisions_affecting
from agreements.models import Instrument
from forms.controllers import form_or_404, version_or_404
from forms.feed import version_path
from forms.fields import FieldSpec
from forms.labels import SIDE_LABELS, VERSION_STATUS_LABELS
from forms.models import Form, FormVersion
from forms.queries import current_validations, validations_of
from registry import i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.citation import Citation, cite
from registry.labels import mark
from registry.web.i18n_middleware import request_locale

VERSION_TITLE = mark("%(code)s – %(title)s, version %(number)s (%(label)s)")


def version_dated(version: FormVersion, locale: str) -> str:
    if version.valid_from:
        return i18n.gettext(locale, mark("applies from %(date)s"), date=i18n.format_date(version.valid_from, locale))
    return i18n.gettext(locale, mark("not published"))


def version_citation(form: Form, version: FormVersion, base_url: str, locale: str) -> Citation:
    """A version never changes once published: its own address needs no date."""
    title = i18n.gettext(locale, VERSION_TITLE, code=form.code, title=form.title_fr, number=version.number,
                         label=version.label)
    return cite(title, version_dated(version, locale), base_url, version_path(form, version), locale)


def form_citation(form: Form, applicable: FormVersion | None, base_url: str, locale: str, as_of, asked: bool) -> Citation:
    """The form page: which version applied on the date shown (`asked`: the page was asked ?on=)."""
    day = i18n.format_date(as_of, locale)
    dated = (i18n.gettext(locale, mark("version %(number)s (%(label)s) applying on %(date)s"), number=applicable.number,
                          label=applicable.label, date=day) if applicable
             else i18n.gettext(locale, mark("no version applying on %(date)s"), date=day))
    return cite(f"{form.code} – {form.title_fr}", dated, base_url, f"/forms/{form.slug}", locale, as_of if asked else None)


class FormVersionPage(Controller):
    include_in_schema = False

    @get("/forms/{code:str}/versions/{number:int}", sync_to_thread=True, guards=[requires(Permission.read_public)])
    def version_page(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                     number: FromPath[int]) -> Template:
        form = form_or_404(db_session, code)
        version = version_or_404(request, db_session, form, number)
        locale = request_locale(request)
        decisions = decisions_affecting(db_session, current_principal(request), "form_version", [version.id])
        return Template("forms/version.html", context=dict(
            form=form, version=version, instrument=db_session.get(Instrument, form.instrument_id),
            validations=current_validations(version, validations_of(db_session, [version.id])[version.id]),
            decisions=decisions.get(version.id, []), fields=[FieldSpec.model_validate(f) for f in version.fields],
            citation=version_citation(form, version, str(request.base_url), locale),
            version_statuses=VERSION_STATUS_LABELS, sides=SIDE_LABELS))
