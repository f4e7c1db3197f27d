"""HTML forms for delegations: plan a meeting, edit it, build its agenda, add participants,
move its status, write the minutes, record approvals and the follow-up of action items.
Refusals re-show the form with an error per field (422), conflicts with the reason (409), a
stale version with the current state (412); successes redirect (303)."""

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import ValidationError
from sqlmodel import Session, select

from agreements.meetings import services
from agreements.meetings.controllers import (choosers_of, editable_meeting_or_404, refuse_other_country,
                                              resolvers_of)
from agreements.meetings.labels import LABELS
from agreements.meetings.models import ActionItem, AgendaItem, Contact, Meeting, Participant
from agreements.meetings.queries import (action_items_of, agenda_of, decisions_of, effects_of, instruments_of,
                                         participants_of)
from agreements.meetings.references import choices, parse_reference
from agreements.meetings.schemas import AgendaItemCreate, MeetingCreate, MeetingPatch
from agreements.meetings.services import NEXT_STATUS
from agreements.meetings.services.participants import contacts_for
from agreements.models import Instrument
from registry import i18n
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.labels import mark
from registry.models import Country
from registry.problems import Conflict, FieldError, Refused, StaleVersion
from registry.web.actor import actor_for
from registry.web.i18n_middleware import request_locale

EDIT = [requires(Permission.edit_meetings)]
FORM = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
TEXT_FIELDS = ("title_fr", "title_partner", "partner_language", "place", "note", "source")
INVALID = mark("invalid value")
MAX_NEW_ROWS = 1  # blank rows offered per item for a new decision and a new action item


def meeting_values(form: dict) -> dict[str, Any]:
    values: dict[str, Any] = {name: (form.get(name) or "").strip() for name in TEXT_FIELDS if name in form}
    for name in ("country_code", "kind", "audience", "document_layout", "starts_on", "ends_on"):
        if form.get(name):
            values[name] = form[name]
    values["video"] = form.get("video") == "on"
    ids = form.get("instrument_ids", [])
    values["instrument_ids"] = [int(i) for i in (ids if isinstance(ids, list) else [ids]) if str(i).isdigit()]
    return values


def field_errors(exc: ValidationError) -> list[FieldError]:
    return [FieldError(str(e["loc"][0]) if e["loc"] else "form", INVALID, {}) for e in exc.errors()]


def translated(request: Request, errors: list[FieldError]) -> dict[str, str]:
    locale = request_locale(request)
    return {e.field: i18n.gettext(locale, e.message, **e.params) for e in errors}


def done(request: Request, session: Session, meeting: Meeting, to: str = "") -> Redirect:
    session.commit()
    return Redirect(to or f"/meetings/{meeting.id}/edit", status_code=303)


def form_version(form: dict) -> int:
    value = str(form.get("version") or "0")
    return int(value) if value.isdigit() else 0


class MeetingEditPages(Controller):
    include_in_schema = False

    def _edit_page(self, request: Request, session: Session, meeting: Meeting | None, values: dict | None = None,
                   errors: dict | None = None, status_code: int = 200, alert: str = "") -> Template:
        country_code = meeting.country_code if meeting else values.get("country_code", "")
        if meeting is not None and values is None:
            values = {**meeting.model_dump(), "instrument_ids": [i.id for i in instruments_of(session, meeting.id)]}
        countries = session.exec(select(Country).order_by(Country.name_fr)).all()
        instruments = session.exec(select(Instrument).where(Instrument.country_code == country_code)
                                   .order_by(Instrument.signed_on)).all() if country_code else []
        context = dict(meeting=meeting, values=values or {}, errors=errors or {}, alert=alert, countries=countries,
                       instruments=instruments, **LABELS)
        if meeting is not None:
            context.update(agenda=agenda_of(session, meeting.id, include_withdrawn=True),
                           link_choices=choices(session, choosers_of(request), country_code, ("instrument", "form")),
                           participants=participants_of(session, meeting.id),
                           contacts=contacts_for(session, meeting.country_code),
                           next_statuses=NEXT_STATUS[meeting.status])
        return Template("meetings/edit.html", status_code=status_code, context=context)

    def _problem(self, request: Request, session: Session, meeting_id: int | None, exc: Exception,
                 values: dict | None = None) -> Template:
        """The edit page again, with what went wrong and nothing changed."""
        session.rollback()
        meeting = session.get(Meeting, meeting_id) if meeting_id else None
        if meeting is not None:
            session.refresh(meeting)
        locale = request_locale(request)
        if isinstance(exc, Refused):
            return self._edit_page(request, session, meeting, values, translated(request, exc.errors), 422)
        if isinstance(exc, ValidationError):
            return self._edit_page(request, session, meeting, values, translated(request, field_errors(exc)), 422)
        if isinstance(exc, StaleVersion):
            alert = i18n.gettext(locale, mark("Someone saved this meeting (version %(current)s) while you were "
                                              "editing version %(expected)s. Nothing was overwritten: here is the "
                                              "current version; apply your changes again."),
                                 current=exc.current, expected=exc.expected)
            return self._edit_page(request, session, meeting, None, None, 412, alert)
        return self._edit_page(request, session, meeting, values, None, 409,
                               i18n.gettext(locale, exc.message, **exc.params))

    @get("/meetings/new", sync_to_thread=True, guards=EDIT)
    def new_form(self, request: Request, db_session: NamedDependency[Session],
                 country: FromQuery[str | None] = None) -> Template:
        values = {"country_code": (country or "").upper(), "kind": "technical_meeting", "audience": "public",
                  "document_layout": "side_by_side"}
        return self._edit_page(request, db_session, None, values)

    @post("/meetings/new", sync_to_thread=True, guards=EDIT)
    def create(self, request: Request, db_session: NamedDependency[Session], data: FORM) -> Template | Redirect:
        values = meeting_values(data)
        try:
            refuse_other_country(request, values.get("country_code", "").upper())
            meeting = services.create_meeting(db_session, actor_for(request),
                                              MeetingCreate.model_validate(values).values())
        except (Refused, ValidationError) as exc:
            return self._problem(request, db_session, None, exc, values)
        return done(request, db_session, meeting)

    @get("/meetings/{meeting_id:int}/edit", sync_to_thread=True, guards=EDIT)
    def edit_form(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int]) -> Template:
        return self._edit_page(request, db_session, editable_meeting_or_404(request, db_session, meeting_id))

    @post("/meetings/{meeting_id:int}/edit", sync_to_thread=True, guards=EDIT)
    def edit(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
             data: FORM) -> Template | Redirect:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        values = {k: v for k, v in meeting_values(data).items() if k != "country_code"}
        try:
            changes = MeetingPatch.model_validate(values).changes()
            unchanged = {k for k, v in changes.items() if getattr(meeting, k, None) == v}
            services.update_meeting(db_session, actor_for(request), meeting,
                                    {k: v for k, v in changes.items() if k not in unchanged}, form_version(data))
        except (Refused, ValidationError, Conflict, StaleVersion) as exc:
            return self._problem(request, db_session, meeting_id, exc, {**values, "country_code": meeting.country_code})
        return done(request, db_session, meeting)

    @post("/meetings/{meeting_id:int}/status", sync_to_thread=True, guards=EDIT)
    def status(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
               data: FORM) -> Template | Redirect:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        try:
            services.change_status(db_session, actor_for(request), meeting, str(data.get("status") or ""),
                                   form_version(data))
        except (Refused, Conflict, StaleVersion) as exc:
            return self._problem(request, db_session, meeting_id, exc)
        return done(request, db_session, meeting, f"/meetings/{meeting.id}")

    @post("/meetings/{meeting_id:int}/agenda", sync_to_thread=True, guards=EDIT)
    def add_item(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                 data: FORM) -> Template | Redirect:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        reference = parse_reference(data.get("link"))
        links = [{"target_kind": reference[0], "target_id": reference[1]}] if reference else []
        try:
            values = AgendaItemCreate.model_validate({"title_fr": (data.get("title_fr") or "").strip(),
                                                      "title_partner": (data.get("title_partner") or "").strip(),
                                                      "description": data.get("description") or "",
                                                      "links": links}).values()
            services.add_agenda_item(db_session, actor_for(request), meeting, values, form_version(data),
                                     resolvers_of(request))
        except (Refused, ValidationError, Conflict, StaleVersion) as exc:
            return self._problem(request, db_session, meeting_id, exc)
        return done(request, db_session, meeting)

    @post("/meetings/{meeting_id:int}/agenda/{item_id:int}", sync_to_thread=True, guards=EDIT)
    def item_action(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                    item_id: FromPath[int], data: FORM) -> Template | Redirect:
        """One button per action: accept, withdraw, restore, up, down."""
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        item = db_session.get(AgendaItem, item_id)
        if item is None or item.meeting_id != meeting.id:
            raise NotFoundException(detail=f"no agenda item {item_id} in meeting {meeting_id}")
        changes = {"accept": {"proposed": False}, "withdraw": {"withdrawn": True},
                   "restore": {"withdrawn": False}, "up": {"position": max(1, item.position - 1)},
                   "down": {"position": item.position + 1}}.get(str(data.get("action")))
        try:
            if changes is None:
                raise Refused([FieldError("action", mark("%(value)s is not one of: %(accepted)s"),
                                          {"value": data.get("action"), "accepted": "accept, withdraw, restore, up, down"})])
            services.update_agenda_item(db_session, actor_for(request), meeting, item, changes, form_version(data),
                                        resolvers_of(request))
        except (Refused, Conflict, StaleVersion) as exc:
            return self._problem(request, db_session, meeting_id, exc)
        return done(request, db_session, meeting)

    @post("/meetings/{meeting_id:int}/participants", sync_to_thread=True, guards=EDIT)
    def add_participant(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                        data: FORM) -> Template | Redirect:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        actor = actor_for(request)
        try:
            contact_id = str(data.get("contact_id") or "")
            if contact_id.isdigit():
                contact = db_session.get(Contact, int(contact_id))
                if contact is None:
                    raise Refused([FieldError("contact_id", mark("choose a contact"), {})])
            else:
                contact = services.create_contact(db_session, actor, {
                    "name": data.get("name") or "", "organisation": (data.get("organisation") or "").strip(),
                    "function": (data.get("function") or "").strip(), "side": data.get("side") or "",
                    "country_code": meeting.country_code})
            services.add_participant(db_session, actor, meeting, contact,
                                     {"role": data.get("role") or "", "is_head": data.get("is_head") == "on"},
                                     form_version(data))
        except (Refused, Conflict, StaleVersion) as exc:
            return self._problem(request, db_session, meeting_id, exc)
        return done(request, db_session, meeting)

    @post("/meetings/{meeting_id:int}/participants/{participant_id:int}", sync_to_thread=True, guards=EDIT)
    def participant_action(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                           participant_id: FromPath[int], data: FORM) -> Template | Redirect:
        """Two buttons: head of delegation or not (action=head), no longer expected (action=remove)."""
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        participant = db_session.get(Participant, participant_id)
        if participant is None or participant.meeting_id != meeting.id or participant.withdrawn:
            raise NotFoundException(detail=f"no participant {participant_id} in meeting {meeting_id}")
        changes = {"withdrawn": True} if data.get("action") == "remove" else {"is_head": not participant.is_head}
        try:
            services.update_participant(db_session, actor_for(request), meeting, participant, changes,
                                        form_version(data))
        except (Refused, Conflict, StaleVersion) as exc:
            return self._problem(request, db_session, meeting_id, exc)
        return done(request, db_session, meeting)

    # --- minutes ------------------------------------------------------------------------------

    def _minutes_page(self, request: Request, session: Session, meeting: Meeting, values: dict | None = None,
                      errors: dict | None = None, status_code: int = 200, alert: str = "") -> Template:
        decisions = decisions_of(session, meeting.id)
        linked = {d_id: {f"{e.target_kind}:{e.target_id}" for e in found}
                  for d_id, found in effects_of(session, [d.id for d in decisions]).items()}
        return Template("meetings/minutes_edit.html", status_code=status_code, context=dict(
            meeting=meeting, agenda=agenda_of(session, meeting.id), decisions=decisions, linked=linked,
            effect_choices=choices(session, choosers_of(request), meeting.country_code, ("instrument", "form_version")),
            actions=action_items_of(session, meeting.id), values=values, errors=errors or {}, alert=alert,
            new_rows=range(MAX_NEW_ROWS), **LABELS))

    @get("/meetings/{meeting_id:int}/minutes", sync_to_thread=True, guards=EDIT)
    def minutes_form(self, request: Request, db_session: NamedDependency[Session],
                     meeting_id: FromPath[int]) -> Template:
        return self._minutes_page(request, db_session, editable_meeting_or_404(request, db_session, meeting_id))

    @post("/meetings/{meeting_id:int}/minutes", sync_to_thread=True, guards=EDIT)
    def save_minutes(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                     data: FORM) -> Template | Redirect:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        try:
            items = minutes_payload(data, agenda_of(db_session, meeting.id))
            services.save_minutes(db_session, actor_for(request), meeting, items, form_version(data),
                                  resolvers_of(request))
        except (Refused, Conflict, StaleVersion) as exc:
            db_session.rollback()
            db_session.refresh(meeting)
            locale = request_locale(request)
            if isinstance(exc, Refused):
                return self._minutes_page(request, db_session, meeting, data, translated(request, exc.errors), 422)
            if isinstance(exc, StaleVersion):
                return self._minutes_page(request, db_session, meeting, None, None, 412, i18n.gettext(
                    locale, mark("Someone saved these minutes (version %(current)s) while you were editing version "
                                 "%(expected)s. Nothing was overwritten: here are the current minutes."),
                    current=exc.current, expected=exc.expected))
            return self._minutes_page(request, db_session, meeting, data, None, 409,
                                      i18n.gettext(locale, exc.message, **exc.params))
        return done(request, db_session, meeting, f"/meetings/{meeting.id}")

    @post("/meetings/{meeting_id:int}/approvals", sync_to_thread=True, guards=EDIT)
    def approve(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                data: FORM) -> Template | Redirect:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        try:
            participant = str(data.get("participant_id") or "")
            approved_on = date.fromisoformat(data["approved_on"]) if data.get("approved_on") else date.today()
            services.approve_minutes(db_session, actor_for(request), meeting, int(participant or 0), approved_on,
                                     form_version(data))
        except ValueError:
            return self._problem(request, db_session, meeting_id,
                                 Refused([FieldError("approved_on", INVALID, {})]))
        except (Refused, Conflict, StaleVersion) as exc:
            return self._problem(request, db_session, meeting_id, exc)
        return done(request, db_session, meeting, f"/meetings/{meeting.id}")

    @post("/action-items/{action_id:int}/status", sync_to_thread=True, guards=EDIT)
    def action_status(self, request: Request, db_session: NamedDependency[Session], action_id: FromPath[int],
                      data: FORM) -> Template | Redirect:
        action = db_session.get(ActionItem, action_id)
        if action is None:
            raise NotFoundException(detail=f"no action item {action_id}")
        meeting = editable_meeting_or_404(request, db_session, action.meeting_id)
        closed_in = str(data.get("closed_in_meeting_id") or "")
        try:
            services.set_action_status(db_session, actor_for(request), action, str(data.get("status") or ""),
                                       int(closed_in) if closed_in.isdigit() else None, data.get("note") or "")
        except Refused as exc:
            return self._problem(request, db_session, meeting.id, exc)
        return done(request, db_session, meeting, f"/meetings/{meeting.id}#action-{action.id}")


def _ids(form: dict, prefix: str) -> list[int]:
    """Ids of the existing rows the form carried: fields named `<prefix>-<id>-<name>`."""
    found = {key[len(prefix) + 1:].split("-")[0] for key in form if key.startswith(prefix + "-")}
    return sorted(int(i) for i in found if i.isdigit())


def _row(form: dict, row_prefix: str, fields: tuple[str, ...]) -> dict:
    entry = {name: (form.get(f"{row_prefix}-{name}") or "").strip() for name in fields}
    if form.get(f"{row_prefix}-effects-shown"):  # the decision's links were on the page: take them as sent
        sent = form.get(f"{row_prefix}-effects") or []
        references = [parse_reference(v) for v in (sent if isinstance(sent, list) else [sent])]
        entry["effects"] = [{"target_kind": kind, "target_id": target_id} for kind, target_id in filter(None, references)]
    return entry


def _rows(form: dict, prefix: str, fields: tuple[str, ...]) -> list[dict]:
    """Existing rows (kept unless their French text was emptied), then the blank new rows filled in."""
    entries = [{"id": row_id, **_row(form, f"{prefix}-{row_id}", fields)} for row_id in _ids(form, prefix)]
    entries += [_row(form, f"{prefix}-new{n}", fields) for n in range(MAX_NEW_ROWS)]
    rows = [entry for entry in entries if entry["text_fr"]]
    for entry in rows:
        if "due_on" in entry:
            try:
                entry["due_on"] = date.fromisoformat(entry["due_on"]) if entry["due_on"] else None
            except ValueError:
                raise Refused([FieldError(f"{prefix}-due_on", INVALID, {})]) from None
    return rows


def minutes_payload(form: dict, agenda: list[AgendaItem]) -> list[dict]:
    """The minutes form (fields named item-<id>-discussion_fr, item-<id>-decision-<id|new0>-text_fr,
    item-<id>-action-<id|new0>-owner…) -> the input of save_minutes."""
    return [{"agenda_item_id": item.id,
             "discussion_fr": form.get(f"item-{item.id}-discussion_fr") or "",
             "discussion_partner": form.get(f"item-{item.id}-discussion_partner") or "",
             "decisions": _rows(form, f"item-{item.id}-decision", ("text_fr", "text_partner")),
             "action_items": _rows(form, f"item-{item.id}-action", ("text_fr", "text_partner", "owner", "due_on"))}
            for item in agenda]
