"""The page where a fund fills a form: every field with both labels, the right input for its
type and a required mark; errors come back beside each field, and nothing typed is stored."""

import re
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Template
from sqlmodel import Session

from forms.fields import ADDRESS_PARTS, FieldType, parse_fields, put_dotted
from forms.generation.controllers import file_response, record_generation
from forms.generation.generate import FORMATS, check_data, filled, resolve
from forms.generation.jobs import job_for
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry import i18n
from registry.collation import world_countries
from registry.labels import mark
from registry.web.i18n_middleware import request_locale
from registry.web.params import parse_choice, parse_date

GENERATE = [requires(Permission.generate_documents)]
ADDRESS_LABELS = {"street": mark("Street"), "postal_code": mark("Postal code"), "city": mark("City"),
                  "country": mark("Country")}
FORM = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
BLANK_ROWS = 3
ROW_KEY = re.compile(r"^(?P<name>[a-z0-9_.]+)\[(?P<index>\d{1,3})\]\.(?P<column>[a-z0-9_]+)$")
ERROR_ROW = re.compile(r"^(?P<name>[a-z0-9_.]+)\[(?P<number>\d+)\](?P<rest>.*)$")


def data_from_form(form: dict, specs) -> tuple[dict, dict[str, list[int]]]:
    """Posted fields (dotted names, address parts, rows as name[i].column) -> (nested data, the
    input row of each data row per table: blank rows are skipped, so they can differ)."""
    data: dict = {}
    by_name = {s.name: s for s in specs}
    rows: dict[str, dict[int, dict]] = {}
    for key, raw in form.items():
        value = raw.strip() if isinstance(raw, str) else raw
        match = ROW_KEY.match(key)
        if match:
            if value:
                rows.setdefault(match["name"], {}).setdefault(int(match["index"]), {})[match["column"]] = value
            continue
        base = key.rsplit(".", 1)[0] if key.rsplit(".", 1)[-1] in ADDRESS_PARTS else key
        spec = by_name.get(key) or by_name.get(base)
        if spec is None or value in ("", None):
            continue
        put_dotted(data, key, value == "on" if spec.type == FieldType.checkbox else value)
    for name, indexed in rows.items():
        put_dotted(data, name, [indexed[i] for i in sorted(indexed)])
    return data, {name: sorted(indexed) for name, indexed in rows.items()}


def typed(form: dict) -> dict[str, str]:
    """What was typed, by input name, to show again beside the errors (never stored)."""
    return {key: value.strip() for key, value in form.items() if isinstance(value, str) and not key.startswith("_")}


def errors_by_input(problems, input_rows: dict[str, list[int]]) -> dict[str, str]:
    """Problems keyed by the name of the input that shows them: row errors are numbered from 1
    among the rows sent (forms/fields.py), inputs from 0 among all rows of the page."""
    errors = {}
    for problem in problems:
        match = ERROR_ROW.match(problem.field)
        key = problem.field
        rows = input_rows.get(match["name"], []) if match else []
        if match and 0 < int(match["number"]) <= len(rows):
            key = f"{match['name']}[{rows[int(match['number']) - 1]}]{match['rest']}"
        errors[key] = problem.message
    return errors


def input_labels(specs, gettext) -> dict[str, str]:
    """The French label of every input by its name, for the error summary's links."""
    labels = {}
    for spec in specs:
        labels[spec.name] = spec.label_fr
        if spec.type == FieldType.address:
            for part in ADDRESS_PARTS:
                labels[f"{spec.name}.{part}"] = f"{spec.label_fr} — {gettext(ADDRESS_LABELS[part])}"
    return labels


class FillPages(Controller):
    include_in_schema = False

    @get("/forms/{code:str}/fill", sync_to_thread=True, guards=GENERATE)
    def fill_form(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str],
                  on: FromQuery[str | None] = None) -> Template:
        as_of = parse_date("on", on, date.today())
        form, version = resolve(db_session, code, as_of)
        return Template("forms/fill.html", context=self._context(request, form, version, as_of, {}, {}))

    @post("/forms/{code:str}/fill", sync_to_thread=True, guards=GENERATE)
    def fill(self, request: Request, db_session: NamedDependency[Session], code: FromPath[str], data: FORM,
             on: FromQuery[str | None] = None) -> Template | Response:
        as_of = parse_date("on", on, date.today())
        fmt = parse_choice("format", data.get("_format"), FORMATS) or "docx"
        form, version = resolve(db_session, code, as_of)
        values, input_rows = data_from_form(data, parse_fields(version.fields))
        problems = check_data(job_for(form, version, as_of), values, request_locale(request))
        if problems:
            errors = errors_by_input(problems, input_rows)
            return Template("forms/fill.html", status_code=422,
                            context=self._context(request, form, version, as_of, typed(data), errors))
        state = request.app.state
        file = filled(form, version, as_of, values, fmt, state.render_pool, state.converter)
        record_generation(request, db_session, "form.generate", form, version, fmt, 1)
        return file_response(file)

    @staticmethod
    def _context(request: Request, form, version, as_of: date, values: dict, errors: dict) -> dict:
        # nationality and address: every country, named and ordered in the page's language
        countries = world_countries(request_locale(request))
        specs = parse_fields(version.fields)
        return dict(form=form, version=version, as_of=as_of, specs=specs, values=values, today=date.today(),
                    error_labels=input_labels(specs, i18n.translations(request_locale(request)).gettext),
                    errors=errors, countries=countries, address_parts=ADDRESS_PARTS, address_labels=ADDRESS_LABELS, blank_rows=range(BLANK_ROWS),
                    formats=FORMATS, pdf_only=version.template_kind == "pdf")
