"""Every partner language of the shipped data can be written: its dates format, its tag names
its script where that matters, and (for PDF documents) a font covers it.

Fonts: `fc-list :lang=<lang>` must find one. Locally a missing fc-list or font skips; with
CI=true it fails (.ci/run installs fontconfig and the fonts)."""

import shutil
import subprocess
from datetime import date

import pytest

from agreements.reference import partner_language, read_rows
from registry import i18n
from tests.conftest import missing_dependency


def shipped_partner_languages() -> list[str]:
    tags = {tag for row in read_rows("countries.csv") for tag in row["languages"].split()}
    tags |= {partner_language(row["country_iso2"], row["partner_language"]) for row in read_rows("instruments.csv")}
    return sorted(tag for tag in tags if tag)


LANGUAGES = shipped_partner_languages()


def test_the_shipped_data_names_the_expected_languages():
    assert {"fr", "ar", "sr-Latn", "sr-Cyrl", "pt-BR", "pt-PT", "es", "ca", "en", "tr", "ja"} <= set(LANGUAGES)


@pytest.mark.parametrize("tag", LANGUAGES)
def test_partner_language_is_stored_as_bcp47_with_its_script(tag):
    assert "@" not in tag and "_" not in tag and i18n.canonical_tag(tag) == tag
    if tag.split("-")[0] == "sr":
        assert tag in ("sr-Latn", "sr-Cyrl"), "Serbian is written in two scripts: name one"


@pytest.mark.parametrize("tag", LANGUAGES)
def test_partner_language_formats_a_date(tag):
    locale = i18n.babel_locale(tag)
    assert locale.language == tag.split("-")[0], f"{tag} fell back to {locale}"
    text = i18n.format_date(date(2023, 12, 1), tag)
    assert "2023" in text and text != "2023-12-01"


def test_scripts_needed_per_language():
    needed = i18n.scripts_needed(LANGUAGES)
    assert set(needed) == set(LANGUAGES)
    assert {tag: needed[tag] for tag in ("fr", "ar", "sr-Latn", "sr-Cyrl", "ja", "ko", "he", "hi")} == {
        "fr": "Latn", "ar": "Arab", "sr-Latn": "Latn", "sr-Cyrl": "Cyrl", "ja": "Jpan", "ko": "Kore",
        "he": "Hebr", "hi": "Deva"}


@pytest.mark.parametrize("tag,fc_lang", [("sr-Latn", "sh"), ("sr-Cyrl", "sr"), ("sr", "sh"), ("pt-BR", "pt"),
                                         ("ar", "ar"), ("zh-Hant-TW", "zh-tw")])
def test_fontconfig_language_names(tag, fc_lang):
    # fontconfig knows languages, not scripts: its `sr` is Cyrillic, its `sh` Serbo-Croatian Latin
    assert i18n.fontconfig_lang(tag) == fc_lang


@pytest.mark.parametrize("tag", LANGUAGES)
def test_a_font_covers_the_partner_language(tag):
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        missing_dependency("fc-list (Debian package fontconfig) is not installed")
    fc_lang = i18n.fontconfig_lang(tag)
    result = subprocess.run([fc_list, f":lang={fc_lang}", "family"], capture_output=True, text=True, timeout=60,
                            check=True)
    if not result.stdout.strip():
        missing_dependency(f"no font covers {tag} (script {i18n.script_of(tag)}, fc-list :lang={fc_lang})")
