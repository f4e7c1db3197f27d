"""The interface catalogs: complete, up to date with the code, with the plural forms decided.

When a test here fails after you added an interface string: `make locales-update`, then fill
its msgstr in locales/fr/LC_MESSAGES/messages.po (French) and locales/en/... (English)."""

import copy
import re
import shlex
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import CommandLineInterface, parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from registry import i18n

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
HOW_TO_FIX = "run `make locales-update`, then fill the msgstr in locales/<lang>/LC_MESSAGES/messages.po"


def load(locale: str) -> Catalog:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=i18n.to_babel(locale))


PLACEHOLDER = re.compile(r"%\((\w+)\)")


def catalog_problems(catalog: Catalog) -> list[str]:
    """Every message translated (every plural form too), none fuzzy, placeholders kept: the
    same named placeholders as the msgid (a plural form may drop %(num)s), no new one."""
    problems = []
    for message in list(catalog)[1:]:
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(strings) or (message.pluralizable and len(strings) != catalog.num_plurals):
            problems.append(f"untranslated: {message.id!r}")
            continue
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        found = [set(PLACEHOLDER.findall(string)) for string in strings]
        lost = not message.pluralizable and found[0] != wanted
        if lost or any(f - wanted for f in found):
            problems.append(f"placeholders differ: {message.id!r}")
    for message, errors in catalog.check():
        problems.extend(f"{error}: {message.id!r}" for error in errors)
    return problems


def babel_keywords() -> dict:
    """The keywords of `make locales-extract`, read from the Makefile so they cannot drift."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^BABEL_KEYWORDS\s*:=\s*(.+)$", makefile, re.MULTILINE).group(1)
    words = shlex.split(line)
    return {**DEFAULT_KEYWORDS, **parse_keywords([w for flag, w in zip(words, words[1:]) if flag == "-k"])}


def extracted_msgids() -> set:
    with (LOCALES / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=babel_keywords()):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("locale", i18n.UI_LOCALES)
def test_every_message_is_translated_and_none_is_fuzzy(locale):
    problems = catalog_problems(load(locale))
    assert not problems, f"{locale}: {problems[:10]} ({len(problems)} in all); {HOW_TO_FIX}"


def test_the_check_fails_when_one_french_translation_is_removed():
    catalog = copy.deepcopy(load("fr"))
    before = catalog_problems(catalog)
    victim = next(m for m in list(catalog)[1:] if m.string and not m.pluralizable)
    victim.string = ""
    assert set(catalog_problems(catalog)) - set(before) == {f"untranslated: {victim.id!r}"}
    assert catalog_problems(load("fr")) == before  # the copy only


def test_the_check_fails_on_a_fuzzy_entry_a_missing_plural_form_and_a_lost_placeholder():
    catalog = Catalog(locale="fr")
    assert catalog.num_plurals == 3  # babel 2.19's French, hence the explicit header below
    catalog.mime_headers = [("Plural-Forms", i18n.PLURAL_FORMS["fr"])]
    catalog.add("Show", "Afficher", flags=["fuzzy"])
    catalog.add(("%(num)s file", "%(num)s files"), ("%(num)s fichier", ""), flags=["python-format"])
    catalog.add("on %(date)s", "le", flags=["python-format"])
    catalog.add("Signed", "Signé le %(date)s")
    catalog.add(("%(num)s text", "%(num)s texts"), ("un texte", "%(num)s textes"), flags=["python-format"])
    assert sorted(catalog_problems(catalog)) == sorted([
        "fuzzy: 'Show'", "untranslated: ('%(num)s file', '%(num)s files')",
        "placeholders differ: 'on %(date)s'", "placeholders differ: 'Signed'",
    ])


@pytest.mark.parametrize("locale", i18n.UI_LOCALES)
def test_catalogs_hold_exactly_the_messages_of_the_code(locale):
    in_code = extracted_msgids()
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in list(load(locale))[1:]}
    assert "Registry of social-security agreements" in in_code and "Sickness" in in_code  # templates and mark()
    assert not in_code - in_catalog, f"missing from {locale}: {sorted(in_code - in_catalog)[:10]}; {HOW_TO_FIX}"
    assert not in_catalog - in_code, f"no longer in the code: {sorted(in_catalog - in_code)[:10]}; {HOW_TO_FIX}"


def test_bad_parameter_expectations_are_extracted():
    # BadParameter's third argument is a message (Makefile: -k BadParameter:3)
    assert "a date as YYYY-MM-DD" in extracted_msgids()


# --- plural forms -------------------------------------------------------------------------
# Babel 2.19 writes 3 forms for French (CLDR "many" for exact millions). Decided: 2 forms,
# `nplurals=2; plural=(n > 1);`, set explicitly in the header (README, Translations).

@pytest.mark.parametrize("locale", i18n.UI_LOCALES)
def test_plural_forms_header_is_the_decided_one(locale):
    text = (LOCALES / locale / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert f'"Plural-Forms: {i18n.PLURAL_FORMS[locale]}\\n"' in text
    assert load(locale).num_plurals == 2


@pytest.mark.parametrize("n,form", [(0, 0), (1, 0), (2, 1), (1_000, 1), (1_000_000, 1), (2_000_000, 1)])
def test_french_plural_rule(n, form):
    assert i18n.translations("fr").plural(n) == form


@pytest.mark.parametrize("n,expected", [(0, "0 texte"), (1, "1 texte"), (2, "2 textes"), (1_000_000, "1000000 textes")])
def test_french_plural_messages_use_two_forms(n, expected):
    catalog = copy.deepcopy(load("fr"))
    catalog.add(("%(num)s instrument", "%(num)s instruments"), ("%(num)s texte", "%(num)s textes"),
                flags=["python-format"])
    translations = i18n.compile_catalog(catalog)
    assert translations.ngettext("%(num)s instrument", "%(num)s instruments", n) % {"num": n} == expected


def test_english_plural_rule():
    assert [i18n.translations("en").plural(n) for n in (0, 1, 2)] == [1, 0, 1]


def test_update_keeps_the_plural_forms(tmp_path):
    """`make locales-update` (pybabel update) must not bring babel's 3 French forms back."""
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes((LOCALES / "fr" / "LC_MESSAGES" / "messages.po").read_bytes())
    template = tmp_path / "messages.pot"
    pot = Catalog()
    pot.add(("%(num)s instrument", "%(num)s instruments"), flags=["python-format"])
    for message in list(load("fr"))[1:]:
        pot.add(message.id, flags=message.flags - {"fuzzy"})
    with template.open("wb") as fp:
        from babel.messages.pofile import write_po
        write_po(fp, pot)
    CommandLineInterface().run(["pybabel", "-q", "update", "-i", str(template), "-d", str(tmp_path),
                                "--no-fuzzy-matching", "--ignore-obsolete"])
    with (target / "messages.po").open("rb") as fp:
        updated = read_po(fp, locale="fr")
    assert updated.plural_forms == i18n.PLURAL_FORMS["fr"]
    assert len(updated["%(num)s instrument"].string) == 2


def test_compile_writes_catalogs_that_match_the_ones_built_in_memory(tmp_path):
    """`make locales-compile` keeps working: the .mo it writes says what the app says."""
    for locale in i18n.UI_LOCALES:
        target = tmp_path / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        (target / "messages.po").write_bytes((LOCALES / locale / "LC_MESSAGES" / "messages.po").read_bytes())
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(tmp_path)])
    with (tmp_path / "fr" / "LC_MESSAGES" / "messages.mo").open("rb") as fp:
        compiled = read_mo(fp)
    assert compiled.get("Sickness").string == i18n.translations("fr").gettext("Sickness") == "Maladie"


def test_update_prefills_english_from_the_msgids(tmp_path):
    from babel.messages.pofile import write_po

    catalog = Catalog(locale="en")
    catalog.add("Sickness", "Sickness (illness)")
    catalog.add("Show")
    catalog.add(("%(num)s form", "%(num)s forms"), flags=["python-format"])
    path = tmp_path / "messages.po"
    with path.open("wb") as fp:
        write_po(fp, catalog)
    assert i18n.prefill_from_msgids(path) == 2
    with path.open("rb") as fp:
        filled = read_po(fp, locale="en")
    assert filled["Sickness"].string == "Sickness (illness)"      # a polished string stays
    assert filled["Show"].string == "Show"
    assert filled["%(num)s form"].string == ("%(num)s form", "%(num)s forms")
    assert filled.plural_forms == i18n.PLURAL_FORMS["en"] and catalog_problems(filled) == []
