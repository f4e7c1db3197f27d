"""ASGI entry for servers: `granian --interface asgi --factory registry.web.asgi:app_from_env`."""

from litestar import Litestar

from registry.settings import Settings
from registry.web.app import create_app


def app_from_env() -> Litestar:
    return create_app(Settings.from_env(), warm_up_pdf=True)
