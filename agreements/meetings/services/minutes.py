"""Minutes: discussion, decisions and action items per agenda item, in both languages, kept as
revisions (a new revision only when the text changes); approval by each head of delegation;
the follow-up of decisions and action items, which goes on after the minutes are frozen."""

import hashlib
import json
from datetime import date

from sqlmodel import Session, select

from agreements.meetings.models import (ActionItem, ActionStatus, AgendaItem, Decision, DecisionEffect, Meeting,
                                        MeetingStatus, MinutesApproval, MinutesRevision, Participant)
from agreements.meetings.labels import STATUS_LABELS
from agreements.meetings.queries import agenda_of, approvals_of
from agreements.meetings.references import Resolvers, resolve
from agreements.meetings.services.common import claim_version, record_event, refuse_if_frozen
from agreements.meetings.validation import choice_problem
from registry import audit, dates
from registry.labels import mark, term
from registry.problems import Conflict, FieldError, Refused

WRITABLE = (MeetingStatus.held.value, MeetingStatus.minutes_draft.value)


def minutes_content(session: Session, meeting: Meeting) -> dict:
    """The text of the minutes as it stands: what a revision keeps and an approval agrees to."""
    decisions = session.exec(select(Decision).where(Decision.meeting_id == meeting.id,
                                                    Decision.withdrawn == False)  # noqa: E712
                             .order_by(Decision.position, Decision.id)).all()
    actions = session.exec(select(ActionItem).where(ActionItem.meeting_id == meeting.id,
                                                    ActionItem.withdrawn == False)  # noqa: E712
                           .order_by(ActionItem.position, ActionItem.id)).all()
    items = []
    for item in agenda_of(session, meeting.id):
        items.append({
            "agenda_item_id": item.id, "title_fr": item.title_fr, "title_partner": item.title_partner,
            "discussion_fr": item.discussion_fr, "discussion_partner": item.discussion_partner,
            "decisions": [{"id": d.id, "text_fr": d.text_fr, "text_partner": d.text_partner}
                          for d in decisions if d.agenda_item_id == item.id],
            "action_items": [{"id": a.id, "text_fr": a.text_fr, "text_partner": a.text_partner, "owner": a.owner,
                              "due_on": a.due_on.isoformat() if a.due_on else None}
                             for a in actions if a.agenda_item_id == item.id],
        })
    return {"items": items}


def content_sha256(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def current_revision(session: Session, meeting: Meeting) -> MinutesRevision | None:
    return session.exec(select(MinutesRevision).where(MinutesRevision.meeting_id == meeting.id,
                                                      MinutesRevision.number == meeting.minutes_revision)).first()


def revisions_of(session: Session, meeting_id: int) -> list[MinutesRevision]:
    return list(session.exec(select(MinutesRevision).where(MinutesRevision.meeting_id == meeting_id)
                             .order_by(MinutesRevision.number)).all())


def record_revision_if_changed(session: Session, actor: audit.Actor, meeting: Meeting) -> MinutesRevision | None:
    """A new revision when the text differs from the current one (and only then). The agenda's
    titles are part of the text, so an agenda edit once minutes exist records one too."""
    previous = current_revision(session, meeting)
    if previous is None and meeting.status not in WRITABLE:
        return None
    content = minutes_content(session, meeting)
    sha = content_sha256(content)
    if previous is not None and previous.sha256 == sha:
        return None
    revision = MinutesRevision(meeting_id=meeting.id, number=meeting.minutes_revision + 1, content=content,
                               sha256=sha, actor=actor.name)
    meeting.minutes_revision = revision.number
    session.add(revision)
    session.add(meeting)
    audit.record(session, actor, "meeting.minutes.revision", "meeting", meeting.id,
                 after={"revision": revision.number, "sha256": sha})
    return revision


def _refuse_unless_writable(meeting: Meeting) -> None:
    refuse_if_frozen(meeting)
    if meeting.status not in WRITABLE:
        raise Conflict(mark("minutes are written once the meeting is held; its status is %(current)s"),
                       current=term(STATUS_LABELS, meeting.status))


def _text_required(prefix: str, entries: list[dict]) -> list[FieldError]:
    return [FieldError(f"{prefix}[{n}].text_fr", mark("the French text is required"), {})
            for n, entry in enumerate(entries) if not (entry.get("text_fr") or "").strip()]


def _due_dates_out_of_range(prefix: str, entries: list[dict]) -> list[FieldError]:
    due = {f"{prefix}[{n}].due_on": entry.get("due_on") for n, entry in enumerate(entries)}
    due = {name: date.fromisoformat(value) if isinstance(value, str) else value for name, value in due.items()}
    return [p for name, value in due.items() for p in [dates.problem(name, value)] if p]


def _check_payload(session: Session, meeting: Meeting, items: list[dict], resolvers: Resolvers) -> dict[int, AgendaItem]:
    agenda = {i.id: i for i in agenda_of(session, meeting.id)}
    problems = []
    for n, entry in enumerate(items):
        item_id = entry.get("agenda_item_id")
        if item_id not in agenda:
            problems.append(FieldError(f"items[{n}].agenda_item_id", mark("no agenda item %(id)s in this meeting"),
                                       {"id": item_id}))
            continue
        problems += _text_required(f"items[{n}].decisions", entry.get("decisions") or [])
        problems += _text_required(f"items[{n}].action_items", entry.get("action_items") or [])
        problems += _due_dates_out_of_range(f"items[{n}].action_items", entry.get("action_items") or [])
        for k, decision in enumerate(entry.get("decisions") or []):
            for e, effect in enumerate(decision.get("effects") or []):
                where = f"items[{n}].decisions[{k}].effects[{e}]"
                wrong = choice_problem("target_kind", effect.get("target_kind"))
                if wrong:
                    problems.append(FieldError(f"{where}.target_kind", wrong.message, wrong.params))
                elif resolve(session, resolvers, effect["target_kind"], int(effect.get("target_id") or 0)) is None:
                    problems.append(FieldError(f"{where}.target_id", mark("no %(kind)s %(id)s"),
                                               {"kind": effect["target_kind"], "id": effect.get("target_id")}))
    if problems:
        raise Refused(problems)
    return agenda


def _rows(session: Session, model, item: AgendaItem, entries: list[dict], fields: tuple[str, ...]) -> list:
    """Update the rows named by id, create the others, withdraw those no longer listed."""
    existing = {row.id: row for row in session.exec(select(model).where(model.agenda_item_id == item.id,
                                                                       model.withdrawn == False)).all()}  # noqa: E712
    kept = []
    for position, entry in enumerate(entries, start=1):
        row = existing.get(entry.get("id")) if entry.get("id") else None
        if row is None:
            row = model(meeting_id=item.meeting_id, agenda_item_id=item.id, text_fr="")
        for name in fields:
            if name in entry:
                value = entry[name]
                if name == "due_on" and isinstance(value, str):
                    value = date.fromisoformat(value)
                setattr(row, name, value.strip() if isinstance(value, str) else value)
        row.position = position
        session.add(row)
        kept.append((row, entry))
    listed = {row.id for row, _ in kept if row.id}
    for row_id, row in existing.items():
        if row_id not in listed:
            row.withdrawn = True
            session.add(row)
    session.flush()
    return kept


def _set_effects(session: Session, decision: Decision, effects: list[dict]) -> bool:
    """Link the decision to exactly `effects`; an effect without a description keeps its own.
    Links dropped from the draft are withdrawn, never deleted (a link re-added comes back)."""
    current = {(e.target_kind, e.target_id): e for e in session.exec(
        select(DecisionEffect).where(DecisionEffect.decision_id == decision.id)).all()}
    wanted = {(e["target_kind"], int(e["target_id"])): e.get("description") for e in effects}
    changed = False
    for key, effect in current.items():
        if key not in wanted and not effect.withdrawn:
            effect.withdrawn = True
            session.add(effect)
            changed = True
    for key, description in wanted.items():
        effect = current.get(key) or DecisionEffect(decision_id=decision.id, target_kind=key[0], target_id=key[1])
        described = effect.description if description is None else description[:500]
        if effect.id is None or effect.withdrawn or effect.description != described:
            effect.description, effect.withdrawn = described, False
            session.add(effect)
            changed = True
    return changed


def save_minutes(session: Session, actor: audit.Actor, meeting: Meeting, items: list[dict],
                 expected_version: int | None, resolvers: Resolvers) -> MinutesRevision | None:
    """`items`: [{agenda_item_id, discussion_fr, discussion_partner, decisions: [{id?, text_fr,
    text_partner, effects: [{target_kind, target_id, description}]}], action_items: [{id?, text_fr,
    text_partner, owner, due_on}]}]. Items not sent are left as they are; within an item sent, the
    decisions and action items not listed are withdrawn. Returns the new revision, or None when
    the text did not change."""
    _refuse_unless_writable(meeting)
    agenda = _check_payload(session, meeting, items, resolvers)
    effects_changed = False
    for entry in items:
        item = agenda[entry["agenda_item_id"]]
        for name in ("discussion_fr", "discussion_partner"):
            if name in entry:
                setattr(item, name, (entry[name] or "").strip())
        session.add(item)
        if "decisions" in entry:
            for decision, sent in _rows(session, Decision, item, entry["decisions"], ("text_fr", "text_partner")):
                if "effects" in sent:
                    effects_changed |= _set_effects(session, decision, sent["effects"])
        if "action_items" in entry:
            _rows(session, ActionItem, item, entry["action_items"], ("text_fr", "text_partner", "owner", "due_on"))
    session.flush()
    revision = record_revision_if_changed(session, actor, meeting)
    if revision is None and not effects_changed:
        return None
    claim_version(session, meeting, expected_version)
    if meeting.status == MeetingStatus.held:
        meeting.status = MeetingStatus.minutes_draft.value
        record_event(session, actor.name, meeting, meeting.status)
        audit.record(session, actor, "meeting.status", "meeting", meeting.id, before={"status": "held"},
                     after={"status": meeting.status})
    session.add(meeting)
    session.flush()
    return revision


def approve_minutes(session: Session, actor: audit.Actor, meeting: Meeting, participant_id: int, approved_on: date,
                    expected_version: int | None) -> MinutesApproval:
    """One head of delegation agrees to the current revision."""
    if meeting.status != MeetingStatus.minutes_draft:
        raise Conflict(mark("minutes are approved while they are being drafted; the status is %(current)s"),
                       current=term(STATUS_LABELS, meeting.status))
    dates.refuse_out_of_range({"approved_on": approved_on})
    participant = session.get(Participant, participant_id)
    if participant is None or participant.meeting_id != meeting.id or not participant.is_head:
        raise Refused([FieldError("participant_id", mark("no head of delegation %(id)s in this meeting"),
                                  {"id": participant_id})])
    revision = current_revision(session, meeting)
    if any(a.participant_id == participant_id for a in approvals_of(session, meeting.id, meeting.minutes_revision)):
        raise Conflict(mark("this head of delegation already approved revision %(revision)s"),
                       revision=revision.number)
    claim_version(session, meeting, expected_version)
    approval = MinutesApproval(meeting_id=meeting.id, revision=revision.number, sha256=revision.sha256,
                               participant_id=participant.id, side=participant.side, recorded_by=actor.name,
                               approved_on=approved_on)
    session.add(approval)
    session.flush()
    audit.record(session, actor, "meeting.minutes.approve", "meeting", meeting.id,
                 after={"revision": revision.number, "sha256": revision.sha256, "participant": participant.id,
                        "side": participant.side, "approved_on": approved_on.isoformat()})
    return approval


def _closing_meeting(session: Session, origin_id: int, closed_in_id: int | None) -> Meeting | None:
    if closed_in_id is None:
        return None
    origin, closing = session.get(Meeting, origin_id), session.get(Meeting, closed_in_id)
    if closing is None or closing.country_code != origin.country_code or closing.starts_on < origin.starts_on:
        raise Refused([FieldError("meeting_id", mark("choose a session of the same country, not earlier than %(date)s"),
                                  {"date": origin.starts_on.isoformat()})])
    return closing


def set_action_status(session: Session, actor: audit.Actor, action: ActionItem, status: str,
                      closed_in_id: int | None = None, note: str = "") -> ActionItem:
    """Follow-up: done or dropped (in the session that closed it), or open again."""
    wrong = choice_problem("status", status)
    if wrong:
        raise Refused([wrong])
    closing = _closing_meeting(session, action.meeting_id, closed_in_id) if status != ActionStatus.open else None
    before = {"status": action.status, "closed_in_meeting_id": action.closed_in_meeting_id}
    action.status, action.closed_note = status, note.strip()[:1000]
    action.closed_in_meeting_id = closing.id if closing else None
    session.add(action)
    session.flush()
    audit.record(session, actor, "meeting.action.status", "action_item", action.id, before=before,
                 after={"status": status, "closed_in_meeting_id": action.closed_in_meeting_id, "note": action.closed_note})
    return action


def set_decision_status(session: Session, actor: audit.Actor, decision: Decision, status: str,
                        meeting_id: int | None = None, note: str = "") -> Decision:
    wrong = choice_problem("status", status, "decision_status")
    if wrong:
        raise Refused([wrong])
    closing = _closing_meeting(session, decision.meeting_id, meeting_id)
    before = {"status": decision.status, "status_meeting_id": decision.status_meeting_id}
    decision.status, decision.status_note = status, note.strip()[:1000]
    decision.status_meeting_id = closing.id if closing else None
    session.add(decision)
    session.flush()
    audit.record(session, actor, "meeting.decision.status", "decision", decision.id, before=before,
                 after={"status": status, "status_meeting_id": decision.status_meeting_id, "note": decision.status_note})
    return decision


def link_effect(session: Session, actor: audit.Actor, decision: Decision, target_kind: str, target_id: int,
                description: str, resolvers: Resolvers) -> DecisionEffect:
    """Record what a decision changed, at any time (a link, not the text of the minutes: approved
    minutes can still be linked to the form versions they validated). Idempotent."""
    if resolve(session, resolvers, target_kind, target_id) is None:
        raise Refused([FieldError("target_id", mark("no %(kind)s %(id)s"), {"kind": target_kind, "id": target_id})])
    effect = session.exec(select(DecisionEffect).where(DecisionEffect.decision_id == decision.id,
                                                       DecisionEffect.target_kind == target_kind,
                                                       DecisionEffect.target_id == target_id)).first()
    if effect is None or effect.withdrawn:
        effect = effect or DecisionEffect(decision_id=decision.id, target_kind=target_kind, target_id=target_id)
        effect.description, effect.withdrawn = description[:500], False
        session.add(effect)
        session.flush()
        audit.record(session, actor, "meeting.decision.effect", "decision", decision.id,
                     after={"target_kind": target_kind, "target_id": target_id, "description": description})
    return effect
