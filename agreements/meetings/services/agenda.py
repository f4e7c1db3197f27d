"""The agenda builder: proposed items when a session is planned, items added, edited, moved,
accepted or withdrawn (never deleted: a withdrawn item stays in the record)."""

from sqlmodel import Session

from agreements.meetings.models import AgendaItem, Meeting, TargetKind
from agreements.meetings.queries import agenda_of, open_action_items, previous_meeting
from agreements.meetings.references import Resolvers, resolve
from agreements.meetings.services.common import claim_version, refuse_if_frozen
from agreements.meetings.services.minutes import record_revision_if_changed
from agreements.meetings.validation import null_problems
from agreements.meetings.wording import language_pair, phrase
from registry import audit, i18n
from registry.labels import mark
from registry.problems import FieldError, Refused

ITEM_FIELDS = ("title_fr", "title_partner", "description", "links")


def _partner(meeting: Meeting) -> str:
    pair = language_pair(meeting.partner_language)
    return pair[1] if len(pair) > 1 else ""


def _in_both(meeting: Meeting, key: str, **values) -> tuple[str, str]:
    """A fixed phrase in French and in the partner's language, dates formatted in each."""
    partner = _partner(meeting)

    def formatted(lang: str) -> dict:
        return {k: (i18n.format_date(v, lang) if hasattr(v, "isoformat") else v) for k, v in values.items()}

    return phrase("fr", key, **formatted("fr")), phrase(partner, key, **formatted(partner)) if partner else ""


def proposals(session: Session, meeting: Meeting) -> list[AgendaItem]:
    """What the earlier sessions of the country leave for this one: the approval of the previous
    minutes first, then every action item still open, oldest first."""
    items: list[AgendaItem] = []
    previous = previous_meeting(session, meeting.country_code, meeting.starts_on, exclude_id=meeting.id)
    if previous is not None:
        title_fr, title_partner = _in_both(meeting, "approval_previous", date=previous.starts_on)
        items.append(AgendaItem(meeting_id=meeting.id, position=0, title_fr=title_fr, title_partner=title_partner,
                                proposed=True, origin="previous_minutes", origin_meeting_id=previous.id))
    for action, origin in open_action_items(session, meeting.country_code, meeting.starts_on, meeting.id):
        title_fr = phrase("fr", "follow_up", text=action.text_fr)
        partner = _partner(meeting)
        title_partner = phrase(partner, "follow_up", text=action.text_partner or action.text_fr) if partner else ""
        description = phrase("fr", "follow_up_description", date=i18n.format_date(origin.starts_on, "fr"),
                             owner=action.owner or "—",
                             due=i18n.format_date(action.due_on, "fr") if action.due_on else "—")
        items.append(AgendaItem(meeting_id=meeting.id, position=0, title_fr=title_fr[:500],
                                title_partner=title_partner[:500], description=description, proposed=True,
                                origin="action_item", origin_meeting_id=origin.id, origin_action_item_id=action.id))
    return items


def propose_agenda(session: Session, meeting: Meeting) -> list[AgendaItem]:
    items = proposals(session, meeting)
    for position, item in enumerate(items, start=1):
        item.position = position
        session.add(item)
    session.flush()
    return items


def _check_links(session: Session, resolvers: Resolvers, links) -> list[dict]:
    checked = []
    for n, link in enumerate(links or []):
        kind, target_id = link.get("target_kind"), link.get("target_id")
        if kind not in {k.value for k in TargetKind}:
            raise Refused([FieldError(f"links[{n}].target_kind", mark("%(value)s is not one of: %(accepted)s"),
                                      {"value": kind, "accepted": ", ".join(k.value for k in TargetKind)})])
        target = resolve(session, resolvers, kind, int(target_id or 0))
        if target is None:
            raise Refused([FieldError(f"links[{n}].target_id", mark("no %(kind)s %(id)s"),
                                      {"kind": kind, "id": target_id})])
        checked.append({"target_kind": kind, "target_id": target.id, "label": target.label[:300]})
    return checked


def _check_item(values: dict) -> None:
    if "title_fr" in values and not (values["title_fr"] or "").strip():
        raise Refused([FieldError("title_fr", mark("the French title is required"), {})])


def add_agenda_item(session: Session, actor: audit.Actor, meeting: Meeting, values: dict,
                    expected_version: int | None, resolvers: Resolvers) -> AgendaItem:
    refuse_if_frozen(meeting)
    _check_item({"title_fr": values.get("title_fr", ""), **values})
    links = _check_links(session, resolvers, values.get("links"))
    claim_version(session, meeting, expected_version)
    items = agenda_of(session, meeting.id, include_withdrawn=True)
    position = values.get("position") or (max((i.position for i in items), default=0) + 1)
    item = AgendaItem(meeting_id=meeting.id, position=position, title_fr=values["title_fr"].strip(),
                      title_partner=(values.get("title_partner") or "").strip(),
                      description=values.get("description") or "", links=links)
    _shift_for(items, item)
    session.add(item)
    session.flush()
    audit.record(session, actor, "meeting.agenda.add", "meeting", meeting.id,
                 after={"item": item.id, "title_fr": item.title_fr, "position": item.position})
    if meeting.minutes_revision:
        record_revision_if_changed(session, actor, meeting)
    return item


def _shift_for(items: list[AgendaItem], moved: AgendaItem) -> None:
    """Renumber 1..n with `moved` at its requested position."""
    others = [i for i in items if i.id != moved.id]
    target = max(1, min(moved.position, len(others) + 1))
    ordered = others[:target - 1] + [moved] + others[target - 1:]
    for position, item in enumerate(ordered, start=1):
        item.position = position


def update_agenda_item(session: Session, actor: audit.Actor, meeting: Meeting, item: AgendaItem, changes: dict,
                       expected_version: int | None, resolvers: Resolvers) -> AgendaItem:
    """`changes`: title_fr, title_partner, description, links, position, proposed (False to
    accept a proposal), withdrawn."""
    refuse_if_frozen(meeting)
    unknown = sorted(set(changes) - set(ITEM_FIELDS) - {"position", "proposed", "withdrawn"})
    if unknown:
        raise Refused([FieldError(name, mark("this field cannot be changed"), {}) for name in unknown])
    if null_problems(changes):
        raise Refused(null_problems(changes))
    _check_item(changes)
    if "links" in changes:
        changes = {**changes, "links": _check_links(session, resolvers, changes["links"])}
    claim_version(session, meeting, expected_version)
    before = {k: getattr(item, k) for k in changes}
    for name, value in changes.items():
        setattr(item, name, value.strip() if isinstance(value, str) and name.startswith("title") else value)
    if "position" in changes:
        _shift_for(agenda_of(session, meeting.id, include_withdrawn=True), item)
    session.add(item)
    session.flush()
    audit.record(session, actor, "meeting.agenda.update", "meeting", meeting.id,
                 before={"item": item.id, **before}, after={"item": item.id, **changes})
    if meeting.minutes_revision:
        record_revision_if_changed(session, actor, meeting)
    return item
