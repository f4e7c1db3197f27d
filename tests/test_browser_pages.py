"""Every kind of page in a real browser, in French and English, on a desktop (1366 px) and a
phone (390 px): axe-core finds no serious or critical violation, nothing is wider than the
screen, and a screenshot is written to `screenshots/` (git-ignored) for a person to look at.
Then the map as a person sees it, and keyboard-only journeys: skip link, visible focus, a fund
correcting a refused form through the error summary, a delegation planning a session."""

import re
from pathlib import Path

import pytest

from tests.live_server import LiveRegistry, live_registry
from tests.test_browser import TIMEOUT_MS, account, browser, fill_posting_certificate  # noqa: F401 (browser: a fixture)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
BLOCKING = {"serious", "critical"}

# (name, path, role that sees it; None: anyone)
PAGE_TYPES = [
    ("home", "/?on=2024-01-01", None),
    ("countries", "/countries", None),
    ("country", "/countries/RS", None),
    ("instrument", "/countries/RS/instruments/2014-11-06-accord", None),
    ("history", "/countries/RS/instruments/2014-11-06-accord/history", None),
    ("decision-log", "/countries/RS/decisions", None),
    ("decisions", "/decisions", None),
    ("forms", "/forms", None),
    ("form", "/forms/SE-121-01", None),
    ("compare", "/forms/SE-416-04/compare", None),
    ("meetings", "/meetings", None),
    ("meeting", "@andorran-meeting", None),
    ("actions", "/meetings/actions", None),
    ("search", "/search?q=accord+serbie", None),
    ("about", "/about", None),
    ("login", "/login", None),
    ("not-found", "/countries/ZZ", None),
    ("bad-date", "/?on=1850-01-01", None),
    ("fill", "/forms/SE-121-01/fill", "caisse"),
    ("plan-meeting", "/meetings/new?country=AR", "delegation"),
    ("new-instrument", "/instruments/new?country=RS", "legal"),
    ("accounts", "/admin/users", "admin"),
]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with live_registry(tmp_path_factory.mktemp("live-pages") / "var") as registry:
        yield registry


@pytest.fixture(scope="module")
def accounts(live: LiveRegistry) -> dict[str, tuple[str, str]]:
    return {role: account(live, role, ("AR",) if role == "delegation" else ())
            for role in ("caisse", "delegation", "legal", "admin")}


def open_context(browser, lang: str, size: tuple[int, int]):
    context = browser.new_context(locale="fr-FR" if lang == "fr" else "en-GB",
                                  viewport={"width": size[0], "height": size[1]})
    context.set_default_timeout(TIMEOUT_MS)
    return context


def log_in(page, base_url: str, credentials: tuple[str, str], lang: str) -> None:
    page.goto(f"{base_url}/login?lang={lang}")
    page.locator("#username").fill(credentials[0])
    page.locator("#password").fill(credentials[1])
    page.locator("form.login button[type=submit], main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/$|/\?"))


def resolve(page, base_url: str, path: str) -> str:
    if path == "@andorran-meeting":
        page.goto(f"{base_url}/meetings?country=AD")
        return page.locator("table.meetings a[href^='/meetings/']").first.get_attribute("href")
    return path


def blocking_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in BLOCKING]


def check_page(page, base_url: str, name: str, path: str, lang: str, width: str) -> list[str]:
    """Visit once; return what is wrong (axe, language, horizontal overflow) and write the screenshot."""
    separator = "&" if "?" in path else "?"
    page.goto(f"{base_url}{path}{separator}lang={lang}")
    problems = [f"{name}: {v}" for v in blocking_violations(page)]
    if page.locator("html").get_attribute("lang") != lang:
        problems.append(f"{name}: html lang is not {lang}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        problems.append(f"{name}: {overflow}px wider than the {width} screen")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.{lang}.{width}.png"), full_page=True)
    return problems


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_type_is_accessible_at_both_widths(browser, live, accounts, lang, width):
    problems = []
    contexts = {}
    try:
        for name, path, role in PAGE_TYPES:
            if role not in contexts:
                contexts[role] = open_context(browser, lang, WIDTHS[width])
                page = contexts[role].new_page()
                if role:
                    log_in(page, live.url, accounts[role], lang)
            page = contexts[role].pages[0]
            problems += check_page(page, live.url, name, resolve(page, live.url, path), lang, width)
    finally:
        for context in contexts.values():
            context.close()
    assert problems == []


# --- the map as a person sees it ---------------------------------------------------------------

def test_the_map_colours_change_and_every_partner_is_a_named_link(browser, live):
    from playwright.sync_api import expect

    context = open_context(browser, "en", WIDTHS["desktop"])
    page = context.new_page()
    try:
        colours = {}
        for on in ("2014-01-01", "2024-01-01"):
            page.goto(f"{live.url}/?on={on}&lang=en")
            world = page.locator("svg.world-map[role=group]")
            expect(world).to_be_visible()
            box = world.bounding_box()
            assert box and box["width"] > 600 and box["height"] > 250
            colours[on] = {code: world.locator(f"a[data-country={code}] path.partner").evaluate(
                "p => getComputedStyle(p).fill") for code in ("RS", "BR")}
        assert colours["2014-01-01"]["RS"] != colours["2024-01-01"]["RS"]
        assert colours["2014-01-01"]["BR"] != colours["2024-01-01"]["BR"]
        links = page.locator("svg.world-map[role=group] a")
        rows = page.locator("table.map-data tbody tr")
        assert links.count() == rows.count() > 40
        for link in links.all():
            name = link.get_attribute("aria-label")
            assert re.match(r"^[^:]+: .+$", name) and link.get_attribute("href").startswith("/countries/")
        expect(page.get_by_role("link", name="Serbia: In force", exact=True)).to_have_count(1)  # the inset is hidden
        page.get_by_role("link", name="Brazil: In force", exact=True).click()
        page.wait_for_url(re.compile(r"/countries/BR"))
    finally:
        context.close()


# --- keyboard-only journeys ------------------------------------------------------------------------

def tab_to(page, matches: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches the CSS selector `matches` (as a keyboard user)."""
    if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", matches):
        return  # already there (an autofocused field)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", matches):
            return
    raise AssertionError(f"{matches} not reached with {limit} presses of Tab")


def focus_is_visible(page) -> bool:
    return page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }""")


def keyboard_log_in(page, base_url: str, credentials: tuple[str, str], next_path: str) -> None:
    page.goto(f"{base_url}/login?next={next_path}")
    tab_to(page, "#username")
    page.keyboard.type(credentials[0])
    page.keyboard.press("Tab")
    page.keyboard.type(credentials[1])
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_reader_skips_to_the_content_and_sees_where_the_focus_is(browser, live):
    context = open_context(browser, "fr", WIDTHS["phone"])
    page = context.new_page()
    try:
        page.goto(f"{live.url}/countries/RS")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        box = page.locator(".skip-link").bounding_box()
        assert box and box["y"] >= 0 and focus_is_visible(page)  # shown on focus, inside the screen
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        tab_to(page, "main a")  # the first link of the content, after the chrome
        assert focus_is_visible(page)
        tab_to(page, "footer a[href='/schema']")
        assert focus_is_visible(page)
    finally:
        context.close()


def test_a_fund_corrects_a_refused_form_with_the_keyboard(browser, live, accounts):
    context = open_context(browser, "fr", WIDTHS["desktop"])
    page = context.new_page()
    try:
        page.goto(f"{live.url}/forms/SE-121-01")
        tab_to(page, "a[href^='/login?next=']")  # signed out: the page offers to log in
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/login\?next="))
        tab_to(page, "#username")
        page.keyboard.type(accounts["caisse"][0])
        page.keyboard.press("Tab")
        page.keyboard.type(accounts["caisse"][1])
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/forms/SE-121-01/fill\?on="))  # back where the fund was going
        fill_posting_certificate(page)  # the required fields, as the other journeys type them
        # the birth date's input has max=today, so the browser itself refuses a future one; an end
        # before the start is the server's to refuse
        assert page.locator("[id='worker.birth_date']").get_attribute("max")
        tab_to(page, "[id='posting.end']")
        page.locator("[id='posting.end']").fill("2024-01-31")  # the posting started on 1 February 2024
        tab_to(page, "form.fill button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.locator(".error-summary").wait_for()
        tab_to(page, ".error-summary a[href='#posting.end']")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "posting.end"
        assert page.locator("#posting\\.end-error").text_content() == "la fin ne peut pas précéder le début (2024-02-01)"
        assert page.locator("[id='posting.end']").get_attribute("aria-invalid") == "true"
    finally:
        context.close()


def test_a_delegation_reaches_the_planning_page_with_the_keyboard(browser, live, accounts):
    context = open_context(browser, "en", WIDTHS["phone"])
    page = context.new_page()
    try:
        keyboard_log_in(page, live.url, accounts["delegation"], "/meetings?country=AR%26lang=en")
        page.wait_for_url(re.compile(r"/meetings\?country=AR"))
        tab_to(page, "a[href='/meetings/new?country=AR']")
        assert focus_is_visible(page)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/meetings/new\?country=AR"))
        tab_to(page, "select, input:not([type=hidden])")
        assert page.evaluate("document.activeElement.labels.length") > 0  # every control has its label
    finally:
        context.close()
