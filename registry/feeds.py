"""Atom feeds (RFC 4287) of what changed in the registry, built with feedgen.

Knows no domain object: each feature turns its own dated facts into `FeedEntry`s (agreements/feed.py,
agreements/meetings/feed.py, forms/feed.py), for one reader (`FeedQuery.principal`: restricted
material is never given to a reader who may not see it) and in the reader's language; the
composition root lists those providers. Entries are derived at read time from stored facts, so a
change is in every feed the moment its transaction commits.

When an entry happened (`updated`): shipped reference data (recorded by `SHIPPED_DATA_ACTOR`)
was loaded long after the facts it records, so its entries are dated by the fact itself; an
entry recorded by a person is dated when it was recorded, or when the fact it announces takes
effect if that is later (an agreement recorded in May that enters into force in September is
news in May, as "recorded", and in September, as "in force")."""

import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from feedgen.feed import FeedGenerator

from registry.models import as_utc

SHIPPED_DATA_ACTOR = "system:seed"
MAX_ENTRIES = 200
ENTRY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:liaison-registry:feed-entry")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# what XML 1.0 cannot hold (NUL and other control characters, lone surrogates), nor iCalendar text
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` without the characters an XML or iCalendar document cannot carry (stored data may
    hold a control character pasted in; the feed must still be served)."""
    return NOT_XML.sub("", text)


@dataclass(frozen=True)
class FeedEntry:
    key: str  # what the entry is about, stable: "form_version:12:published"
    updated: datetime  # aware, UTC
    title: str  # in the reader's language
    summary: str
    path: str  # the page on the site: "/forms/SE-121-01/versions/2"
    topic: str  # instrument, form, meeting (the Atom category)
    country_code: str = ""


@dataclass(frozen=True)
class FeedQuery:
    """Whose feed, in which language, narrowed to what. Providers filter on the scope they
    understand and give nothing for a scope that is not theirs (`topic`)."""

    principal: object
    locale: str
    country: str | None = None
    form_slug: str | None = None
    topic: str | None = None
    meeting_kind: str | None = None
    since: date | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def wants(self, topic: str) -> bool:
        return self.topic in (None, topic)


FeedProvider = Callable[[object, FeedQuery], Iterable[FeedEntry]]  # (session, query) -> entries


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def when_recorded(recorded_at: datetime | None, recorded_by: str, shipped_on: date | None) -> datetime | None:
    """An announcement (a form version published, a session planned): when a person recorded it;
    for shipped data, the date the data gives (None: not news, no entry)."""
    if recorded_at is None or recorded_by == SHIPPED_DATA_ACTOR:
        return midnight(shipped_on) if shipped_on else None
    return as_utc(recorded_at)


def when_happened(occurred_on: date, recorded_at: datetime | None, recorded_by: str) -> datetime:
    """A fact (in force, held): the day it happened, or later when it was recorded later."""
    if recorded_at is None or recorded_by == SHIPPED_DATA_ACTOR:
        return midnight(occurred_on)
    return max(midnight(occurred_on), as_utc(recorded_at))


def collect(session, providers: Iterable[FeedProvider], query: FeedQuery) -> list[FeedEntry]:
    """The entries of every provider that happened by now (and since `query.since`), newest first."""
    entries = [e for provider in providers for e in provider(session, query) if e.updated <= query.now
               and (query.since is None or e.updated >= midnight(query.since))]
    entries.sort(key=lambda e: (e.updated, e.key), reverse=True)
    return entries[:MAX_ENTRIES]


@dataclass(frozen=True)
class FeedHead:
    title: str
    subtitle: str
    self_path: str  # the feed's own address, without the query string
    page_path: str  # the page it follows
    author: str
    rights: str


def entry_id(key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(ENTRY_NAMESPACE, key)}"


def atom(head: FeedHead, entries: list[FeedEntry], base_url: str, locale: str) -> bytes:
    """The Atom document; the feed's id is its address's, each entry's id comes from its key."""
    base = base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(entry_id(f"feed:{head.self_path}"))
    fg.title(xml_text(head.title))
    fg.subtitle(xml_text(head.subtitle) or "—")
    fg.language(locale)
    fg.author({"name": head.author})
    fg.rights(head.rights)
    fg.link(href=base + head.self_path, rel="self", type="application/atom+xml")
    fg.link(href=base + head.page_path, rel="alternate", type="text/html")
    fg.updated(entries[0].updated if entries else EPOCH)
    for item in entries:
        entry = fg.add_entry(order="append")
        entry.id(entry_id(item.key))
        entry.title(xml_text(item.title))
        entry.updated(item.updated)
        entry.summary(xml_text(item.summary))
        entry.link(href=base + item.path, rel="alternate", type="text/html")
        entry.category(term=item.topic)
    return fg.atom_str(pretty=True)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
