"""Meetings as search documents: one per meeting (its title and agenda) and one per agenda
item's minutes (discussion, decisions, action items in both languages).

Audiences: a restricted meeting's documents are "staff"; a public meeting is "public", but its
minutes only once they are published (drafts stay "staff").

The unit is the meeting: a change to it, its agenda, decisions, action items or minutes
refreshes its documents and removes those of agenda items withdrawn since.

Context (found, never shown): the country's names in French, English and its own languages,
the words that name the meeting's kind and, for minutes, "procès-verbal"/"minutes" (and
"décision" when the item records one), the meeting's titles and its dates written out. So
"créances andorre" finds the Andorran claims item, whose text says "franco-andorrane" only.
Both kinds of document apply from the meeting's first day (the as-of filter: held by then)."""


from sqlmodel import Session, select

from agreements.meetings.labels import KIND_LABELS
from agreements.meetings.models import ActionItem, AgendaItem, Decision, Meeting, MeetingStatus, MinutesRevision
from agreements.meetings.queries import agenda_of
from registry.auth.audiences import PUBLIC, STAFF
from registry.i18n import country_names, format_date
from registry.models import Country
from search import SearchDocument
from search.sources import Refresh, SearchSource

# what readers call each kind of meeting, in French and English
KIND_WORDS = {
    "joint_commission": "commission mixte joint commission réunion meeting",
    "technical_meeting": "rencontre technique technical meeting réunion meeting",
    "bilateral_meeting": "rencontre bilatérale bilateral meeting réunion meeting",
    "videoconference": "visioconférence videoconference réunion meeting",
}
MINUTES_WORDS = "procès-verbal compte rendu minutes"
DECISION_WORDS = "décision relevé de décisions decision"


def meeting_title(meeting: Meeting, country: Country | None) -> str:
    name = country.name_fr if country else meeting.country_code
    return meeting.title_fr or f"{KIND_LABELS[meeting.kind]} – {name}"


def meeting_context(meeting: Meeting, country: Country | None, title: str) -> str:
    names = country_names(country.code, country.languages) if country else [meeting.country_code]
    dates = [format_date(day, lang) for day in {meeting.starts_on, meeting.ends_on} for lang in ("fr", "en")]
    return " ".join([title, meeting.title_partner, *names, KIND_WORDS.get(meeting.kind, ""), *dates])


def meeting_documents(session: Session, meeting: Meeting) -> list[SearchDocument]:
    country = session.get(Country, meeting.country_code)
    title = f"{meeting_title(meeting, country)} ({meeting.starts_on.isoformat()})"
    url = f"/meetings/{meeting.id}"
    public = meeting.audience == PUBLIC
    minutes_audience = PUBLIC if public and meeting.status == MeetingStatus.published else STAFF
    items = [i for i in agenda_of(session, meeting.id) if not i.proposed]
    context = meeting_context(meeting, country, meeting_title(meeting, country))
    common = dict(country=meeting.country_code, dated=meeting.starts_on, status=meeting.status,
                  valid_from=meeting.starts_on)
    docs = [SearchDocument(
        key=f"meeting:{meeting.id}", kind="meeting", title=title, url=url, audience=PUBLIC if public else STAFF,
        body=" ".join(filter(None, [meeting.title_partner, meeting.place, country.name_fr if country else "",
                                    country.name_en if country else "",
                                    *(t for i in items for t in (i.title_fr, i.title_partner, i.description))])),
        context=context, **common)]
    if not meeting.minutes_revision:
        return docs
    decisions = session.exec(select(Decision).where(Decision.meeting_id == meeting.id,
                                                    Decision.withdrawn == False)).all()  # noqa: E712
    actions = session.exec(select(ActionItem).where(ActionItem.meeting_id == meeting.id,
                                                    ActionItem.withdrawn == False)).all()  # noqa: E712
    for item in items:
        decided = [t for d in decisions if d.agenda_item_id == item.id for t in (d.text_fr, d.text_partner)]
        texts = [item.discussion_fr, item.discussion_partner, *decided,
                 *(t for a in actions if a.agenda_item_id == item.id for t in (a.text_fr, a.text_partner, a.owner))]
        words = f"{context} {MINUTES_WORDS} {DECISION_WORDS if decided else ''}"
        docs.append(SearchDocument(key=f"meeting:{meeting.id}:item:{item.id}", kind="minutes",
                                   title=f"{title} – {item.title_fr}", url=f"{url}#item-{item.id}",
                                   audience=minutes_audience, context=words,
                                   body=" ".join(filter(None, [item.title_partner, *texts])), **common))
    return docs


def stale_keys(session: Session, meeting: Meeting) -> list[str]:
    """Keys of agenda items that no longer have a document (withdrawn or back to proposed)."""
    return [f"meeting:{meeting.id}:item:{i.id}" for i in agenda_of(session, meeting.id, include_withdrawn=True)
            if i.withdrawn or i.proposed or not meeting.minutes_revision]


def refresh_meetings(session: Session, ids: list[int]) -> Refresh:
    refresh = Refresh()
    found = session.exec(select(Meeting).where(Meeting.id.in_(ids)).order_by(Meeting.id)).all()
    for meeting in found:
        refresh.removed.extend(stale_keys(session, meeting))
        refresh.documents.extend(meeting_documents(session, meeting))
    refresh.removed.extend(f"meeting:{i}" for i in sorted(set(ids) - {m.id for m in found}))
    return refresh


def _meeting_id(row) -> int:
    return row.meeting_id


MEETINGS = SearchSource(
    name="meeting",
    watches={Meeting: lambda meeting: meeting.id, AgendaItem: _meeting_id, Decision: _meeting_id,
             ActionItem: _meeting_id, MinutesRevision: _meeting_id},
    unit_ids=lambda session: list(session.exec(select(Meeting.id).order_by(Meeting.id)).all()),
    refresh=refresh_meetings,
)
