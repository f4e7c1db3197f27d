"""The search query string, read and checked: each wrong parameter is a 400 that names it and
says what it accepts (registry/web/params.py), in the reader's language. The words themselves
are read by search (search/syntax.py), whose QuerySyntaxError the page turns into a 400 naming
`q` (registry/web/search_pages.py). No search module is imported here (ARCHITECTURE: registry
core imports no project package): the search is asked with plain values."""

from dataclasses import dataclass
from datetime import date

from registry.auth.audiences import audiences_for
from registry.auth.principal import Principal
from registry.labels import RISK_LABELS, SEARCH_KIND_LABELS, mark
from registry.web.params import BadParameter, parse_choice, parse_date, parse_year

SORT_LABELS = {"relevance": mark("Most relevant first"), "date": mark("Newest first")}
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 500  # deep pages cost every backend more; nobody reads past this
A_PAGE = mark("a whole number from 1 to 500")
A_PER_PAGE = mark("a whole number from 1 to 100")
A_KNOWN_COUNTRY = mark("the code of a country of the registry, e.g. RS")


def parse_bounded(name: str, value: str | None, default: int, highest: int, expected: str) -> int:
    if value is None or value == "":
        return default
    if not (value.isdigit() and 1 <= int(value) <= highest):
        raise BadParameter(name, value, expected)
    return int(value)


def shown(text: str) -> str:
    """The words as a 400 repeats them: a long query cut."""
    return text if len(text) <= 60 else text[:40] + "…"


@dataclass(frozen=True)
class SearchForm:
    """What was asked, as the page's form shows it back."""

    text: str = ""
    country: str = ""
    kind: str = ""
    risk: str = ""
    status: str = ""
    since: int | None = None
    until: int | None = None
    on: str = ""
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def read(cls, params: dict[str, str | None], countries: set[str], statuses: dict[str, str]) -> "SearchForm":
        country = (params.get("country") or "").strip().upper()
        if country and country not in countries:
            raise BadParameter("country", params.get("country"), A_KNOWN_COUNTRY)
        since, until = parse_year("since", params.get("since")), parse_year("until", params.get("until"))
        if since is not None and until is not None and since > until:
            raise BadParameter("until", params.get("until"), mark("a year no earlier than the first year"))
        on = parse_date("on", params.get("on"))
        return cls(
            text=(params.get("q") or "").strip(), country=country,
            kind=parse_choice("kind", params.get("kind"), SEARCH_KIND_LABELS) or "",
            risk=parse_choice("risk", params.get("risk"), RISK_LABELS) or "",
            status=parse_choice("status", params.get("status"), statuses) or "",
            since=since, until=until, on=on.isoformat() if on else "",
            sort=parse_choice("sort", params.get("sort"), SORT_LABELS) or "relevance",
            page=parse_bounded("page", params.get("page"), 1, MAX_PAGE, A_PAGE),
            per_page=parse_bounded("per_page", params.get("per_page"), DEFAULT_PER_PAGE, MAX_PER_PAGE, A_PER_PAGE))

    def asked(self, principal: Principal) -> dict:
        """The keyword arguments of the search (search/following.py `ask`) for this principal."""
        return dict(audiences=audiences_for(principal), countries=principal.countries, country=self.country,
                    kind=self.kind, risk=self.risk, status=self.status, years=(self.since, self.until),
                    on=date.fromisoformat(self.on) if self.on else None, sort=self.sort, page=self.page,
                    per_page=self.per_page)

    def params(self, **changes) -> dict[str, str]:
        """The query string of this search with `changes` (None removes a parameter); page 1
        unless a page is given: narrowing starts from the first page."""
        values = {"q": self.text, "country": self.country, "kind": self.kind, "risk": self.risk,
                  "status": self.status, "since": self.since, "until": self.until, "on": self.on,
                  "sort": "" if self.sort == "relevance" else self.sort,
                  "per_page": "" if self.per_page == DEFAULT_PER_PAGE else self.per_page, "page": None}
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}
