"""Factories for tests: build records through the services, with overridable defaults."""

from datetime import date

from sqlmodel import Session

from agreements import services
from agreements.models import Instrument
from registry.audit import Actor

LEGAL = Actor(name="juriste", remote_addr="127.0.0.1")


def create_instrument(session: Session, actor: Actor = LEGAL, **overrides) -> Instrument:
    values = {
        "country_code": "RS",
        "kind": "protocol",
        "title_fr": "Protocole d'essai",
        "signed_on": date(2024, 5, 2),
        "in_force_on": date(2024, 9, 1),
        "risks": ["old_age"],
        "source": "test",
    } | overrides
    instrument = services.create_instrument(session, actor, values)
    session.commit()
    return instrument
