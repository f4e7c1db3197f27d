"""Form codes, field types and their checks (NIR key with Corsica), and matching a template's
variables with the declared fields both ways."""

import pytest
from pydantic import ValidationError

from forms.codes import BadFormCode, code_slug, country_number, normalise_code
from forms.fields import FieldSpec, check_nir, nir_key, parse_fields, validate_values
from forms.template_check import TemplateRefused, check_upload, match_fields, template_paths
from registry.documents.sandbox import make_environment
from tests.documents import docx_bytes


@pytest.mark.parametrize("raw,code", [
    ("SE 352-01", "SE 352-01"), ("SE 335.01", "SE 335-01"), ("SE335-01", "SE 335-01"), ("se 416 01", "SE 416-01"),
    ("SE-416-01", "SE 416-01"), (" SE 352 01 ", "SE 352-01"), ("SE 21-01", "SE 21-01"),
    ("SE 217-01-F/J 1", "SE 217-01-F/J 1"),
])
def test_codes_are_normalised(raw, code):
    assert normalise_code(raw) == code


def test_slug_and_country_number():
    assert code_slug("SE 416-01") == "SE-416-01" and country_number("se 416 01") == "416"
    assert code_slug("SE 217-01-F/J 1") == "SE-217-01-F-J-1"


@pytest.mark.parametrize("raw", ["P2000", "P_BUC_01", "SE 4160-01", "SE 416", "", "416-01"])
def test_eu_codes_and_garbage_are_not_form_codes(raw):
    with pytest.raises(BadFormCode):
        normalise_code(raw)


@pytest.mark.parametrize("number,key", [
    ("1841275056123", 55),
    ("1650599121017", 31),  # born abroad: department 99, INSEE country code 121 (Serbia)
    ("278072A004017", 2),  # Corsica: 2A counts as 19
    ("255102B033004", nir_key("2551018033004")),  # 2B counts as 18
])
def test_nir_key(number, key):
    assert nir_key(number) == key
    assert check_nir(f"{number}{key:02d}") == f"{number}{key:02d}"


def test_corsican_key_uses_19_and_18():
    assert nir_key("278072A004017") == 97 - 2780719004017 % 97
    assert nir_key("278072B004017") == 97 - 2780718004017 % 97


@pytest.mark.parametrize("value,needle", [
    ("1 84 12 75 056 123 56", "wrong NIR key: 56 given, 55 expected"),
    ("18412750561235", "15 characters"),
    ("9841275056123 55", "not a NIR"),
    ("2780720A004017 02", "15 characters"),
])
def test_bad_nir(value, needle):
    with pytest.raises(ValueError, match=needle):
        check_nir(value)


def spec(**overrides) -> dict:
    return {"name": "worker.last_name", "type": "text", "label_fr": "Nom", "label_partner": "Prezime"} | overrides


def test_a_field_needs_both_labels():
    with pytest.raises(ValidationError):
        FieldSpec.model_validate(spec(label_partner=""))


@pytest.mark.parametrize("overrides,needle", [
    ({"type": "choice"}, "at least two choices"),
    ({"type": "rows", "name": "periods"}, "at least one column"),
    ({"type": "date", "max_length": 10}, "max_length"),
    ({"name": "Worker Name"}, "pattern"),
    ({"colour": "blue"}, "Extra inputs"),
])
def test_bad_field_specs(overrides, needle):
    with pytest.raises(ValidationError, match=needle):
        FieldSpec.model_validate(spec(**overrides))


def test_duplicate_and_parent_clash_are_refused():
    with pytest.raises(ValueError, match="used twice"):
        parse_fields([spec(), spec()])
    with pytest.raises(ValueError, match="parent"):
        parse_fields([spec(name="worker"), spec()])


FIELDS = parse_fields([
    spec(required=True, max_length=5),
    spec(name="worker.nir", type="nir"),
    spec(name="worker.birth_date", type="date", required=True),
    spec(name="status", type="choice", choices=[{"value": "a", "label_fr": "A", "label_partner": "A"},
                                                {"value": "b", "label_fr": "B", "label_partner": "B"}]),
    spec(name="married", type="checkbox"),
    spec(name="nationality", type="country"),
    spec(name="address", type="address"),
    spec(name="periods", type="rows", max_rows=2, columns=[spec(name="start", type="date", required=True),
                                                           spec(name="days", type="number")]),
])


def test_values_are_checked_against_the_schema():
    errors = validate_values(FIELDS, {
        "worker": {"last_name": "Petrović", "nir": "184127505612356"},
        "status": "c", "married": "yes", "nationality": "Serbia",
        "address": {"street": "Kneza Miloša 27", "zip": "11000"},
        "periods": [{"start": "2001-13-01", "days": "x"}, {"start": "2002-01-01", "colour": "red"}, {"start": "2003-01-01"}],
    })
    assert errors == {
        "worker.last_name": "8 characters; at most 5",
        "worker.nir": "wrong NIR key: 56 given, 55 expected",
        "worker.birth_date": "required",
        "status": "expected one of a, b",
        "married": "expected true or false",
        "nationality": "expected an ISO 3166 country code such as FR or RS",
        "address": "unknown address parts: zip",
        "periods": "3 rows; at most 2",
    }
    assert validate_values(FIELDS, {"worker": {"last_name": "Đurić", "birth_date": "1970-01-01"},
                                    "periods": [{"start": "2001-13-01", "days": "x"}]}) == {
        "periods[1].start": "expected a date as YYYY-MM-DD", "periods[1].days": "expected a number"}


def paths(*paragraphs: str) -> set[str]:
    env = make_environment("sr-Latn")
    return template_paths(env.parse("\n".join(paragraphs)))


def test_template_paths_follow_loops_and_ignore_loop_helpers():
    assert paths("{{ worker.last_name }} {{ worker['first_name'] }}",
                 "{% for p in periods %}{{ p.start|date_fr }} {{ loop.index }}{% endfor %}",
                 "{% if married %}{{ (status == 'a')|box }}{% endif %}") == {
        "worker.last_name", "worker.first_name", "periods", "periods[].start", "married", "status"}


def test_fields_and_template_must_match_both_ways():
    fields = parse_fields([spec(), spec(name="worker.nir", type="nir"),
                           spec(name="address", type="address"),
                           spec(name="periods", type="rows", columns=[spec(name="start", type="date"),
                                                                      spec(name="end", type="date")])])
    match = match_fields(fields, {"worker.last_name", "worker.jmbg", "address.city", "periods", "periods[].start",
                                  "worker"})
    assert match.not_declared == ["worker.jmbg"]
    assert match.missing_from_template == ["periods[].end", "worker.nir"]


def test_upload_lists_the_differences_both_ways():
    docx = docx_bytes("{{ worker.last_name }} {{ worker.jmbg }}")
    with pytest.raises(TemplateRefused) as refused:
        check_upload("t.docx", docx, parse_fields([spec(), spec(name="worker.nir", type="nir")]), "sr-Latn", 2**20)
    assert refused.value.extra == ["worker.jmbg"] and refused.value.missing == ["worker.nir"]
    assert "in the template but not declared: worker.jmbg" in str(refused.value)
    assert "declared but not in the template: worker.nir" in str(refused.value)
