"""Citations of a record: its title, its date, its stable address (with `?on=` when the page was
viewed as of a date, so the citation names the state it quotes) and the day it was consulted,
in the reader's language. Knows no domain object: instruments, form versions and decisions
give their title and date."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from markupsafe import Markup, escape

from registry import i18n
from registry.labels import mark

CITATION = mark("%(title)s, %(date)s. Registry of social-security agreements, %(url)s (consulted on %(today)s).")
CITATION_AS_OF = mark("%(title)s, %(date)s. Registry of social-security agreements, %(url)s, as it stood on "
                      "%(as_of)s (consulted on %(today)s).")


@dataclass(frozen=True)
class Citation:
    text: str
    url: str  # the stable address, absolute

    def html(self) -> Markup:
        """The text escaped, its address marked as no language (lang="zxx": not read as words)."""
        return escape(self.text).replace(escape(self.url), Markup('<span lang="zxx">%s</span>') % self.url)


def stable_url(base_url: str, path: str, as_of: date | None) -> str:
    query = f"?{urlencode({'on': as_of.isoformat()})}" if as_of else ""
    return f"{base_url.rstrip('/')}{path}{query}"


def cite(title: str, dated: str, base_url: str, path: str, locale: str, as_of: date | None = None,
         today: date | None = None) -> Citation:
    """`dated`: the record's date in words ("signé le 6 novembre 2014"); `as_of`: the date the page
    was asked for with ?on=, None when it was not."""
    url = stable_url(base_url, path, as_of)
    words = dict(title=title, date=dated, url=url, today=i18n.format_date(today or date.today(), locale))
    if as_of:
        return Citation(i18n.gettext(locale, CITATION_AS_OF, **words, as_of=i18n.format_date(as_of, locale)), url)
    return Citation(i18n.gettext(locale, CITATION, **words), url)
