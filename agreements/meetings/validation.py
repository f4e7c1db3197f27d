"""Invariants of a meeting's fields, as field errors (nothing here touches the database)."""

from datetime import date

from babel import UnknownLocaleError

from agreements.meetings.models import ActionStatus, DecisionStatus, DocumentLayout, MeetingKind, Side, TargetKind
from registry import dates, i18n
from registry.auth.audiences import AUDIENCES
from registry.labels import mark
from registry.problems import FieldError

ONE_OF = mark("%(value)s is not one of: %(accepted)s")
CHOICES = {
    "kind": [k.value for k in MeetingKind],
    "audience": list(AUDIENCES),
    "document_layout": [layout.value for layout in DocumentLayout],
    "side": [s.value for s in Side],
    "status": [s.value for s in ActionStatus],
    "decision_status": [s.value for s in DecisionStatus],
    "target_kind": [t.value for t in TargetKind],
}


def choice_problem(name: str, value, choices: str | None = None) -> FieldError | None:
    accepted = CHOICES[choices or name]
    if value not in accepted:
        return FieldError(name, ONE_OF, {"value": value, "accepted": ", ".join(accepted)})
    return None


def meeting_problems(values: dict, written: tuple[str, ...] = ("starts_on", "ends_on")) -> list[FieldError]:
    """`written`: the dates this write sets (an edit leaves a date stored earlier alone)."""
    problems = [p for name in ("kind", "audience", "document_layout") if name in values
                for p in [choice_problem(name, values[name])] if p]
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    out_of_range = [p for name in written for p in [dates.problem(name, values.get(name))] if p]
    if out_of_range:
        problems += out_of_range
    elif "starts_on" in values and not isinstance(starts_on, date):
        problems.append(FieldError("starts_on", mark("the first day of the meeting is required"), {}))
    elif isinstance(ends_on, date) and ends_on < starts_on:
        problems.append(FieldError("ends_on", mark("the meeting ends (%(ends_on)s) before it starts (%(starts_on)s)"),
                                   {"ends_on": ends_on.isoformat(), "starts_on": starts_on.isoformat()}))
    elif isinstance(ends_on, date) and (ends_on - starts_on).days > 30:
        problems.append(FieldError("ends_on", mark("a meeting lasts at most 31 days"), {}))
    language = values.get("partner_language") or ""
    if "@" in language:
        problems.append(FieldError("partner_language", mark("use a BCP 47 tag with script, e.g. sr-Latn, not %(value)s"),
                                   {"value": language}))
    elif language and not known_language(language):
        problems.append(FieldError("partner_language", mark("unknown language %(value)s"), {"value": language}))
    return problems


def known_language(tag: str) -> bool:
    """Documents format dates in this language: babel must know it."""
    try:
        i18n.babel_locale(tag)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def null_problems(changes: dict, nullable: tuple[str, ...] = ()) -> list[FieldError]:
    """Fields sent as null that must have a value (a PATCH may omit a field, not blank it)."""
    return [FieldError(name, mark("a value is required"), {}) for name, value in changes.items()
            if value is None and name not in nullable]
