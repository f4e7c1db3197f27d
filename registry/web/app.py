"""The composition root: create_app(settings) lists every router, template folder and handler.

Feature packages are imported inside the function so that registry core imports none of them
at module level (tests/test_layout.py)."""

import logging
import threading
from importlib import resources
from pathlib import Path

import anyio
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from sqlalchemy.engine import Engine

from registry.db import engine_for, health_engine
from registry.settings import Settings, ensure_secret_key
from registry.web.busy import busy_handlers
from registry.web.confined_handlers import confine_handlers
from registry.web.dependencies import provide_db_session
from registry.web.errors import exception_handlers
from registry.web.health import HealthChecks, health
from registry.web.i18n_middleware import locale_middleware
from registry.web.problem_handlers import problem_handlers
from registry.web.search_pages import SearchController
from registry.web.site_pages import SitePages
from registry.web.proxies import proxy_middleware
from registry.web.refusal_sampling import RefusalSampler
from registry.web.request_log import remember_exception, request_context_middleware, request_id_hook
from registry.web.request_threads import RequestThreads
from registry.web.security_errors import audit_refusal, security_exception_handlers
from registry.web.security_headers import DEFAULT_BODY_LIMIT, security_headers_hook
from registry.web.security_middleware import CookieCSRFMiddleware, authentication_middleware, csrf_config
from registry.web.templating import template_config

WEB_DIR = Path(__file__).parent


def make_converter(settings: Settings):
    from registry.documents.converter import UnoserverConverter, find_unoserver

    return UnoserverConverter(find_unoserver(settings.unoserver), settings.data_dir / "libreoffice-profile",
                              timeout=settings.pdf_timeout, slots=settings.pdf_slots)


def make_render_pool(settings: Settings):
    from registry.documents.workers import RenderPool

    # what the workers render: imported when a worker starts, not inside the first render's time limit
    preload = ("registry.documents.render", "forms.generation.jobs", "forms.trial_render",
               "agreements.meetings.documents")
    return RenderPool(settings.render_workers, settings.render_timeout, settings.render_memory_mb,
                      queue_per_key=settings.render_queue, preload=preload)


def warm_up_converter(app: Litestar) -> None:
    app.state.converter.warm_up()


def build_blanks_in_background(app: Litestar) -> None:
    """Blanks of published versions that have none yet (published before blanks were stored, or
    while LibreOffice was missing): built once, off the request path (forms/generation/blanks.py)."""
    from forms.generation.blanks import build_missing_blanks

    def build() -> None:
        try:
            build_missing_blanks(app.state.engine, app.state.render_pool, app.state.converter)
        except Exception:  # the server serves what is built; the next start tries again
            logging.getLogger("registry.forms").exception("building the missing blank forms failed")

    threading.Thread(target=build, name="blank-forms", daemon=True).start()


async def drain_search_outbox(app: Litestar) -> None:
    """At every start: changes committed but not yet indexed (a crash, another process) go in now,
    in a thread (no database work on the event loop)."""
    await anyio.to_thread.run_sync(app.state.search.drain)


def close_documents(app: Litestar) -> None:
    """Stop the render workers and the warm LibreOffice the app started (not those it was given),
    and close /health's connection."""
    for resource in app.state.owned_resources:
        resource.close()


def create_app(settings: Settings, *, engine: Engine | None = None, search=None, converter=None,
               render_pool=None, warm_up_pdf: bool = False) -> Litestar:
    """The application. `warm_up_pdf`: start LibreOffice, and build the missing blank forms, in
    the background at startup (servers do; tests leave it to the first PDF)."""
    from agreements.controllers import CountryController
    from agreements.exchange_api import ExchangeController
    from agreements.history_api import InstrumentHistoryController
    from agreements.instrument_api import InstrumentController
    from agreements.edit_pages import InstrumentEditPages
    from agreements.meetings.calendar import CalendarController
    from agreements.meetings.controllers import FollowUpController, MeetingController
    from agreements.meetings.decision_page import DecisionPage
    from agreements.meetings.edit_pages import MeetingEditPages
    from agreements.meetings.index_pages import MeetingIndexPages
    from agreements.meetings.pages import MeetingPages
    from agreements.home_page import HomePages
    from agreements.pages import AgreementPages
    from registry.composition import (dump_table_providers, feed_providers, following_index, meeting_target_choosers,
                                      meeting_target_resolvers, recent_change_providers, search_status_labels)
    from forms.controllers import FormApiController
    from forms.feed import FormFeedController
    from forms.generation.controllers import GenerationController, VerifyController
    from forms.generation.errors import generation_handlers
    from forms.generation.pages import FillPages
    from forms.pages import FormPages
    from forms.version_page import FormVersionPage
    from registry.web.auth import auth_route_handlers
    from registry.faults import kill_before_index
    from registry.web.feeds import FeedController
    from registry.web.opendata_api import OpenDataController
    from search import make_backend

    engine = engine or engine_for(settings)
    checks = HealthChecks(health_engine(engine), None)
    owned: list = [checks]
    secret_key = ensure_secret_key(settings)
    # the index follows the outbox, and its failures never fail a committed write (search/following.py)
    search = checks.search = following_index(engine, search or make_backend(settings.search_backend, settings.index_dir, engine),
                             before_drain=kill_before_index(settings))
    template_dirs = [WEB_DIR / "templates", Path(str(resources.files("agreements") / "templates")),
                     Path(str(resources.files("forms") / "templates"))]

    app = Litestar(
        route_handlers=[
            health,
            CountryController,
            InstrumentController,
            InstrumentHistoryController,
            ExchangeController,
            HomePages,
            AgreementPages,
            InstrumentEditPages,
            MeetingController,
            FollowUpController,
            MeetingIndexPages,
            MeetingPages,
            MeetingEditPages,
            DecisionPage,
            FormApiController,
            GenerationController,
            VerifyController,
            FillPages,
            FormPages,
            FormVersionPage,
            SearchController,
            SitePages,
            FeedController,
            CalendarController,
            OpenDataController,
            FormFeedController,
            *auth_route_handlers(),
            create_static_files_router(path="/static", directories=[WEB_DIR / "static"], include_in_schema=False),
        ],
        # a Session object only: it connects in the handler thread, which closes it (confined_handlers.py)
        dependencies={"db_session": Provide(provide_db_session, sync_to_thread=False)},
        # the request's id first; authentication puts a Principal in every scope, then CSRF checks
        # cookie-authenticated forms
        middleware=[request_context_middleware, *proxy_middleware(settings.trusted_proxies), locale_middleware,
                    authentication_middleware, DefineMiddleware(CookieCSRFMiddleware, config=csrf_config(secret_key, settings))],
        exception_handlers={**exception_handlers(), **problem_handlers(), **generation_handlers(),
                            **security_exception_handlers(settings), **busy_handlers()},
        after_exception=[remember_exception, audit_refusal],
        before_send=[request_id_hook(), security_headers_hook(settings)],
        # failures are logged once each by registry/web/request_log.py, 4xx without a traceback
        logging_config=LoggingConfig(log_exceptions="never"),
        request_max_body_size=DEFAULT_BODY_LIMIT,
        template_config=template_config(template_dirs),
        openapi_config=OpenAPIConfig(title="Registre des accords de sécurité sociale", version="0.1.0"),
        state=State({"settings": settings, "engine": engine, "search": search, "secret_key": secret_key,
                     "request_threads": RequestThreads(settings.threads, settings.queue_timeout, settings.request_timeout),
                     "health": checks,
                     "search_statuses": search_status_labels(),
                     "refusal_sampler": RefusalSampler(),
                     "meeting_targets": meeting_target_resolvers(), "recent_changes": recent_change_providers(), "meeting_choices": meeting_target_choosers(),
                     "feed_providers": feed_providers(), "dump_tables": dump_table_providers(),
                     "converter": converter or owned.append(make_converter(settings)) or owned[-1],
                     "render_pool": render_pool or owned.append(make_render_pool(settings)) or owned[-1],
                     "owned_resources": owned}),
        on_startup=[drain_search_outbox, *([warm_up_converter, build_blanks_in_background] if warm_up_pdf else [])],
        on_shutdown=[close_documents],
        debug=settings.environment == "development",
    )
    return confine_handlers(app)
