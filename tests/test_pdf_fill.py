"""Partner fillable PDFs filled truthfully (registry/documents/pdf_fill.py): a checkbox or radio
button takes the state its value gives it (/V on the field, /AS on the widget, the widget's own
appearance for that state), what prints inside the box follows that state (read from a
pdftoppm rendering), and every value reads back from the filled file."""

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from forms.catalog.pdf_builder import PdfSheet
from forms.fields import FieldSpec
from forms.rendering import pdf_values
from registry.documents.pdf_fill import OFF, Selection, field_boxes, fill_pdf_form
from tests.conftest import missing_dependency

CATALOG = Path(__file__).resolve().parents[1] / "forms" / "catalog"
CODE = "SE-416-01"
NO_LIBREOFFICE = "LibreOffice and unoserver (apt-get install libreoffice-writer-nogui python3-uno; make uno)"
DPI = 100


@pytest.fixture
def app(rendering_app):
    return rendering_app


@pytest.fixture
def pdf_converter(converter):
    if not converter.available():
        missing_dependency(NO_LIBREOFFICE)
    return converter


def sample() -> dict:
    return json.loads((CATALOG / CODE / "sample.json").read_text(encoding="utf-8"))


def with_extension(extension) -> dict:
    data = sample()
    data["posting"]["extension"] = extension
    return data


def dark_pixels(pdf: bytes, box) -> tuple[int, int]:
    """(dark pixels, pixels) inside a widget's rectangle, its border left out, as pdftoppm draws it."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        missing_dependency("pdftoppm (Debian poppler-utils) to look at the printed tick")
    height = float(PdfReader(io.BytesIO(pdf)).pages[box.page - 1].mediabox.height)
    scale, inset = DPI / 72, 2.0  # points of border and anti-aliasing left out on every side
    x, y = round((box.x0 + inset) * scale), round((height - box.y1 + inset) * scale)
    w, h = round((box.x1 - box.x0 - 2 * inset) * scale), round((box.y1 - box.y0 - 2 * inset) * scale)
    command = [pdftoppm, "-r", str(DPI), "-gray", "-f", str(box.page), "-l", str(box.page),
               "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h), "-"]
    image = subprocess.run(command, input=pdf, capture_output=True, check=True).stdout
    # binary PGM: "P5", width, height, maxval, one whitespace, then one byte per pixel
    magic, width, height_px, _maxval, pixels = image.split(maxsplit=4)
    assert magic == b"P5" and (int(width), int(height_px)) == (w, h)
    return sum(1 for value in pixels[: w * h] if value < 128), w * h


def dark_pixels_inside(pdf: bytes, name: str) -> tuple[int, int]:
    return dark_pixels(pdf, next(b for b in field_boxes(PdfReader(io.BytesIO(pdf))) if b.name == name))


def widget_state(pdf: bytes, name: str) -> tuple[str, list[str]]:
    """The field's /V and the /AS of each of its widgets."""
    reader = PdfReader(io.BytesIO(pdf))
    field = reader.get_fields()[name]
    states = [str(annotation.get_object()["/AS"]) for page in reader.pages for annotation in page.get("/Annots") or []
              if annotation.get_object().get("/T") == name
              or (annotation.get_object().get("/Parent") is not None
                  and annotation.get_object()["/Parent"].get_object().get("/T") == name)]
    return str(field.get("/V")), states


def generate(api_client_as, data: dict, on: str = "2024-06-01") -> bytes:
    response = api_client_as("caisse").post(f"/api/forms/{CODE}/documents?format=pdf&on={on}", json=data)
    assert response.status_code == 200, response.text[:500]
    return response.content


@pytest.mark.parametrize("seeded_database_url", ["sqlite"], indirect=True)
def test_the_extension_box_is_ticked_for_true_and_not_for_false(api_client_as, pdf_converter):
    ticked, unticked = generate(api_client_as, with_extension(True)), generate(api_client_as, with_extension(False))
    assert widget_state(ticked, "posting.extension") == ("/Yes", ["/Yes"])
    assert widget_state(unticked, "posting.extension") == (OFF, [OFF])
    dark_ticked, area = dark_pixels_inside(ticked, "posting.extension")
    dark_unticked, _ = dark_pixels_inside(unticked, "posting.extension")
    assert dark_unticked == 0, "nothing may print inside an unticked box"
    assert dark_ticked > area // 10, f"the tick should cover the box: {dark_ticked} of {area} pixels"
    field = PdfReader(io.BytesIO(ticked)).get_fields()["posting.extension"]
    assert int(field.get("/Ff", 0)) & 1, "a filled statement's ticks are read-only, like its flattened text"


@pytest.mark.parametrize("seeded_database_url", ["sqlite"], indirect=True)
def test_the_blank_form_has_its_box_unticked(app, engine, client, pdf_converter):
    from datetime import date

    from sqlmodel import Session

    from forms.generation.blanks import build_blanks
    from forms.queries import find_form, form_on_date

    with Session(engine, expire_on_commit=False) as db:  # what publication's builder does (blanks.py)
        form = find_form(db, CODE)
        assert build_blanks(db, form, form_on_date(db, form, date(2024, 6, 1)).applicable, app.state.render_pool, pdf_converter) == []
    response = client.get(f"/api/forms/{CODE}/blank?format=pdf&on=2024-06-01")
    assert response.status_code == 200, response.text[:300]
    assert widget_state(response.content, "posting.extension") == (OFF, [OFF])
    assert dark_pixels_inside(response.content, "posting.extension")[0] == 0


@pytest.mark.parametrize("seeded_database_url", ["sqlite"], indirect=True)
def test_every_value_reads_back_with_countries_named_in_both_languages(api_client_as, pdf_converter):
    data = sample()
    data["worker"].update(last_name="Petrović", first_name="Đorđe Ђорђе", nationality="BR")
    pdf = generate(api_client_as, data)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    expected = ["Petrović", "Đorđe Ђорђе", "04/03/1982", "Brésil / Brasil", data["worker"]["id_number"],
                data["employer"]["name"], "2, avenue Marcel-Dassault", "31700", "Blagnac", "France / França",
                "01/03/2024", "28/02/2026", data["institution"]["name"], "12/02/2024"]
    missing = [value for value in expected if value not in text]
    assert not missing, f"not in the filled PDF's text: {missing}"
    assert "\nFR\n" not in f"\n{text}\n" and "\nBR\n" not in f"\n{text}\n", "a country code printed instead of its name"


@pytest.mark.parametrize("seeded_database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("lang", "message"), [("fr", "vrai ou faux attendu"), ("en", "expected true or false")])
def test_a_checkbox_value_that_is_not_a_boolean_is_refused_naming_its_path(api_client_as, lang, message):
    response = api_client_as("caisse").post(f"/api/forms/{CODE}/documents?format=pdf&on=2024-06-01&lang={lang}",
                                            json=with_extension("yes"))
    assert response.status_code == 422, response.text[:300]
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"posting.extension"}
    error = errors["posting.extension"]
    assert error["message"] == message
    assert (error["label_fr"], error["label_partner"]) == ("Prolongation", "Prorrogação")


# --- radio buttons, list and text boxes of a partner PDF that has them ------------------------------

MARITAL = FieldSpec.model_validate({
    "name": "marital_status", "type": "choice", "label_fr": "Situation de famille", "label_partner": "Estado civil",
    "choices": [{"value": "single", "label_fr": "Célibataire", "label_partner": "Solteiro(a)"},
                {"value": "married", "label_fr": "Marié(e)", "label_partner": "Casado(a)"}]})
COUNTRY = FieldSpec.model_validate({"name": "residence", "type": "country", "label_fr": "Pays de résidence",
                                    "label_partner": "País de residência"})
ALONE = FieldSpec.model_validate({"name": "alone", "type": "checkbox", "label_fr": "Seul", "label_partner": "Só"})


def partner_pdf() -> bytes:
    """A partner's form with a radio group (one button per choice), a text box and a checkbox."""
    sheet = PdfSheet()
    sheet.write("Situation de famille / Estado civil", bold=True)
    sheet.radio_group("marital_status", [(c.value, f"{c.label_fr} / {c.label_partner}") for c in MARITAL.choices])
    sheet.write("Pays de résidence / País de residência", bold=True)
    sheet.text_field("residence")
    sheet.checkbox("alone")
    return sheet.finish("Formulaire d'essai")


def test_a_radio_group_takes_the_chosen_option_and_text_boxes_print_names(pdf_converter):
    values = pdf_values([MARITAL, COUNTRY, ALONE], {"marital_status": "married", "residence": "BR", "alone": False},
                        "pt-BR")
    assert values["marital_status"] == Selection("married", "Marié(e) / Casado(a)")
    pdf = fill_pdf_form(partner_pdf(), values, pdf_converter)
    value, states = widget_state(pdf, "marital_status")
    assert (value, states) == ("/married", [OFF, "/married"])
    assert widget_state(pdf, "alone") == (OFF, [OFF])
    reader = PdfReader(io.BytesIO(pdf))
    assert "Brésil / Brasil" in reader.pages[0].extract_text()
    assert set(reader.get_fields()) == {"marital_status", "alone"}, "text widgets go once their value is on the page"
    chosen = [b for b in field_boxes(reader) if b.name == "marital_status"]
    single, married = (dark_pixels(pdf, box)[0] for box in chosen)
    assert single == 0 and married > 0


def test_a_choice_no_button_exports_selects_none(pdf_converter):
    values = {"marital_status": Selection("divorced", "Divorcé(e) / Divorciado(a)"), "alone": True}
    pdf = fill_pdf_form(partner_pdf(), values, pdf_converter)
    assert widget_state(pdf, "marital_status") == (OFF, [OFF, OFF])
    assert widget_state(pdf, "alone") == ("/Yes", ["/Yes"])


def test_a_checkbox_given_text_is_refused_by_the_filler(pdf_converter):
    with pytest.raises(ValueError, match="alone: a checkbox takes true or false"):
        fill_pdf_form(partner_pdf(), {"alone": "/Off"}, pdf_converter)

