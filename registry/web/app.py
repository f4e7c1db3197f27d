"""The composition root: create_app(settings) lists every router, template folder and handler.

Feature packages are imported inside the function so that registry core imports none of them
at module level (tests/test_layout.py)."""

from importlib import resources
from pathlib import Path

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from sqlalchemy.engine import Engine

from registry.db import engine_for
from registry.settings import Settings, ensure_secret_key
from registry.web.dependencies import provide_db_session
from registry.web.errors import exception_handlers
from registry.web.health import health
from registry.web.i18n_middleware import locale_middleware
from registry.web.problem_handlers import problem_handlers
from registry.web.search_pages import SearchController
from registry.web.proxies import proxy_middleware
from registry.web.refusal_sampling import RefusalSampler
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

    return RenderPool(settings.render_workers, settings.render_timeout, settings.render_memory_mb)


def warm_up_converter(app: Litestar) -> None:
    app.state.converter.warm_up()


def close_documents(app: Litestar) -> None:
    """Stop the render workers and the warm LibreOffice the app started (not those it was given)."""
    for resource in app.state.owned_resources:
        resource.close()


def create_app(settings: Settings, *, engine: Engine | None = None, search=None, converter=None,
               render_pool=None, warm_up_pdf: bool = False) -> Litestar:
    """The application. `warm_up_pdf`: start LibreOffice in the background at startup (servers
    do; tests leave it to the first PDF)."""
    from agreements.controllers import CountryController
    from agreements.exchange_api import ExchangeController
    from agreements.history_api import InstrumentHistoryController
    from agreements.instrument_api import InstrumentController
    from agreements.edit_pages import InstrumentEditPages
    from agreements.meetings.calendar import CalendarController
    from agreements.meetings.controllers import FollowUpController, MeetingController
    from agreements.meetings.decision_page import DecisionPage
    from agreements.meetings.edit_pages import MeetingEditPages
    from agreements.meetings.pages import MeetingPages
    from agreements.pages import AgreementPages
    from registry.composition import (dump_table_providers, feed_providers, meeting_target_choosers,
                                      meeting_target_resolvers)
    from forms.controllers import FormApiController
    from forms.feed import FormFeedController
    from forms.generation.controllers import GenerationController, VerifyController
    from forms.generation.errors import generation_handlers
    from forms.generation.pages import FillPages
    from forms.pages import FormPages
    from forms.version_page import FormVersionPage
    from registry.web.auth import auth_route_handlers
    from registry.web.feeds import FeedController
    from registry.web.opendata_api import OpenDataController
    from search import make_backend
    from search.following import FollowingIndex

    engine = engine or engine_for(settings)
    owned: list = []
    secret_key = ensure_secret_key(settings)
    # committed writes never fail because the index could not follow (search/following.py)
    search = FollowingIndex(search or make_backend(settings.search_backend, settings.index_dir, engine))
    template_dirs = [WEB_DIR / "templates", Path(str(resources.files("agreements") / "templates")),
                     Path(str(resources.files("forms") / "templates"))]

    return Litestar(
        route_handlers=[
            health,
            CountryController,
            InstrumentController,
            InstrumentHistoryController,
            ExchangeController,
            AgreementPages,
            InstrumentEditPages,
            MeetingController,
            FollowUpController,
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
            FeedController,
            CalendarController,
            OpenDataController,
            FormFeedController,
            *auth_route_handlers(),
            create_static_files_router(path="/static", directories=[WEB_DIR / "static"], include_in_schema=False),
        ],
        dependencies={"db_session": Provide(provide_db_session)},
        # authentication puts a Principal in every scope, then CSRF checks cookie-authenticated forms
        middleware=[*proxy_middleware(settings.trusted_proxies), locale_middleware, authentication_middleware,
                    DefineMiddleware(CookieCSRFMiddleware, config=csrf_config(secret_key, settings))],
        exception_handlers={**exception_handlers(), **problem_handlers(), **generation_handlers(),
                            **security_exception_handlers(settings)},
        after_exception=[audit_refusal],
        before_send=[security_headers_hook(settings)],
        request_max_body_size=DEFAULT_BODY_LIMIT,
        template_config=template_config(template_dirs),
        openapi_config=OpenAPIConfig(title="Registre des accords de sécurité sociale", version="0.1.0"),
        state=State({"settings": settings, "engine": engine, "search": search, "secret_key": secret_key,
                     "refusal_sampler": RefusalSampler(),
                     "meeting_targets": meeting_target_resolvers(), "meeting_choices": meeting_target_choosers(),
                     "feed_providers": feed_providers(), "dump_tables": dump_table_providers(),
                     "converter": converter or owned.append(make_converter(settings)) or owned[-1],
                     "render_pool": render_pool or owned.append(make_render_pool(settings)) or owned[-1],
                     "owned_resources": owned}),
        on_startup=[warm_up_converter] if warm_up_pdf else [],
        on_shutdown=[close_documents],
        debug=settings.environment == "development",
    )
