"""Jinja for pages: autoescaped, gettext chosen per request, formatting filters that take the
request's language. Pages call `_()`; the locale comes from the request in the context."""

from pathlib import Path

from jinja2 import pass_context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from registry import i18n


def _locale(context) -> str:
    request = context.get("request")
    if request is None:
        return i18n.DEFAULT_UI_LOCALE
    return request.scope.get("state", {}).get("locale", i18n.DEFAULT_UI_LOCALE)


@pass_context
def _gettext(context, message: str, **variables) -> str:
    return i18n.gettext(_locale(context), message, **variables)


@pass_context
def _ngettext(context, singular: str, plural: str, n: int, **variables) -> str:
    text = i18n.translations(_locale(context)).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


@pass_context
def _date(context, value, fmt: str = "long") -> str:
    return i18n.format_date(value, _locale(context), fmt)


@pass_context
def _current_locale(context) -> str:
    return _locale(context)


def configure_engine(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.globals.update(_=_gettext, ngettext=_ngettext, current_locale=_current_locale,
                       text_direction=i18n.text_direction)
    env.filters["date"] = _date
    env.policies["ext.i18n.trimmed"] = True


def template_config(directories: list[Path]) -> TemplateConfig:
    return TemplateConfig(directory=directories, engine=JinjaTemplateEngine, engine_callback=configure_engine)
