"""The bilingual agenda (ordre du jour) and minutes (procès-verbal) of a meeting, as DOCX from
the templates in templates_docx/ (built by its script), and as PDF through the converter.

The context is computed here, every text already in its language (dates by
registry.i18n.format_date with the language named); the templates only place values. A meeting
whose partner writes French (Mali, Gabon) gets French only, one language after the other."""

import hashlib
from dataclasses import dataclass
from datetime import date
from importlib import resources

from sqlmodel import Session

from agreements.meetings.models import ActionStatus, DocumentLayout, Meeting, MeetingStatus, Side
from agreements.meetings.queries import (action_items_of, agenda_of, numbered_decisions, participants_of,
                                         session_number)
from agreements.meetings.services.minutes import current_revision
from agreements.meetings.wording import labels_for, language_pair
from registry import i18n
from registry.documents.provenance import Provenance

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = ("agenda", "minutes")


@dataclass(frozen=True)
class DocumentRequest:
    """Everything a render worker needs (picklable)."""

    template: bytes
    context: dict
    partner_language: str
    provenance: Provenance
    title: str
    filename: str


def template_bytes(kind: str, layout: str) -> bytes:
    return resources.files("agreements.meetings").joinpath("templates_docx", f"{kind}_{layout}.docx").read_bytes()


def _dates(meeting: Meeting, lang: str) -> str:
    if meeting.ends_on == meeting.starts_on:
        return i18n.format_date(meeting.starts_on, lang)
    return f"{i18n.format_date(meeting.starts_on, lang)} – {i18n.format_date(meeting.ends_on, lang)}"


def _both(bilingual: bool, fr: str, partner: str, separator: str = " / ") -> str:
    return f"{fr}{separator}{partner}" if bilingual and partner and partner != fr else fr


def _header(meeting: Meeting, kind: str, fr: dict, pr: dict, partner: str, bilingual: bool, number: int) -> dict:
    place_fr = fr["by_video"] if meeting.video and not meeting.place else meeting.place
    place_partner = pr["by_video"] if meeting.video and not meeting.place else meeting.place
    title_fr = meeting.title_fr or f"{fr[meeting.kind]} – {i18n.country_name(meeting.country_code, 'fr')}"
    title_partner = meeting.title_partner or f"{pr[meeting.kind]} – {i18n.country_name(meeting.country_code, partner)}"
    return dict(bilingual=bilingual, L=fr, P=pr, H={k: _both(bilingual, v, pr.get(k, "")) for k, v in fr.items()},
                heading_separator=" – " if bilingual else "", P_agenda=pr["agenda"] if bilingual else "",
                P_minutes=pr["minutes"] if bilingual else "", title_fr=title_fr, title_partner=title_partner,
                dates_fr=_dates(meeting, "fr"), dates_partner=_dates(meeting, partner),
                place_fr=place_fr, place_partner=place_partner,
                illustrative=_both(bilingual, fr["illustrative"], pr["illustrative"], " ") if meeting.illustrative else "",
                reference=f"{meeting.country_code}-{meeting.starts_on.isoformat()} · n° {number}",
                partner_tag=i18n.with_default_script(partner), partner_rtl="1" if i18n.is_rtl(partner) else "0")


def _status_line(session: Session, meeting: Meeting, kind: str, fr: dict, pr: dict, bilingual: bool) -> tuple[str, str]:
    if kind == "agenda":
        return "", ""
    revision = current_revision(session, meeting)
    number = revision.number if revision else 0
    if meeting.status in (MeetingStatus.minutes_approved, MeetingStatus.published):
        return (_both(bilingual, fr["approved"] % {"revision": meeting.approved_revision},
                      pr["approved"] % {"revision": meeting.approved_revision}), f"revision {meeting.approved_revision}")
    return _both(bilingual, fr["draft"], pr["draft"]), f"revision {number} (draft)"


def build_context(session: Session, meeting: Meeting, kind: str) -> tuple[dict, str]:
    """(template context, version label) of the agenda or minutes of `meeting`."""
    pair = language_pair(meeting.partner_language)
    bilingual = len(pair) == 2
    partner = pair[-1]
    fr, pr = labels_for("fr"), labels_for(partner)
    context = _header(meeting, kind, fr, pr, partner, bilingual, session_number(session, meeting))
    status_line, version = _status_line(session, meeting, kind, fr, pr, bilingual)
    version = version or "agenda"
    context["status_line"], context["version_line"] = status_line, version
    numbered = numbered_decisions(session, meeting.id)
    items = []
    for number, item in enumerate(agenda_of(session, meeting.id), start=1):
        decisions = [{"number": n, "text_fr": d.text_fr, "text_partner": d.text_partner or d.text_fr}
                     for n, d in numbered if d.agenda_item_id == item.id]
        rows = [{"fr": item.discussion_fr, "partner": item.discussion_partner}] if (
            item.discussion_fr or item.discussion_partner) else []
        rows += [{"fr": f"{fr['decision']} {d['number']} : {d['text_fr']}",
                  "partner": f"{pr['decision']} {d['number']}: {d['text_partner']}"} for d in decisions]
        items.append({"number": number, "title_fr": item.title_fr, "title_partner": item.title_partner or item.title_fr,
                      "description": item.description if kind == "agenda" else "",
                      "discussion_fr": item.discussion_fr, "discussion_partner": item.discussion_partner,
                      "decisions": decisions, "rows": rows})
    context["items"] = items
    context["participants"] = [{
        "side": _both(bilingual, fr["france_delegation" if p.side == Side.france else "partner_delegation"],
                      pr["france_delegation" if p.side == Side.france else "partner_delegation"]),
        "name": c.name, "head": f" ({_both(bilingual, fr['head'], pr['head'])})" if p.is_head else "",
        "organisation": c.organisation, "role": p.role} for p, c in participants_of(session, meeting.id)]
    context["actions"] = [{
        "number": n, "text_fr": a.text_fr, "text_partner": a.text_partner if bilingual else "", "owner": a.owner or "—",
        "due": _both(bilingual, i18n.format_date(a.due_on, "fr"), i18n.format_date(a.due_on, partner))
        if a.due_on else "—",
        "status": _both(bilingual, fr[a.status], pr[a.status]) if a.status in ActionStatus.__members__ else a.status,
    } for n, a in enumerate(action_items_of(session, meeting.id), start=1)]
    return context, version


def layout_for(meeting: Meeting, requested: str | None = None) -> str:
    """The meeting's setting, or the one asked for; French only is always one column."""
    if len(language_pair(meeting.partner_language)) == 1:
        return DocumentLayout.sequential.value
    return requested or meeting.document_layout


def document_request(session: Session, meeting: Meeting, kind: str, layout: str | None = None,
                     today: date | None = None) -> DocumentRequest:
    template = template_bytes(kind, layout_for(meeting, layout))
    context, version = build_context(session, meeting, kind)
    pair = language_pair(meeting.partner_language)
    provenance = Provenance.now(kind=kind, reference=f"meeting:{meeting.id}", version=version,
                                languages=(pair[0], pair[-1]), template_sha256=hashlib.sha256(template).hexdigest(),
                                as_of=(today or date.today()).isoformat())
    title = f"{context['L'][kind]} – {context['title_fr']}"
    filename = f"{'ordre-du-jour' if kind == 'agenda' else 'proces-verbal'}-{meeting.country_code}-{meeting.starts_on}.docx"
    return DocumentRequest(template, context, pair[-1], provenance, title[:200], filename)


def render_request(request: DocumentRequest) -> bytes:
    """Runs in a render worker (registry/documents/workers.py)."""
    from registry.documents.render import render_docx

    return render_docx(request.template, request.context, request.partner_language, request.provenance, request.title)
