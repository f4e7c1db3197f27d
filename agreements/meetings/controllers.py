"""JSON API of meetings (thin: parse, check who may see or change, call one service, shape).

Reads answer 404 for a meeting the caller may not see, so a restricted meeting's existence
does not leak; writes need edit_meetings and, for delegation members limited to countries,
the meeting's country. Writes carry If-Match with the meeting's ETag."""

from datetime import date

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery, JSONBody
from sqlmodel import Session, select

from agreements.controllers import get_country_or_404
from agreements.meetings import services
from agreements.meetings.documents import DOCX, KINDS, document_request, render_request
from agreements.meetings.models import ActionItem, AgendaItem, Contact, Decision, Meeting, MeetingKind, MeetingStatus, Participant
from agreements.meetings.queries import list_meetings
from agreements.meetings.references import DEFAULT_CHOOSERS, DEFAULT_RESOLVERS
from agreements.meetings.schemas import (ActionOut, ActionStatusIn, AgendaItemCreate, AgendaItemPatch, ApprovalIn,
                                         ContactCreate, ContactOut, DecisionLogRow, DecisionStatusIn, MeetingCreate,
                                         MeetingDetail, MeetingOut, MeetingPatch, MinutesIn, ParticipantCreate,
                                         ParticipantPatch, RevisionOut, StatusChange)
from agreements.meetings.search import reindex_meeting
from agreements.meetings.services.minutes import revisions_of
from agreements.meetings.views import CSV_COLUMNS, decision_csv_rows, decision_rows, meeting_detail
from agreements.meetings.visibility import can_edit, can_see, shows_minutes
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.auth.principal import current_principal
from registry.documents.provenance import pdf_from_docx
from registry.labels import mark
from registry.spreadsheet_csv import write_csv
from registry.web.actor import actor_for
from registry.web.downloads import content_disposition
from registry.web.etag import etag_for, expected_version
from registry.web.params import BadParameter, parse_choice, parse_year

READ = [requires(Permission.read_public)]
EDIT = [requires(Permission.edit_meetings)]
DOCUMENT_NAMES = {f"{kind}.{fmt}": (kind, fmt) for kind in KINDS for fmt in ("docx", "pdf")}


def resolvers_of(request: Request):
    return getattr(request.app.state, "meeting_targets", None) or DEFAULT_RESOLVERS


def choosers_of(request: Request):
    return getattr(request.app.state, "meeting_choices", None) or DEFAULT_CHOOSERS


def visible_meeting_or_404(request: Request, session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not can_see(current_principal(request), meeting):
        raise NotFoundException(detail=f"no meeting {meeting_id}", extra={"meeting": meeting_id})
    return meeting


def editable_meeting_or_404(request: Request, session: Session, meeting_id: int) -> Meeting:
    meeting = visible_meeting_or_404(request, session, meeting_id)
    refuse_other_country(request, meeting.country_code)
    return meeting


def refuse_other_country(request: Request, country: str) -> None:
    principal = current_principal(request)
    if not can_edit(principal, country):
        raise PermissionDeniedException(detail=f"{principal.name} works on {', '.join(principal.countries)}, "
                                               f"not {country}", extra={"country": country})


def detail_response(request: Request, session: Session, meeting: Meeting, status_code: int = 200) -> Response:
    detail = meeting_detail(session, meeting, current_principal(request), resolvers_of(request))
    return Response(detail, status_code=status_code, headers={"ETag": etag_for(meeting.version)})


def committed(request: Request, session: Session, meeting: Meeting, status_code: int = 200) -> Response:
    session.commit()
    reindex_meeting(request.app.state.search, session, meeting)
    return detail_response(request, session, meeting, status_code)


class MeetingController(Controller):
    path = "/api/meetings"
    tags = ["meetings"]

    @get("/", sync_to_thread=True, guards=READ, summary="Meetings the caller may see, oldest first")
    def list_meetings(self, request: Request, db_session: NamedDependency[Session],
                      country: FromQuery[str | None] = None, kind: FromQuery[str | None] = None,
                      status: FromQuery[str | None] = None, year: FromQuery[str | None] = None) -> list[MeetingOut]:
        meetings = list_meetings(db_session, current_principal(request), country=(country or "").upper() or None,
                                 kind=parse_choice("kind", kind, [k.value for k in MeetingKind]),
                                 status=parse_choice("status", status, [s.value for s in MeetingStatus]),
                                 year=parse_year("year", year))
        return [MeetingOut.build(m) for m in meetings]

    @get("/{meeting_id:int}", sync_to_thread=True, guards=READ,
         summary="One meeting with its agenda; minutes, participants and decisions once published (staff: always)")
    def read(self, request: Request, db_session: NamedDependency[Session],
             meeting_id: FromPath[int]) -> Response[MeetingDetail]:
        return detail_response(request, db_session, visible_meeting_or_404(request, db_session, meeting_id))

    @post("/", sync_to_thread=True, guards=EDIT,
          summary="Plan a meeting; the open action items of earlier sessions are proposed on its agenda")
    def create(self, request: Request, db_session: NamedDependency[Session],
               data: JSONBody[MeetingCreate]) -> Response[MeetingDetail]:
        refuse_other_country(request, data.country_code.upper())
        meeting = services.create_meeting(db_session, actor_for(request), data.values())
        return committed(request, db_session, meeting, 201)

    @patch("/{meeting_id:int}", sync_to_thread=True, guards=EDIT, summary="Change the fields sent; requires If-Match")
    def edit(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
             data: JSONBody[MeetingPatch]) -> Response[MeetingDetail]:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        services.update_meeting(db_session, actor_for(request), meeting, data.changes(), expected_version(request))
        return committed(request, db_session, meeting)

    @post("/{meeting_id:int}/status", sync_to_thread=True, guards=EDIT, status_code=200,
          summary="Next status: planned, agenda_sent, held, minutes_draft, minutes_approved, published")
    def status(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
               data: JSONBody[StatusChange]) -> Response[MeetingDetail]:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        services.change_status(db_session, actor_for(request), meeting, data.status.value, expected_version(request))
        return committed(request, db_session, meeting)

    @post("/{meeting_id:int}/agenda", sync_to_thread=True, guards=EDIT, summary="Add an agenda item; requires If-Match")
    def add_item(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                 data: JSONBody[AgendaItemCreate]) -> Response[MeetingDetail]:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        services.add_agenda_item(db_session, actor_for(request), meeting, data.values(), expected_version(request),
                                 resolvers_of(request))
        return committed(request, db_session, meeting, 201)

    @patch("/{meeting_id:int}/agenda/{item_id:int}", sync_to_thread=True, guards=EDIT,
           summary="Edit, move, accept (proposed=false) or withdraw an agenda item; requires If-Match")
    def edit_item(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                  item_id: FromPath[int], data: JSONBody[AgendaItemPatch]) -> Response[MeetingDetail]:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        item = db_session.get(AgendaItem, item_id)
        if item is None or item.meeting_id != meeting.id:
            raise NotFoundException(detail=f"no agenda item {item_id} in meeting {meeting_id}")
        services.update_agenda_item(db_session, actor_for(request), meeting, item, data.changes(),
                                    expected_version(request), resolvers_of(request))
        return committed(request, db_session, meeting)

    @post("/{meeting_id:int}/participants", sync_to_thread=True, guards=EDIT,
          summary="Add a participant (an existing contact, or a new one); requires If-Match")
    def add_participant(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                        data: JSONBody[ParticipantCreate]) -> Response[MeetingDetail]:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        actor = actor_for(request)
        if data.contact_id is not None:
            contact = db_session.get(Contact, data.contact_id)
            if contact is None:
                raise NotFoundException(detail=f"no contact {data.contact_id}")
        elif data.contact is not None:
            contact = services.create_contact(db_session, actor, data.contact.values())
        else:
            raise BadParameter("contact_id", None, mark("a contact id, or a new contact"))
        services.add_participant(db_session, actor, meeting, contact, data.model_dump(), expected_version(request))
        return committed(request, db_session, meeting, 201)

    @patch("/{meeting_id:int}/participants/{participant_id:int}", sync_to_thread=True, guards=EDIT,
           summary="Change a participant's role or head-of-delegation flag, or withdraw them; requires If-Match")
    def edit_participant(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                         participant_id: FromPath[int], data: JSONBody[ParticipantPatch]) -> Response[MeetingDetail]:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        participant = db_session.get(Participant, participant_id)
        if participant is None or participant.meeting_id != meeting.id:
            raise NotFoundException(detail=f"no participant {participant_id} in meeting {meeting_id}")
        services.update_participant(db_session, actor_for(request), meeting, participant, data.changes(),
                                    expected_version(request))
        return committed(request, db_session, meeting)

    @put("/{meeting_id:int}/minutes", sync_to_thread=True, guards=EDIT,
         summary="Write the minutes of the items sent; a new revision only when the text changes; requires If-Match")
    def save_minutes(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                     data: JSONBody[MinutesIn]) -> Response[MeetingDetail]:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        services.save_minutes(db_session, actor_for(request), meeting, data.payload(), expected_version(request),
                              resolvers_of(request))
        return committed(request, db_session, meeting)

    @get("/{meeting_id:int}/minutes/revisions", sync_to_thread=True, guards=READ,
         summary="Every revision of the minutes, oldest first")
    def revisions(self, request: Request, db_session: NamedDependency[Session],
                  meeting_id: FromPath[int]) -> list[RevisionOut]:
        meeting = visible_meeting_or_404(request, db_session, meeting_id)
        if not shows_minutes(current_principal(request), meeting):
            return []
        return [RevisionOut(number=r.number, sha256=r.sha256, actor=r.actor, at=r.at.isoformat(), content=r.content)
                for r in revisions_of(db_session, meeting.id)]

    @post("/{meeting_id:int}/approvals", sync_to_thread=True, guards=EDIT,
          summary="Record a head of delegation's approval of the current revision; requires If-Match")
    def approve(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                data: JSONBody[ApprovalIn]) -> Response[MeetingDetail]:
        meeting = editable_meeting_or_404(request, db_session, meeting_id)
        services.approve_minutes(db_session, actor_for(request), meeting, data.participant_id,
                                 data.approved_on or date.today(), expected_version(request))
        return committed(request, db_session, meeting, 201)

    @get("/{meeting_id:int}/documents/{name:str}", sync_to_thread=True, guards=READ,
         summary="agenda.docx, agenda.pdf, minutes.docx or minutes.pdf; ?layout=side_by_side|sequential")
    def document(self, request: Request, db_session: NamedDependency[Session], meeting_id: FromPath[int],
                 name: FromPath[str], layout: FromQuery[str | None] = None) -> Response[bytes]:
        meeting = visible_meeting_or_404(request, db_session, meeting_id)
        kind, fmt = DOCUMENT_NAMES.get(name) or (None, None)
        if kind is None or (kind == "minutes" and not (shows_minutes(current_principal(request), meeting)
                                                        and meeting.minutes_revision)):
            raise NotFoundException(detail=f"no document {name!r} for meeting {meeting_id}")
        return document_response(request, db_session, meeting, kind, fmt,
                                 parse_choice("layout", layout, ["side_by_side", "sequential"]))


def document_response(request: Request, session: Session, meeting: Meeting, kind: str, fmt: str,
                      layout: str | None) -> Response[bytes]:
    """DOCX rendered in a render worker; PDF through the warm LibreOffice (no LibreOffice: the
    503 of registry/web/problem_handlers.py names the packages to install)."""
    document = document_request(session, meeting, kind, layout)
    data = request.app.state.render_pool.run(render_request, document)
    filename = document.filename
    media_type = DOCX
    if fmt == "pdf":
        data = pdf_from_docx(request.app.state.converter, data)  # keeps the provenance
        filename, media_type = filename.removesuffix(".docx") + ".pdf", "application/pdf"
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": content_disposition(filename)})


class FollowUpController(Controller):
    """Follow-up of decisions and action items, which goes on after the minutes are frozen; the
    decision log of a country; the contacts kept for the next sessions."""

    tags = ["meetings"]

    @post("/api/action-items/{action_id:int}/status", sync_to_thread=True, guards=EDIT, status_code=200,
          summary="Mark an action item done or dropped (in the session that closed it), or open again")
    def action_status(self, request: Request, db_session: NamedDependency[Session], action_id: FromPath[int],
                      data: JSONBody[ActionStatusIn]) -> ActionOut:
        action = db_session.get(ActionItem, action_id)
        if action is None:
            raise NotFoundException(detail=f"no action item {action_id}")
        meeting = editable_meeting_or_404(request, db_session, action.meeting_id)
        services.set_action_status(db_session, actor_for(request), action, data.status.value,
                                   data.closed_in_meeting_id, data.note)
        db_session.commit()
        reindex_meeting(request.app.state.search, db_session, meeting)
        return ActionOut.model_validate(action, from_attributes=True)

    @post("/api/decisions/{decision_id:int}/status", sync_to_thread=True, guards=EDIT, status_code=200,
          summary="Follow-up of a decision: agreed, implemented, abandoned")
    def decision_status(self, request: Request, db_session: NamedDependency[Session], decision_id: FromPath[int],
                        data: JSONBody[DecisionStatusIn]) -> dict:
        decision = db_session.get(Decision, decision_id)
        if decision is None:
            raise NotFoundException(detail=f"no decision {decision_id}")
        editable_meeting_or_404(request, db_session, decision.meeting_id)
        services.set_decision_status(db_session, actor_for(request), decision, data.status.value, data.meeting_id,
                                     data.note)
        db_session.commit()
        return {"id": decision.id, "status": decision.status, "status_meeting_id": decision.status_meeting_id}

    @get("/api/decisions", sync_to_thread=True, guards=READ,
         summary="Decision log of a country: every decision with its session, status and what it changed")
    def decision_log(self, request: Request, db_session: NamedDependency[Session],
                     country: FromQuery[str]) -> list[DecisionLogRow]:
        code = get_country_or_404(db_session, country).code
        return decision_rows(db_session, current_principal(request), code, resolvers_of(request))

    @get("/api/decisions.csv", sync_to_thread=True, guards=READ, summary="The decision log of a country as CSV")
    def decision_log_csv(self, request: Request, db_session: NamedDependency[Session],
                         country: FromQuery[str]) -> Response[str]:
        return decisions_csv(request, db_session, country)

    @get("/api/contacts", sync_to_thread=True, guards=[requires(Permission.read_staff)],
         summary="Contacts kept for the meetings of a country")
    def contacts(self, request: Request, db_session: NamedDependency[Session],
                 country: FromQuery[str | None] = None) -> list[ContactOut]:
        principal = current_principal(request)
        query = select(Contact).order_by(Contact.country_code, Contact.side, Contact.name)
        if country:
            query = query.where(Contact.country_code == country.upper())
        return [ContactOut.model_validate(c, from_attributes=True) for c in db_session.exec(query).all()
                if principal.covers_country(c.country_code)]

    @post("/api/contacts", sync_to_thread=True, guards=EDIT, summary="Keep a new contact")
    def create_contact(self, request: Request, db_session: NamedDependency[Session],
                       data: JSONBody[ContactCreate]) -> ContactOut:
        refuse_other_country(request, data.country_code.upper())
        contact = services.create_contact(db_session, actor_for(request), data.values())
        db_session.commit()
        return ContactOut.model_validate(contact, from_attributes=True)


def decisions_csv(request: Request, session: Session, country: str) -> Response[str]:
    code = get_country_or_404(session, country).code  # also keeps the file name ASCII
    rows = decision_csv_rows(decision_rows(session, current_principal(request), code, resolvers_of(request)))
    return Response(write_csv(CSV_COLUMNS, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="decisions-{code}.csv"'})
