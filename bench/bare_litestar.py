"""The bare-library baseline of bench/bench_catalog.py: Litestar alone, served by granian like the
registry, answering the registry's own response bodies (read once from BENCH_PAYLOADS, a JSON
file {"path": body}) with no database, middleware or guards. JSON bodies are decoded at start
and serialised again on every request, as Litestar does for any handler returning a list."""

import json
import os
from pathlib import Path

from litestar import Litestar, MediaType, get


def app() -> Litestar:
    payloads = json.loads(Path(os.environ["BENCH_PAYLOADS"]).read_text(encoding="utf-8"))
    forms, instruments, home = payloads["/api/forms"], payloads["/api/instruments?country=RS"], payloads["/"]

    @get("/forms")
    async def bare_forms() -> object:
        return forms

    @get("/forms-thread", sync_to_thread=True)
    def bare_forms_in_thread() -> object:  # the registry's handlers are sync, run in a thread
        return forms

    @get("/instruments")
    async def bare_instruments() -> object:
        return instruments

    @get("/home", media_type=MediaType.HTML)
    async def bare_home() -> str:
        return home

    return Litestar([bare_forms, bare_forms_in_thread, bare_instruments, bare_home], openapi_config=None)
