"""What agenda items and decisions point at: instruments here, forms and form versions through
resolvers the composition root adds (agreements never imports forms).

A reference is stored generically (target_kind, target_id) with no foreign key; a resolver
checks that the target exists and gives its label and address for pages and documents."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlmodel import Session

from agreements.models import Instrument


@dataclass(frozen=True)
class Target:
    kind: str
    id: int
    label: str
    url: str
    country_code: str = ""


Resolver = Callable[[Session, int], Target | None]
Resolvers = Mapping[str, Resolver]


def resolve_instrument(session: Session, instrument_id: int) -> Target | None:
    instrument = session.get(Instrument, instrument_id)
    if instrument is None:
        return None
    return Target("instrument", instrument.id, instrument.title_fr,
                  f"/countries/{instrument.country_code}/instruments/{instrument.slug}", instrument.country_code)


DEFAULT_RESOLVERS: dict[str, Resolver] = {"instrument": resolve_instrument}


def resolve(session: Session, resolvers: Resolvers, kind: str, target_id: int) -> Target | None:
    resolver = resolvers.get(kind)
    return resolver(session, target_id) if resolver else None
