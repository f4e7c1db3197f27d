"""The audit actor of a request: its principal's name and the client's address."""

from litestar.connection import ASGIConnection

from registry.audit import Actor
from registry.auth.principal import current_principal


def actor_for(connection: ASGIConnection) -> Actor:
    client = connection.client.host if connection.client else ""
    return Actor(name=current_principal(connection).name, remote_addr=client)
