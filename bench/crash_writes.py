"""The writes of bench/crash_test.py: every kind the registry takes, through its HTTP API, each
remembered with what the database must show once it was acknowledged (a 2xx answer).

A write that got no answer (the server died under it) may or may not have committed: nothing
is required of it, but a later acknowledged edit of the same field must win, and an older one
must not come back. Each write carries a fresh word of consonants (no French stemmer touches
it), so what a write changed is easy to find."""

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

CONSONANTS = "bcdfghjklmnpqrstvwxz"
FORMS = ("SE-416-04", "SE-121-01", "SE-121-02", "SE-121-03")  # shipped, published, with templates
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ServerGone(Exception):
    """The request got no answer: the server died (killed, or its fault point fired)."""


@dataclass
class Ledger:
    """What the database must show: plain facts, and fields whose value must be the last
    acknowledged one or a later attempt (acknowledged or not)."""

    facts: list[tuple[str, str, dict]] = field(default_factory=list)  # (what, SQL returning a row, params)
    fields: dict[tuple[str, str, int], list[tuple[str, bool]]] = field(default_factory=dict)

    def require(self, what: str, sql: str, **params) -> None:
        self.facts.append((what, sql, params))

    def attempt(self, table: str, column: str, row_id: int, value: str) -> int:
        values = self.fields.setdefault((table, column, row_id), [])
        values.append((value, False))
        return len(values) - 1

    def acknowledge(self, table: str, column: str, row_id: int, index: int) -> None:
        values = self.fields[(table, column, row_id)]
        values[index] = (values[index][0], True)

    def lost(self, conn: Connection) -> list[str]:
        """Acknowledged writes the database does not show."""
        missing = [what for what, sql, params in self.facts if conn.execute(_statement(sql, params), params).first() is None]
        for (table, column, row_id), values in self.fields.items():
            acked = [i for i, (_value, ok) in enumerate(values) if ok]
            if not acked:
                continue
            now = conn.execute(text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id}).scalar()
            if now not in {value for value, _ok in values[acked[-1]:]}:
                missing.append(f"{table} {row_id} {column}: {now!r} instead of {values[acked[-1]][0]!r} or later")
        return missing

    def count(self) -> int:
        """Acknowledged writes whose effect `lost` verifies (each acknowledged edit of a field:
        the field must show it or a later attempt)."""
        return len(self.facts) + sum(ok for values in self.fields.values() for _value, ok in values)


def _statement(sql: str, params: dict):
    statement = text(sql)
    lists = [name for name, value in params.items() if isinstance(value, tuple)]
    return statement.bindparams(*(bindparam(name, expanding=True) for name in lists)) if lists else statement


class Writer:
    def __init__(self, url: str, token: str, rng: random.Random, docx: Callable[[str], bytes]) -> None:
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        self.rng, self.docx = rng, docx
        self.ledger = Ledger()
        self.instruments: list[int] = []
        self.archived: set[int] = set()
        self.meetings: list[int] = []
        self.form_in_progress: str | None = None  # slug of the form whose new version is on its way
        self.counts: dict[str, int] = {}
        self.refused: dict[str, int] = {}

    def close(self) -> None:
        self.http.close()

    def word(self) -> str:
        return "".join(self.rng.choice(CONSONANTS) for _ in range(10))

    # --- transport --------------------------------------------------------------------------------

    def call(self, kind: str, method: str, url: str, **kwargs) -> httpx.Response | None:
        """The answer, or None for a refusal (4xx: counted, not a failure of the registry).
        Raises ServerGone when there is no answer, AssertionError on a 5xx."""
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise ServerGone(f"{method} {url}") from exc
        if response.status_code >= 500:
            raise AssertionError(f"{method} {url}: {response.status_code} {response.text[:300]}")
        if response.status_code >= 400:
            self.refused[kind] = self.refused.get(kind, 0) + 1
            return None
        if kind != "read":
            self.counts[kind] = self.counts.get(kind, 0) + 1
        return response

    def etag(self, url: str) -> str:
        return self.call("read", "GET", url).headers["etag"]

    # --- one write of a kind drawn at random --------------------------------------------------------

    def write_one(self) -> None:
        """Few meetings and one form at a time, so that each goes through its whole cycle."""
        kinds = [self.instrument_create, self.account_create, self.form_version_step, self.form_version_step]
        if len(self.meetings) < 2 or self.rng.random() < 0.05:
            kinds.append(self.meeting_create)
        if self.instruments:
            kinds += [self.instrument_edit, self.official_text_upload, self.instrument_link, self.instrument_archive]
        if self.meetings:
            kinds += [self.meeting_step] * 3
        self.rng.choice(kinds)()

    def instrument_create(self) -> None:
        title = f"Protocole d'essai {self.word()}"
        answer = self.call("instrument create", "POST", "/api/instruments", json={
            "country_code": "RS", "kind": "protocol", "title_fr": title, "signed_on": "2024-05-02"})
        if answer:
            instrument_id = answer.json()["id"]
            self.instruments.append(instrument_id)
            self.ledger.require(f"instrument {instrument_id} created", "SELECT 1 FROM instrument WHERE id = :id",
                                id=instrument_id)

    def instrument_edit(self) -> None:
        instrument_id = self.rng.choice(self.instruments)
        url = f"/api/instruments/{instrument_id}"
        title = f"Protocole révisé {self.word()}"
        attempt = self.ledger.attempt("instrument", "title_fr", instrument_id, title)
        if self.call("instrument edit", "PATCH", url, json={"title_fr": title}, headers={"If-Match": self.etag(url)}):
            self.ledger.acknowledge("instrument", "title_fr", instrument_id, attempt)

    def instrument_archive(self) -> None:
        candidates = [i for i in self.instruments if i not in self.archived]
        if not candidates:
            return
        instrument_id = self.rng.choice(candidates)
        url = f"/api/instruments/{instrument_id}"
        if self.call("instrument archive", "POST", f"{url}/archive", headers={"If-Match": self.etag(url)}):
            self.archived.add(instrument_id)
            self.ledger.require(f"instrument {instrument_id} archived",
                                "SELECT 1 FROM instrument WHERE id = :id AND archived", id=instrument_id)

    def instrument_link(self) -> None:
        if len(self.instruments) < 2:
            return
        source, target = self.rng.sample(self.instruments, 2)
        answer = self.call("link", "POST", f"/api/instruments/{source}/links", json={"kind": "amends", "to_id": target})
        if answer:
            self.ledger.require(f"link {answer.json()['id']}", "SELECT 1 FROM instrument_link WHERE id = :id",
                                id=answer.json()["id"])

    def official_text_upload(self) -> None:
        instrument_id = self.rng.choice(self.instruments)
        word = self.word()
        answer = self.call("official text upload", "POST", f"/api/instruments/{instrument_id}/texts",
                           data={"language": "fr"},
                           files={"file": ("texte.docx", io.BytesIO(self.docx(f"Texte officiel {word}")), DOCX)})
        if answer:
            self.ledger.require(f"official text {answer.json()['id']}",
                                "SELECT 1 FROM official_text WHERE id = :id AND extracted_text LIKE :word",
                                id=answer.json()["id"], word=f"%{word}%")

    def account_create(self) -> None:
        username = f"crash{self.word()}"
        if self.call("account create", "POST", "/admin/users", follow_redirects=False, data={
                "username": username, "display_name": "Crash", "role": "researcher", "countries": "",
                "password": "a long enough password"}):
            self.ledger.require(f"account {username}", "SELECT 1 FROM user_account WHERE username = :name",
                                name=username)

    # --- forms: create a version of a shipped form, validate it on both sides, publish it ------------

    def form_version_step(self) -> None:
        slug = self.form_in_progress or self.rng.choice(FORMS)
        versions = self.call("read", "GET", f"/api/forms/{slug}/versions").json()
        latest = versions[-1]
        url = f"/api/forms/{slug}/versions/{latest['number']}"
        self.form_in_progress = None if latest["status"] in ("published", "superseded", "withdrawn") else slug
        if not self.form_in_progress:
            answer = self.call("form version create", "POST", f"/api/forms/{slug}/versions",
                               json={"label": f"essai {self.word()}"})
            if answer:
                self.form_in_progress = slug
                self.ledger.require(f"{slug} v{answer.json()['number']}", FORM_VERSION, slug=slug,
                                    number=answer.json()["number"], statuses=("draft",) + LATER)
            return
        detail = self.call("read", "GET", url)
        body = detail.json()
        if body["missing_validations"]:
            side = body["missing_validations"][0]
            if self.call("form version validate", "POST", f"{url}/validations", headers={"If-Match": detail.headers["etag"]},
                         json={"side": side, "validated_on": "2024-11-20", "body_name": "Caisse d'essai"}):
                self.ledger.require(f"{slug} v{latest['number']} validated by {side}", VALIDATION, slug=slug,
                                    number=latest["number"], side=side)
            return
        start = max(date.fromisoformat(v["valid_from"]) for v in versions if v.get("valid_from")) + timedelta(days=1)
        if self.call("form version publish", "POST", f"{url}/publish", headers={"If-Match": detail.headers["etag"]},
                     json={"valid_from": start.isoformat()}):
            self.ledger.require(f"{slug} v{latest['number']} published", FORM_VERSION, slug=slug,
                                number=latest["number"], statuses=("published", "superseded"))

    # --- meetings: create, accept the agenda, send it, hold it, write the minutes -----------------------

    def meeting_create(self) -> None:
        answer = self.call("meeting create", "POST", "/api/meetings", json={
            "country_code": "AR", "kind": "videoconference", "starts_on": "2024-02-15",
            "title_fr": f"Visioconférence d'essai {self.word()}"})
        if answer:
            meeting_id = answer.json()["id"]
            self.meetings.append(meeting_id)
            self.ledger.require(f"meeting {meeting_id}", "SELECT 1 FROM meeting WHERE id = :id", id=meeting_id)

    def meeting_step(self) -> None:
        meeting_id = self.rng.choice(self.meetings)
        url = f"/api/meetings/{meeting_id}"
        current = self.call("read", "GET", url)
        meeting, etag = current.json(), {"If-Match": current.headers["etag"]}
        agenda = [i for i in meeting["agenda"] if not i.get("withdrawn")]
        proposed = [i for i in agenda if i["proposed"]]
        if proposed:
            item_id = proposed[0]["id"]
            if self.call("agenda edit", "PATCH", f"{url}/agenda/{item_id}", json={"proposed": False}, headers=etag):
                self.ledger.require(f"agenda item {item_id} accepted",
                                    "SELECT 1 FROM agenda_item WHERE id = :id AND NOT proposed", id=item_id)
        elif meeting["status"] in ("planned", "agenda_sent") and (not agenda or self.rng.random() < 0.3):
            title = f"Point {self.word()}"
            if self.call("agenda add", "POST", f"{url}/agenda", json={"title_fr": title}, headers=etag):
                self.ledger.require(f"agenda item {title}", "SELECT 1 FROM agenda_item WHERE meeting_id = :id AND "
                                    "title_fr = :title", id=meeting_id, title=title)
        elif meeting["status"] in NEXT_STEP:
            target = NEXT_STEP[meeting["status"]]
            if self.call("meeting status change", "POST", f"{url}/status", json={"status": target}, headers=etag):
                self.ledger.require(f"meeting {meeting_id} {target}", "SELECT 1 FROM meeting WHERE id = :id AND "
                                    "status IN :statuses", id=meeting_id, statuses=STATUSES_FROM[target])
        elif meeting["status"] in ("held", "minutes_draft") and agenda:
            self.minutes_edit(url, self.rng.choice(agenda)["id"], etag)

    def minutes_edit(self, url: str, item_id: int, etag: dict) -> None:
        discussion = f"La commission examine le dossier {self.word()}."
        attempt = self.ledger.attempt("agenda_item", "discussion_fr", item_id, discussion)
        if self.call("minutes edit", "PUT", f"{url}/minutes", headers=etag,
                     json={"items": [{"agenda_item_id": item_id, "discussion_fr": discussion}]}):
            self.ledger.acknowledge("agenda_item", "discussion_fr", item_id, attempt)


LATER = ("validated", "published", "superseded", "withdrawn")
FORM_VERSION = ("SELECT 1 FROM form_version v JOIN form f ON f.id = v.form_id WHERE f.slug = :slug "
                "AND v.number = :number AND v.status IN :statuses")
VALIDATION = ("SELECT 1 FROM form_validation a JOIN form_version v ON v.id = a.form_version_id "
              "JOIN form f ON f.id = v.form_id WHERE f.slug = :slug AND v.number = :number AND a.side = :side")
NEXT_STEP = {"planned": "agenda_sent", "agenda_sent": "held"}
ORDER = ("planned", "agenda_sent", "held", "minutes_draft", "minutes_approved", "published")
STATUSES_FROM = {status: ORDER[ORDER.index(status):] for status in ORDER}
