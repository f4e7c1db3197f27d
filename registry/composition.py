"""What the composition root wires together outside the web app: reference data loaders and
search providers, in an explicit list. Feature packages are imported inside functions."""

from collections.abc import Callable, Iterator

from sqlmodel import Session


def all_metadata():
    """SQLModel metadata with every table module imported (migrations, schema checks)."""
    import agreements.models  # noqa: F401
    import registry.auth.models  # noqa: F401
    import forms.models  # noqa: F401
    import registry.blobs  # noqa: F401
    import registry.models  # noqa: F401
    from sqlmodel import SQLModel

    return SQLModel.metadata


def search_providers() -> list[Callable[[Session], Iterator]]:
    from agreements.search import instrument_documents

    return [instrument_documents]


def all_search_documents(session: Session) -> Iterator:
    for provider in search_providers():
        yield from provider(session)


def reindex(session: Session, backend, progress: Callable[[int], None] | None = None) -> int:
    def counted():
        for n, doc in enumerate(all_search_documents(session), start=1):
            if progress:
                progress(n)
            yield doc

    return backend.rebuild(counted())


def seed(session: Session) -> dict[str, int]:
    """Load every shipped reference data set; returns created rows per table."""
    from agreements.reference import seed_reference_data

    return seed_reference_data(session).created


def has_reference_data(session: Session) -> bool:
    from sqlmodel import select

    from registry.models import Country

    return session.exec(select(Country)).first() is not None
