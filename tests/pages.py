"""Reading pages as a person and a crawler do: the visible text (with the language of each
piece), the links and GET forms a click follows, and the kind of page an address is."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

SKIPPED_TAGS = {"script", "style", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
TEXT_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")

# (kind, pattern on path?query): one page of each kind must be reachable from the home page
PAGE_KINDS = [
    ("home", r"^/$"),
    ("countries", r"^/countries$"),
    ("country", r"^/countries/[A-Z]{2}$"),
    ("instrument", r"^/countries/[A-Z]{2}/instruments/[^/]+$"),
    ("instrument history", r"^/countries/[A-Z]{2}/instruments/[^/]+/history$"),
    ("decision log", r"^/countries/[A-Z]{2}/decisions$"),
    ("decisions", r"^/decisions$"),
    ("forms", r"^/forms$"),
    ("form", r"^/forms/[A-Za-z0-9-]+$"),
    ("form comparison", r"^/forms/[A-Za-z0-9-]+/compare$"),
    ("fill", r"^/forms/[A-Za-z0-9-]+/fill$"),
    ("meetings", r"^/meetings$"),
    ("meeting", r"^/meetings/\d+$"),
    ("open action items", r"^/meetings/actions$"),
    ("plan a meeting", r"^/meetings/new$"),
    ("record an instrument", r"^/instruments/new$"),
    ("edit an instrument", r"^/countries/[A-Z]{2}/instruments/[^/]+/edit$"),
    ("accounts", r"^/admin/users$"),
    ("audit", r"^/admin/audit$"),
    ("search", r"^/search$"),
    ("about", r"^/about$"),
    ("API documentation", r"^/schema$"),
    ("login", r"^/login$"),
]


def kind_of(url: str) -> str | None:
    path = urlsplit(url).path
    return next((kind for kind, pattern in PAGE_KINDS if re.match(pattern, path)), None)


class PageReader(HTMLParser):
    """Visible text and text attributes, each with the language of its element; links and GET forms."""

    def __init__(self, page_lang: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = [("", page_lang)]
        self.segments: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang", self.stack[-1][1])
        if tag == "html" and "lang" in attrs:
            self.stack[0] = ("", attrs["lang"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self.links.append(attrs.get("action") or "")
        for name in TEXT_ATTRIBUTES:
            if attrs.get(name):
                self.segments.append((attrs[name], lang))
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        if tag not in VOID:
            self.stack.append((tag, lang))

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS:
            self.skipping -= 1
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if data.strip() and not self.skipping:
            self.segments.append((data, self.stack[-1][1]))


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    return reader


def text_of(html: str, *, skip_langs: tuple[str, ...] = ("zxx",)) -> str:
    """The words a person reads (attributes included), without identifiers marked lang="zxx"."""
    return " ".join(text for text, lang in read_page(html).segments if lang not in skip_langs)


def same_site_links(html: str, base: str) -> list[str]:
    """Addresses on this site that a click (a link, a GET form) leads to: path and query."""
    found = []
    for href in read_page(html).links:
        absolute = urljoin(base, href)
        parts = urlsplit(absolute)
        if parts.netloc and parts.netloc != urlsplit(base).netloc:
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found
