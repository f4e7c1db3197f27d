"""Invariants of an instrument's fields, as field errors (nothing here touches the database)."""

from datetime import date

from agreements.models import InstrumentKind
from registry.enums import Confidence, Risk
from registry.labels import mark
from registry.problems import FieldError


def date_problems(signed_on: date | None, in_force_on: date | None, terminated_on: date | None,
                  retroactive: bool = False) -> list[FieldError]:
    problems = []
    if signed_on and in_force_on and in_force_on < signed_on and not retroactive:
        problems.append(FieldError("in_force_on", mark("entry into force (%(in_force_on)s) is before signature "
                                                       "(%(signed_on)s); mark the instrument retroactive if it "
                                                       "applies from an earlier date"),
                                   {"in_force_on": in_force_on.isoformat(), "signed_on": signed_on.isoformat()}))
    start, start_name = (in_force_on, "in_force_on") if in_force_on else (signed_on, "signed_on")
    if start and terminated_on and terminated_on < start:
        message = (mark("termination (%(terminated_on)s) is before entry into force (%(start)s)") if start_name == "in_force_on"
                   else mark("termination (%(terminated_on)s) is before signature (%(start)s)"))
        problems.append(FieldError("terminated_on", message,
                                   {"terminated_on": terminated_on.isoformat(), "start": start.isoformat()}))
    return problems


def choice_problems(values: dict) -> list[FieldError]:
    problems = []
    checks = [("kind", [k.value for k in InstrumentKind]), ("confidence", [c.value for c in Confidence])]
    for name, accepted in checks:
        if name in values and values[name] not in accepted:
            problems.append(FieldError(name, mark("%(value)s is not one of: %(accepted)s"),
                                       {"value": values[name], "accepted": ", ".join(accepted)}))
    unknown = [r for r in values.get("risks", []) if r not in Risk.__members__]
    if unknown:
        problems.append(FieldError("risks", mark("unknown risks: %(unknown)s; accepted: %(accepted)s"),
                                   {"unknown": ", ".join(unknown), "accepted": ", ".join(Risk.__members__)}))
    if "partner_language" in values and "@" in (values["partner_language"] or ""):
        problems.append(FieldError("partner_language", mark("use a BCP 47 tag with script, e.g. sr-Latn, not %(value)s"),
                                   {"value": values["partner_language"]}))
    if "title_fr" in values and not (values["title_fr"] or "").strip():
        problems.append(FieldError("title_fr", mark("the French title is required"), {}))
    return problems
