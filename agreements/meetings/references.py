"""What agenda items and decisions point at: instruments here, forms and form versions through
resolvers the composition root adds (agreements never imports forms).

A reference is stored generically (target_kind, target_id) with no foreign key; a resolver
checks that the target exists and gives its label and address for pages and documents."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlmodel import Session, select

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
# what the edit forms offer to link to, per kind: the targets of one country
Chooser = Callable[[Session, str], list[Target]]
Choosers = Mapping[str, Chooser]


def resolve_instrument(session: Session, instrument_id: int) -> Target | None:
    instrument = session.get(Instrument, instrument_id)
    if instrument is None:
        return None
    return Target("instrument", instrument.id, instrument.title_fr,
                  f"/countries/{instrument.country_code}/instruments/{instrument.slug}", instrument.country_code)


def instrument_choices(session: Session, country_code: str) -> list[Target]:
    instruments = session.exec(select(Instrument).where(Instrument.country_code == country_code)
                               .order_by(Instrument.signed_on)).all()
    return [Target("instrument", i.id, i.title_fr, "", i.country_code) for i in instruments]


DEFAULT_RESOLVERS: dict[str, Resolver] = {"instrument": resolve_instrument}
DEFAULT_CHOOSERS: dict[str, Chooser] = {"instrument": instrument_choices}


def choices(session: Session, choosers: Choosers, country_code: str, kinds: tuple[str, ...]) -> dict[str, list[Target]]:
    return {kind: choosers[kind](session, country_code) for kind in kinds if kind in choosers}


def parse_reference(value: object) -> tuple[str, int] | None:
    """'form_version:12' (the value of an option in the edit forms) -> ('form_version', 12)."""
    kind, _, number = str(value or "").partition(":")
    return (kind, int(number)) if kind and number.isdigit() else None


def resolve(session: Session, resolvers: Resolvers, kind: str, target_id: int) -> Target | None:
    resolver = resolvers.get(kind)
    return resolver(session, target_id) if resolver else None
