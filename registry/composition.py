"""What the composition root wires together outside the web app: reference data loaders and
search providers, in an explicit list. Feature packages are imported inside functions."""

from collections.abc import Callable, Iterator

from sqlmodel import Session


def all_metadata():
    """SQLModel metadata with every table module imported (migrations, schema checks)."""
    import agreements.meetings.models  # noqa: F401
    import agreements.models  # noqa: F401
    import registry.auth.models  # noqa: F401
    import forms.models  # noqa: F401
    import registry.blobs  # noqa: F401
    import registry.models  # noqa: F401
    import search.outbox  # noqa: F401
    from sqlmodel import SQLModel

    return SQLModel.metadata


def is_migrated(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic's include_name: the search backend's tables are derived data its backend creates
    (search/postgres_backend.py), so autogenerate must neither add nor drop them."""
    from search.postgres_backend import TABLE_NAMES

    return not (type_ == "table" and name in TABLE_NAMES)


def search_sources() -> list:
    """What search indexes, feature by feature (search/sources.py)."""
    from agreements.meetings.search import MEETINGS
    from agreements.search import INSTRUMENTS
    from forms.search import FORMS

    return [INSTRUMENTS, FORMS, MEETINGS]


def recent_change_providers() -> list[Callable]:
    """What the home page lists under "recent changes": (session, principal, today, limit) -> [RecentChange]."""
    from agreements.recent import recent_instruments, recent_meetings
    from forms.recent import recent_form_versions

    return [recent_form_versions, recent_instruments, recent_meetings]


def track_search_changes() -> None:
    """Every Session of the process records, in the outbox and in its own transaction, the search
    units its writes change (search/outbox.py). Called by every entry point; idempotent."""
    from search.outbox import track_changes

    track_changes(search_sources())


def following_index(engine, backend, before_drain=None):
    """The index that follows the outbox of `engine`'s database, drained after each commit made
    through `engine` in this process (search/following.py)."""
    from search import outbox
    from search.following import FollowingIndex

    track_search_changes()
    following = FollowingIndex(backend, engine, search_sources(), before_drain=before_drain)
    outbox.follow(engine, following)
    return following


def all_search_documents(session: Session, progress: Callable[[int, int], None] | None = None) -> Iterator:
    from search.sources import every_document

    return every_document(session, search_sources(), progress)


def search_status_labels() -> dict[str, str]:
    """The statuses search documents carry, from every feature, with their labels (msgids).
    Shared codes get one label: forms' "Published" and "Superseded" also name those of meetings
    and instruments."""
    from agreements.labels import STATUS_LABELS as INSTRUMENT_STATUSES
    from agreements.meetings.labels import STATUS_LABELS as MEETING_STATUSES
    from forms.labels import STATE_LABELS as FORM_STATES

    return {**MEETING_STATUSES, **INSTRUMENT_STATUSES, **FORM_STATES}


def feed_providers() -> list:
    """What the Atom feeds are made of, per feature (registry/feeds.py)."""
    from agreements.feed import instrument_entries
    from agreements.meetings.feed import meeting_entries
    from forms.feed import form_version_entries

    return [instrument_entries, form_version_entries, meeting_entries]


def dump_table_providers() -> list:
    """The tables of the open-data dump, per feature (registry/opendata.py)."""
    from agreements.meetings.opendata import meeting_tables
    from agreements.opendata import agreement_tables
    from forms.opendata import form_tables

    resolvers = meeting_target_resolvers()
    return [agreement_tables, form_tables, lambda session: meeting_tables(session, resolvers)]


def reindex(session: Session, backend, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild `backend` from what `session` reads (aside, then swapped in). It does not touch the
    outbox: a serving deployment uses `rebuild_search`, which keeps concurrent writes."""
    def counted():
        for n, doc in enumerate(all_search_documents(session), start=1):
            if progress:
                progress(n)
            yield doc

    return backend.rebuild_aside(counted())


def rebuild_search(engine, backend, progress: Callable[[int, int], None] | None = None) -> int:
    """The whole index rebuilt aside and swapped in while searches keep answering; writes
    committed meanwhile (by any process) are applied after the swap. `progress(units done, total)`."""
    from search.following import FollowingIndex

    track_search_changes()
    return FollowingIndex(backend, engine, search_sources()).rebuild(progress)


def seed(session: Session) -> dict[str, int]:
    """Load every shipped reference data set; returns created rows per table."""
    from agreements.meetings.seed import seed_history
    from agreements.reference import seed_reference_data
    from forms.catalog_loader import load_catalog

    created = seed_reference_data(session).created
    created.update(load_catalog(session))  # forms name the instruments they implement: after them
    # meetings name instruments, and their decisions link the form versions they validated: last
    created.update(seed_history(session, meeting_target_resolvers(), form_versions_validated_at))
    return created


def meeting_target_resolvers() -> dict:
    """What agenda items and decisions may point at: instruments, and forms and their versions
    (agreements never imports forms, so the forms' resolvers are added here)."""
    from agreements.meetings.references import DEFAULT_RESOLVERS, Target
    from forms.models import Form, FormVersion

    def form(session: Session, form_id: int):
        found = session.get(Form, form_id)
        return found and Target("form", found.id, f"{found.code} – {found.title_fr}", f"/forms/{found.slug}",
                                found.country_code)

    def form_version(session: Session, version_id: int):
        version = session.get(FormVersion, version_id)
        owner = version and session.get(Form, version.form_id)
        return owner and Target("form_version", version.id, f"{owner.code} v{version.number} ({version.label})",
                                f"/forms/{owner.slug}", owner.country_code)

    return {**DEFAULT_RESOLVERS, "form": form, "form_version": form_version}


def meeting_target_choosers() -> dict:
    """What the meeting edit forms offer to link to, per country: instruments, forms, and the
    form versions not withdrawn."""
    from sqlmodel import select

    from agreements.meetings.references import DEFAULT_CHOOSERS, Target
    from forms.models import Form, FormVersion

    def forms(session: Session, country_code: str):
        found = session.exec(select(Form).where(Form.country_code == country_code).order_by(Form.code)).all()
        return [Target("form", f.id, f"{f.code} – {f.title_fr}", f"/forms/{f.slug}", f.country_code) for f in found]

    def form_versions(session: Session, country_code: str):
        rows = session.exec(select(FormVersion, Form).join(Form).where(Form.country_code == country_code,
                                                                      FormVersion.status != "withdrawn")
                            .order_by(Form.code, FormVersion.number)).all()
        return [Target("form_version", v.id, f"{f.code} v{v.number} ({v.label})", f"/forms/{f.slug}", f.country_code)
                for v, f in rows]

    return {**DEFAULT_CHOOSERS, "form": forms, "form_version": form_versions}


def form_versions_validated_at(session: Session, meeting_ref: str) -> list:
    """The form versions that both liaison bodies validated at the meeting `meeting_ref` names
    (FormValidation.meeting_ref): a version only one side validated is still pending."""
    from sqlmodel import select

    from forms.models import FormValidation

    sides: dict[int, set[str]] = {}
    for validation in session.exec(select(FormValidation).where(FormValidation.meeting_ref == meeting_ref)).all():
        sides.setdefault(validation.form_version_id, set()).add(validation.side)
    resolve = meeting_target_resolvers()["form_version"]
    return [resolve(session, version_id) for version_id, found in sorted(sides.items())
            if found >= {"france", "partner"}]


def has_reference_data(session: Session) -> bool:
    from sqlmodel import select

    from registry.models import Country

    return session.exec(select(Country)).first() is not None
