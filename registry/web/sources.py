"""Sources as people read them: each address of a `source` text becomes a link named by the title
the text gives it (the parenthesis after it) or by its site, and the rest stays text.

    "https://www.cleiss.fr/docs/textes/conv_andorre.html ; décret n° 2003-489 du 4 juin 2003"
    -> <ul class="sources"><li><a href="https://www.cleiss.fr/…">cleiss.fr</a></li><li>décret n° 2003-489…</li></ul>
"""

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

URL = re.compile(r"https?://[^\s;,()<>\"]+[^\s;,()<>\".]")
TITLE_AFTER = re.compile(r"^\s*\(([^()]+)\)")
SEPARATOR = re.compile(r"\s+;\s+")
# where the project keeps its copy of a source ("(shared/reference/….txt)"): for maintainers, not readers
REPOSITORY_PATH = re.compile(r"\s*\((?:shared|agreements|forms|registry|locales)/[^()\s]+\)")


def site_name(url: str) -> str:
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def source_part(part: str) -> Markup:
    """One source: text with its addresses turned into named links."""
    out, position = Markup(""), 0
    for match in URL.finditer(part):
        url, after = match.group(0), part[match.end():]
        title = TITLE_AFTER.match(after)
        out += escape(part[position:match.start()])
        if title:
            out += Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(url, title.group(1).strip())
        else:  # a site's name is an identifier, in no language (lang="zxx", as codes are)
            out += Markup('<a href="{}" rel="noopener noreferrer" lang="zxx">{}</a>').format(url, site_name(url))
        position = match.end() + (title.end() if title else 0)
    return out + escape(part[position:])


def source_links(text: str | None) -> Markup:
    """The `source` column as a list, one item per source (they are separated by " ; ")."""
    parts = [p.strip() for p in SEPARATOR.split(REPOSITORY_PATH.sub("", text or "")) if p.strip()]
    if not parts:
        return Markup("")
    return Markup('<ul class="sources" lang="fr">{}</ul>').format(
        Markup("").join(Markup("<li>{}</li>").format(source_part(p)) for p in parts))
