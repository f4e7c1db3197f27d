"""One request per write route, on a Serbian (RS) object, valid for a principal whose limits
cover Serbia: tests/test_permissions_matrix.py sends it as a principal limited to Argentina
(403, audited, nothing changed), then as one limited to Serbia (it succeeds).

A write route of the application that is neither here nor in NOT_COUNTRY_MATERIAL fails
`test_every_write_route_has_a_cross_country_case`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from agreements.meetings import services as meetings
from agreements.meetings.models import Meeting
from agreements.meetings.queries import action_items_of, agenda_of, decisions_of, heads_of, participants_of
from agreements.meetings.references import DEFAULT_RESOLVERS
from agreements.models import Instrument
from forms import services as forms
from forms.models import Form, FormVersion
from tests.documents import docx_bytes
from tests.factories import DELEGATION, LEGAL, create_instrument, held_with_minutes, plan

# write routes that touch nothing of a country: who may call them is the permission table's business
NOT_COUNTRY_MATERIAL = {
    ("POST", "/login"): "logging in: no principal yet",
    ("POST", "/logout"): "one's own session",
    ("POST", "/account/password"): "one's own password",
    **{("POST", path): "accounts and tokens (manage_users), not country material" for path in (
        "/admin/users", "/admin/users/{user_id:int}/disable", "/admin/users/{user_id:int}/enable",
        "/admin/users/{user_id:int}/role", "/admin/tokens", "/admin/tokens/{token_id:int}/revoke")},
    ("POST", "/api/documents/verify"): "a read: which version produced a file",
    ("POST", "/api/forms/{code:str}/documents"): "generation is a read of a published version (audited)",
    ("POST", "/api/forms/{code:str}/batches"): "generation is a read of a published version (audited)",
    ("POST", "/forms/{code:str}/fill"): "generation is a read of a published version (audited)",
    ("POST", "/api/forms/{code:str}/versions/{number:int}/template"): "the author's check (dry_run): stores nothing",
}
SERBIAN_AGREEMENT = "2014-11-06-accord"
PENDING_FORM = "SE 121-05"  # a draft awaiting the Serbian validation (shipped catalog)


@dataclass
class Call:
    method: str
    url: str
    json: dict | None = None
    data: dict | None = None
    files: dict | None = None
    version: int | None = None  # sent as If-Match (API) or as the form field `version` (pages)

    @property
    def is_page(self) -> bool:
        return not self.url.startswith("/api/")


@dataclass
class World:
    """Serbian records made through the services, as each case needs them."""

    engine: object
    made: dict = field(default_factory=dict)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def instrument(self, name: str = "protocol") -> Instrument:
        if name not in self.made:
            with self.session() as db:
                self.made[name] = create_instrument(db, slug=f"protocole-{name}", title_fr=f"Protocole {name}")
        return self.made[name]

    def agreement(self) -> Instrument:
        with self.session() as db:
            return db.exec(select(Instrument).where(Instrument.country_code == "RS",
                                                    Instrument.slug == SERBIAN_AGREEMENT)).one()

    def planned(self) -> Meeting:
        """A planned meeting with an accepted agenda item and a participant."""
        if "planned" not in self.made:
            with self.session() as db:
                meeting = plan(db, starts_on=date(2024, 6, 3), ends_on=date(2024, 6, 3))
                for item in agenda_of(db, meeting.id):
                    meetings.update_agenda_item(db, DELEGATION, meeting, item, {"proposed": False}, meeting.version,
                                                DEFAULT_RESOLVERS)
                meetings.add_agenda_item(db, DELEGATION, meeting, {"title_fr": "Divers"}, meeting.version,
                                         DEFAULT_RESOLVERS)
                contact = meetings.create_contact(db, DELEGATION, {"name": "Ana Primer", "side": "partner",
                                                                   "country_code": "RS"})
                meetings.add_participant(db, DELEGATION, meeting, contact, {}, meeting.version)
                meetings.change_status(db, DELEGATION, meeting, "agenda_sent", meeting.version)
                db.commit()
                self.made["planned"] = meeting
        return self.made["planned"]

    def minutes(self) -> Meeting:
        """A held meeting whose minutes are being drafted (two heads of delegation, a decision, an
        action item)."""
        if "minutes" not in self.made:
            with self.session() as db:
                self.made["minutes"] = held_with_minutes(db)[0]
        return self.made["minutes"]

    def meeting_part(self, meeting: Meeting, what: str) -> int:
        with self.session() as db:
            if what == "item":
                return agenda_of(db, meeting.id)[-1].id
            if what == "head":
                return heads_of(db, meeting.id)[0][0].id
            if what == "participant":
                return participants_of(db, meeting.id)[0][0].id
            if what == "decision":
                return decisions_of(db, meeting.id)[0].id
            return action_items_of(db, meeting.id)[0].id

    def current(self, model, record_id: int) -> int:
        with self.session() as db:
            return db.get(model, record_id).version

    def pending(self) -> FormVersion:
        with self.session() as db:
            return db.exec(select(FormVersion).join(Form).where(Form.code == PENDING_FORM,
                                                                FormVersion.status == "draft")).one()

    def validated(self) -> FormVersion:
        """The pending Serbian form version, validated by the Serbian body too."""
        if "validated" not in self.made:
            with self.session() as db:
                version = self.pending()
                version = db.get(FormVersion, version.id)
                form = db.get(Form, version.form_id)
                forms.record_validation(db, LEGAL, form, version, {"side": "partner", "validated_on": date(2024, 2, 1),
                                                                   "body_name": "RFZO"}, version.version)
                db.commit()
                self.made["validated"] = version
        return self.made["validated"]

    def published(self) -> FormVersion:
        with self.session() as db:
            return db.exec(select(FormVersion).join(Form).where(Form.code == "SE 121-01",
                                                                FormVersion.status == "published")).one()

    def template_of(self, version: FormVersion) -> bytes:
        with self.session() as db:
            return db.get(FormVersion, version.id).template_data


def text_file() -> dict:
    return {"file": ("accord.docx", docx_bytes("Accord de sécurité sociale"),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}


def instrument_row(slug: str) -> dict:
    return {"country_code": "RS", "kind": "protocol", "title_fr": f"Protocole {slug}", "slug": slug,
            "signed_on": "2024-02-02"}


IMPORT_CSV = "country_code,kind,title_fr,slug,signed_on\nRS,protocol,Protocole importé,protocole-importe,2024-02-02\n"


def instrument_form(instrument: Instrument, **changes) -> dict:
    return {"kind": instrument.kind, "title_fr": instrument.title_fr, "signed_on": instrument.signed_on.isoformat(),
            "in_force_on": instrument.in_force_on.isoformat(), "confidence": "high", "risks": ["old_age"], **changes}


def version_url(version: FormVersion, code: str = PENDING_FORM.replace(" ", "-")) -> str:
    return f"/api/forms/{code}/versions/{version.number}"


def item_url(w: World) -> str:
    meeting = w.planned()
    return f"/api/meetings/{meeting.id}/agenda/{w.meeting_part(meeting, 'item')}"


CASES: dict[tuple[str, str], Callable[[World], Call]] = {
    # instruments, API
    ("POST", "/api/instruments"): lambda w: Call("POST", "/api/instruments", json=instrument_row("protocole-neuf")),
    ("PATCH", "/api/instruments/{instrument_id:int}"): lambda w: Call(
        "PATCH", f"/api/instruments/{w.instrument().id}", json={"title_fr": "Protocole révisé"},
        version=w.current(Instrument, w.instrument().id)),
    ("POST", "/api/instruments/{instrument_id:int}/archive"): lambda w: Call(
        "POST", f"/api/instruments/{w.instrument().id}/archive", version=w.current(Instrument, w.instrument().id)),
    ("POST", "/api/instruments/{instrument_id:int}/links"): lambda w: Call(
        "POST", f"/api/instruments/{w.instrument().id}/links", json={"kind": "implements", "to_id": w.agreement().id}),
    ("POST", "/api/instruments/{instrument_id:int}/texts"): lambda w: Call(
        "POST", f"/api/instruments/{w.instrument().id}/texts", data={"language": "fr"}, files=text_file()),
    ("POST", "/api/import/instruments"): lambda w: Call(
        "POST", "/api/import/instruments", json={"format": "registry-instruments/1",
                                                 "instruments": [instrument_row("protocole-importe")]}),
    ("POST", "/api/import/instruments.csv"): lambda w: Call(
        "POST", "/api/import/instruments.csv", files={"instruments": ("instruments.csv", IMPORT_CSV, "text/csv")}),
    # forms, API
    ("POST", "/api/forms"): lambda w: Call("POST", "/api/forms", json={
        "code": "SE 121-40", "country_code": "RS", "instrument_slug": SERBIAN_AGREEMENT, "title_fr": "Attestation",
        "title_partner": "Potvrda", "partner_language": "sr-Latn", "risk": "old_age", "direction": "both"}),
    ("POST", "/api/forms/{code:str}/versions"): lambda w: Call(
        "POST", "/api/forms/SE-121-01/versions", json={"label": "2025-01"}),
    ("PATCH", "/api/forms/{code:str}/versions/{number:int}"): lambda w: Call(
        "PATCH", version_url(w.pending()), json={"change_notes": "Relu"}, version=w.pending().version),
    ("PUT", "/api/forms/{code:str}/versions/{number:int}/template"): lambda w: Call(
        "PUT", version_url(w.pending()) + "/template", version=w.pending().version,
        files={"file": ("template.docx", w.template_of(w.pending()), "application/octet-stream")}),
    ("POST", "/api/forms/{code:str}/versions/{number:int}/validations"): lambda w: Call(
        "POST", version_url(w.pending()) + "/validations", version=w.pending().version,
        json={"side": "partner", "validated_on": "2024-02-01", "body_name": "RFZO"}),
    ("POST", "/api/forms/{code:str}/versions/{number:int}/publish"): lambda w: Call(
        "POST", version_url(w.validated()) + "/publish", json={"valid_from": "2024-03-01"},
        version=w.current(FormVersion, w.validated().id)),
    ("POST", "/api/forms/{code:str}/versions/{number:int}/withdraw"): lambda w: Call(
        "POST", version_url(w.published(), "SE-121-01") + "/withdraw", json={"reason": "remplacé"},
        version=w.published().version),
    # meetings, API
    ("POST", "/api/meetings"): lambda w: Call("POST", "/api/meetings", json={
        "country_code": "RS", "kind": "technical_meeting", "starts_on": "2025-05-05"}),
    ("PATCH", "/api/meetings/{meeting_id:int}"): lambda w: Call(
        "PATCH", f"/api/meetings/{w.planned().id}", json={"place": "Novi Sad"}, version=w.planned().version),
    ("POST", "/api/meetings/{meeting_id:int}/status"): lambda w: Call(
        "POST", f"/api/meetings/{w.planned().id}/status", json={"status": "held"}, version=w.planned().version),
    ("POST", "/api/meetings/{meeting_id:int}/agenda"): lambda w: Call(
        "POST", f"/api/meetings/{w.planned().id}/agenda", json={"title_fr": "Questions diverses"},
        version=w.planned().version),
    ("PATCH", "/api/meetings/{meeting_id:int}/agenda/{item_id:int}"): lambda w: Call(
        "PATCH", item_url(w), json={"title_fr": "Divers et varia"}, version=w.planned().version),
    ("POST", "/api/meetings/{meeting_id:int}/participants"): lambda w: Call(
        "POST", f"/api/meetings/{w.planned().id}/participants", version=w.planned().version,
        json={"contact": {"name": "Jovan Primer", "side": "partner", "country_code": "RS"}}),
    ("PATCH", "/api/meetings/{meeting_id:int}/participants/{participant_id:int}"): lambda w: Call(
        "PATCH", f"/api/meetings/{w.planned().id}/participants/{w.meeting_part(w.planned(), 'participant')}",
        json={"role": "cheffe de délégation"}, version=w.planned().version),
    ("PUT", "/api/meetings/{meeting_id:int}/minutes"): lambda w: Call(
        "PUT", f"/api/meetings/{w.minutes().id}/minutes", version=w.minutes().version,
        json={"items": [{"agenda_item_id": w.meeting_part(w.minutes(), "item"), "discussion_fr": "Échanges revus."}]}),
    ("POST", "/api/meetings/{meeting_id:int}/approvals"): lambda w: Call(
        "POST", f"/api/meetings/{w.minutes().id}/approvals", json={"participant_id": w.meeting_part(w.minutes(), "head")},
        version=w.minutes().version),
    ("POST", "/api/action-items/{action_id:int}/status"): lambda w: Call(
        "POST", f"/api/action-items/{w.meeting_part(w.minutes(), 'action')}/status", json={"status": "done"}),
    ("POST", "/api/decisions/{decision_id:int}/status"): lambda w: Call(
        "POST", f"/api/decisions/{w.meeting_part(w.minutes(), 'decision')}/status", json={"status": "implemented"}),
    ("POST", "/api/contacts"): lambda w: Call("POST", "/api/contacts", json={
        "name": "Milan Primer", "side": "partner", "country_code": "RS"}),
    # instruments, pages
    ("POST", "/instruments/new"): lambda w: Call("POST", "/instruments/new", data={
        "country_code": "RS", "kind": "protocol", "title_fr": "Protocole saisi", "signed_on": "2024-02-02"}),
    ("POST", "/countries/{code:str}/instruments/{slug:str}/edit"): lambda w: Call(
        "POST", f"/countries/RS/instruments/{w.instrument().slug}/edit",
        data=instrument_form(w.instrument(), title_fr="Protocole revu"), version=w.current(Instrument, w.instrument().id)),
    ("POST", "/countries/{code:str}/instruments/{slug:str}/texts"): lambda w: Call(
        "POST", f"/countries/RS/instruments/{w.instrument().slug}/texts", data={"language": "fr"}, files=text_file()),
    ("POST", "/countries/{code:str}/instruments/{slug:str}/links"): lambda w: Call(
        "POST", f"/countries/RS/instruments/{w.instrument().slug}/links",
        data={"kind": "implements", "to_id": str(w.agreement().id)}),
    ("POST", "/instruments/import"): lambda w: Call(
        "POST", "/instruments/import", data={"apply": "on"},
        files={"instruments": ("instruments.csv", IMPORT_CSV, "text/csv")}),
    # meetings, pages
    ("POST", "/meetings/new"): lambda w: Call("POST", "/meetings/new", data={
        "country_code": "RS", "kind": "technical_meeting", "starts_on": "2025-05-05", "ends_on": "2025-05-05"}),
    ("POST", "/meetings/{meeting_id:int}/edit"): lambda w: Call(
        "POST", f"/meetings/{w.planned().id}/edit", version=w.planned().version,
        data={"kind": "technical_meeting", "starts_on": "2024-06-03", "ends_on": "2024-06-03", "place": "Niš",
              "audience": "public", "document_layout": "side_by_side"}),
    ("POST", "/meetings/{meeting_id:int}/status"): lambda w: Call(
        "POST", f"/meetings/{w.planned().id}/status", data={"status": "held"}, version=w.planned().version),
    ("POST", "/meetings/{meeting_id:int}/agenda"): lambda w: Call(
        "POST", f"/meetings/{w.planned().id}/agenda", data={"title_fr": "Questions diverses"},
        version=w.planned().version),
    ("POST", "/meetings/{meeting_id:int}/agenda/{item_id:int}"): lambda w: Call(
        "POST", item_url(w).removeprefix("/api"), data={"action": "up"}, version=w.planned().version),
    ("POST", "/meetings/{meeting_id:int}/participants"): lambda w: Call(
        "POST", f"/meetings/{w.planned().id}/participants", version=w.planned().version,
        data={"name": "Jovan Primer", "side": "partner"}),
    ("POST", "/meetings/{meeting_id:int}/participants/{participant_id:int}"): lambda w: Call(
        "POST", f"/meetings/{w.planned().id}/participants/{w.meeting_part(w.planned(), 'participant')}",
        data={"action": "head"}, version=w.planned().version),
    ("POST", "/meetings/{meeting_id:int}/minutes"): lambda w: Call(
        "POST", f"/meetings/{w.minutes().id}/minutes", version=w.minutes().version,
        data={f"item-{w.meeting_part(w.minutes(), 'item')}-discussion_fr": "Échanges revus."}),
    ("POST", "/meetings/{meeting_id:int}/approvals"): lambda w: Call(
        "POST", f"/meetings/{w.minutes().id}/approvals", data={"participant_id": str(w.meeting_part(w.minutes(), "head"))},
        version=w.minutes().version),
    ("POST", "/action-items/{action_id:int}/status"): lambda w: Call(
        "POST", f"/action-items/{w.meeting_part(w.minutes(), 'action')}/status", data={"status": "done"}),
}
