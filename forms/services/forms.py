"""Create a form (the model; its content lives in its versions)."""

from sqlmodel import Session, select

from agreements.models import Instrument
from forms.codes import BadFormCode, code_slug, normalise_code
from forms.models import Direction, Form
from forms.queries import find_form
from registry import audit
from registry.enums import Risk
from registry.labels import mark
from registry.models import Country
from registry.problems import FieldError, Refused

APPLICABLE_LEGISLATION = "applicable_legislation"  # posting, applicable law: forms outside the benefit branches
FORM_RISKS = tuple(r.value for r in Risk) + (APPLICABLE_LEGISLATION,)
REQUIRED = ("code", "country_code", "instrument_slug", "title_fr", "title_partner", "partner_language", "risk",
            "direction")
TEXT_FIELDS = ("articles", "title_fr", "title_partner", "partner_language", "risk", "purpose", "direction",
               "illustrative", "code_confirmed", "note", "source")


def form_snapshot(form: Form) -> dict:
    return form.model_dump(mode="json", exclude={"created_at", "updated_at"})


def _problems(session: Session, values: dict) -> tuple[list[FieldError], Instrument | None]:
    errors = [FieldError(name, mark("required"), {}) for name in REQUIRED if not values.get(name)]
    if values.get("risk") and values["risk"] not in FORM_RISKS:
        errors.append(FieldError("risk", mark("expected one of %(accepted)s"), {"accepted": ", ".join(FORM_RISKS)}))
    directions = [d.value for d in Direction]
    if values.get("direction") and values["direction"] not in directions:
        errors.append(FieldError("direction", mark("expected one of %(accepted)s"), {"accepted": ", ".join(directions)}))
    instrument = None
    country = (values.get("country_code") or "").upper()
    if country and session.get(Country, country) is None:
        errors.append(FieldError("country_code", mark("unknown country code %(value)s"), {"value": country}))
    elif country and values.get("instrument_slug"):
        instrument = session.exec(select(Instrument).where(Instrument.country_code == country,
                                                           Instrument.slug == values["instrument_slug"])).first()
        if instrument is None:
            errors.append(FieldError("instrument_slug", mark("no instrument %(slug)s for %(country)s"),
                                     {"slug": values["instrument_slug"], "country": country}))
    return errors, instrument


def create_form(session: Session, actor: audit.Actor, values: dict) -> Form:
    """`values`: code (any accepted spelling), country_code, instrument_slug, titles, partner_language,
    risk, direction; optionally articles, purpose, illustrative, note, source."""
    errors, instrument = _problems(session, values)
    code = None
    if values.get("code"):
        try:
            code = normalise_code(values["code"])
        except BadFormCode:
            errors.append(FieldError("code", mark("%(value)s is not a liaison-form code; expected SE <country number>-"
                                                  "<sequence>, e.g. SE 416-01"), {"value": values["code"]}))
    if code and find_form(session, code) is not None:
        errors.append(FieldError("code", mark("a form %(code)s already exists"), {"code": code}))
    if errors:
        raise Refused(errors)
    form = Form(code=code, slug=code_slug(code), country_code=instrument.country_code, instrument_id=instrument.id,
                **{name: values[name] for name in TEXT_FIELDS if values.get(name) is not None})
    session.add(form)
    session.flush()
    audit.record(session, actor, "form.create", "form", form.id, after=form_snapshot(form))
    return form
