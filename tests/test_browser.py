"""Pages in a real browser (Debian's chromium, driven by Playwright) against `registry run`."""

import pytest

from tests.conftest import missing_dependency
from tests.live_server import CHROMIUM_ARGS, chromium_path, live_registry

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with live_registry(tmp_path_factory.mktemp("live") / "var") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        missing_dependency("chromium is not installed (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


def test_serbian_country_page_draws_the_timeline(page, base_url):
    page.goto(f"{base_url}/countries/RS?on=2024-01-01")
    svg = page.locator("svg.timeline")
    box = svg.bounding_box()
    assert box and box["width"] > 500 and box["height"] > 100
    assert svg.locator("g.lane[class*='kind-']").count() == 5  # one lane per instrument; meetings add theirs
    assert svg.locator("rect.period.in_force").count() >= 3
    assert svg.locator("path.mark.terminated").count() == 2
    labels = [label.text_content() for label in svg.locator("text.label").all()]
    assert any(label.startswith("2014 · Accord de sécurité sociale") for label in labels)


def test_timeline_links_lead_to_the_instrument(page, base_url):
    page.goto(f"{base_url}/countries/RS")
    page.locator("svg.timeline a", has_text="2018 · Arrangement").click()
    page.wait_for_url("**/countries/RS/instruments/2018-03-15-arrangement")
    assert "implements" in page.content() or "met en œuvre" in page.content()


def test_home_page_is_french_by_default_and_switches_to_english(page, base_url):
    page.goto(base_url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.locator("nav.langs a[hreflang=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{base_url}/countries/RS")
    assert page.locator("html").get_attribute("lang") == "en"
