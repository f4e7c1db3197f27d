"""Drafts are drafts: minutes before publication (statuses held, minutes_draft, minutes_approved)
are read only by staff of the meeting's country (read_staff, with country limits covering it);
everyone else sees the meeting and its agenda, and that minutes are in preparation. Checked per
role on the API, the page, the documents, the revisions and search."""

import pytest
from sqlmodel import Session

from registry.composition import reindex
from tests.factories import held_with_minutes

# the draft's words, in the discussion, a decision, an action item and the participants
DRAFT_WORDS = ("Échanges.", "Rasprava.", "Le formulaire est validé.", "Obrazac je validiran.", "Publier",
               "Claire Exemple")
READERS = {  # who reads the draft minutes of a Serbian meeting
    "anonymous": (None, (), False),
    "researcher": ("researcher", (), False),
    "caisse": ("caisse", (), False),
    "delegation of Brazil": ("delegation", ("BR",), False),
    "delegation of Serbia": ("delegation", ("RS",), True),
    "legal": ("legal", (), True),
    "admin": ("admin", (), True),
}


@pytest.fixture
def draft(app, search_backend):
    """A public Serbian meeting whose minutes are being drafted, indexed."""
    with Session(app.state.engine, expire_on_commit=False) as db:
        meeting, _heads = held_with_minutes(db)
        assert meeting.status == "minutes_draft" and meeting.audience == "public"
        reindex(db, search_backend)
    return meeting


def minutes_words(body: dict) -> list[str]:
    found = [text for item in body["agenda"] for text in (item["discussion_fr"], item["discussion_partner"]) if text]
    found += [text for item in body["agenda"] for d in item["decisions"] or [] for text in (d["text_fr"], d["text_partner"])]
    found += [a["text_fr"] for item in body["agenda"] for a in item["action_items"] or []]
    found += [p["name"] for p in body["participants"] or []]
    return found


def check_api(api, meeting_id: int, sees: bool) -> None:
    body = api.get(f"/api/meetings/{meeting_id}").json()
    assert body["minutes"] == "in_preparation" and body["minutes_shown"] is sees
    assert [item["title_fr"] for item in body["agenda"]][-1] == "Formulaires"  # the agenda is public
    revisions = api.get(f"/api/meetings/{meeting_id}/minutes/revisions").json()
    if sees:
        assert set(DRAFT_WORDS) <= set(minutes_words(body)) and "minutes.docx" in body["documents"]
        assert [r["number"] for r in revisions] == [1]
    else:
        assert minutes_words(body) == [] and body["participants"] is None and body["approvals"] is None
        assert set(body["documents"]) == {"agenda.docx", "agenda.pdf"} and revisions == []


def check_page(browser, meeting_id: int, sees: bool) -> None:
    page = browser.get(f"/meetings/{meeting_id}?lang=en")
    assert page.status_code == 200 and "Formulaires" in page.text
    shown = [word for word in DRAFT_WORDS if word in page.text]
    if sees:
        assert shown == list(DRAFT_WORDS) and "The minutes are in preparation" not in page.text
    else:
        assert shown == [] and "The minutes are in preparation" in page.text
        assert "/documents/minutes." not in page.text


def check_search(api, meeting_id: int, sees: bool) -> None:
    hits = [h for h in api.get("/api/search?q=Rasprava").json()["hits"] if h["url"].startswith(f"/meetings/{meeting_id}")]
    assert [h["kind"] for h in hits] == (["minutes"] if sees else [])
    assert any(h["kind"] == "meeting" and h["url"] == f"/meetings/{meeting_id}"
               for h in api.get("/api/search?q=Formulaires Beograd").json()["hits"])


@pytest.mark.parametrize("who", list(READERS))
def test_draft_minutes_reach_staff_of_the_country_only(who, draft, client, api_client_as, login_as):
    """API, revisions, page and search, through a token and through a browser session."""
    role, countries, sees = READERS[who]
    api = client if role is None else api_client_as(role, countries=countries)
    browser = client if role is None else login_as(role, countries=countries)
    check_api(api, draft.id, sees)
    check_page(browser, draft.id, sees)
    check_search(api, draft.id, sees)


@pytest.mark.parametrize("who", ["anonymous", "caisse", "delegation of Brazil", "delegation of Serbia"])
def test_the_minutes_document_is_a_404_until_published_except_for_staff(who, draft, client, api_client_as):
    role, countries, sees = READERS[who]
    api = client if role is None else api_client_as(role, countries=countries)
    assert api.get(f"/api/meetings/{draft.id}/documents/minutes.docx").status_code == (200 if sees else 404)
    assert api.get(f"/api/meetings/{draft.id}/documents/agenda.docx").status_code == 200


def test_published_minutes_are_read_by_everyone(draft, client, app, api_client_as):
    """The same minutes once approved by both heads and published: the public reads them."""
    from agreements.meetings import services
    from agreements.meetings.queries import heads_of
    from tests.factories import DELEGATION

    with Session(app.state.engine, expire_on_commit=False) as db:
        meeting = db.merge(draft)
        for participant, _contact in heads_of(db, meeting.id):
            services.approve_minutes(db, DELEGATION, meeting, participant.id, meeting.starts_on, meeting.version)
        services.change_status(db, DELEGATION, meeting, "minutes_approved", meeting.version)
        assert client.get(f"/api/meetings/{meeting.id}").json()["minutes_shown"] is False  # approved, not published
        services.change_status(db, DELEGATION, meeting, "published", meeting.version)
        db.commit()
    body = client.get(f"/api/meetings/{draft.id}").json()
    assert body["minutes"] == "published" and body["minutes_shown"] is True
    assert set(DRAFT_WORDS) <= set(minutes_words(body))
