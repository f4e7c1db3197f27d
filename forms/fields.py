"""The field schema of a form version and the checks a value of each field type must pass.

A field is named like the template variable that prints it, case kept (`worker.last_name`,
`NomAssure`), carries its label in French and in the partner language (a form is never
monolingual), and has one of the types below. Its API key (`api_key`) is the name normalised to
lower snake case (`NomAssure` -> `nom_assure`, `worker.DateNaissance` -> `worker.date_naissance`):
data may give a value under either spelling, the name as written first; two fields whose keys
collide are refused. `validate_values` checks a filled-in data set (a sample, or a caisse's data)
against the schema and returns the errors by field path (`authors[2].books[1].title`, rows
counted from 1)."""

import re
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from registry.documents.sandbox import as_decimal
from registry.labels import mark

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$"  # as the template writes it
MAX_ROW_NESTING = 2  # rows inside rows, as deep as the sandbox nests loops (MAX_LOOP_NESTING)
ADDRESS_PARTS = ("street", "postal_code", "city", "country")
MAX_ROWS_DEFAULT = 50
# Every value has a maximum length, declared or not: the render budget of a template is computed
# from them (registry/documents/template_budget.py), and the upload's trial render uses them.
TEXT_MAX_DEFAULT = 1000  # a text field without max_length: a paragraph
NUMBER_MAX_DEFAULT = 20
NUMBER_LIMIT = 10**15  # babel formats up to 28 digits; no amount or count on a form comes near
NIR_MAX_CHARS = 25  # 15 characters and the spaces or dots people type between them
ADDRESS_MAX_LENGTHS = {"street": 200, "postal_code": 20, "city": 100, "country": 2}


class Problem(str):
    """What is wrong with a value: reads as the English sentence (logs, batch reports, the API's
    `message`), and keeps its catalog message and parameters so a page can translate it."""

    message: str
    params: dict

    def __new__(cls, message: str, **params) -> "Problem":
        problem = super().__new__(cls, message % params if params else message)
        problem.message, problem.params = message, params
        return problem


class Invalid(ValueError):
    """A value refused by its field's check, with the Problem to show."""

    def __init__(self, message: str, **params) -> None:
        self.problem = Problem(message, **params)
        super().__init__(str(self.problem))


class FieldType(StrEnum):
    text = "text"
    date = "date"
    number = "number"
    choice = "choice"
    checkbox = "checkbox"
    rows = "rows"  # repeated rows: a table whose columns are fields (a column may be rows itself)
    list = "list"  # a list of plain values of type `item` ({% for s in skills %}{{ s }})
    nir = "nir"  # French social-security number, 13 characters and a 2-digit key
    country = "country"  # ISO 3166-1 alpha-2
    address = "address"  # street, postal_code, city, country


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")
    label_fr: str = Field(min_length=1, max_length=300)
    label_partner: str = Field(min_length=1, max_length=300)


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, pattern=NAME_PATTERN)
    type: FieldType
    label_fr: str = Field(min_length=1, max_length=500)
    label_partner: str = Field(min_length=1, max_length=500)
    required: bool = False
    max_length: int | None = Field(default=None, ge=1, le=10_000)
    choices: list[Choice] = Field(default_factory=list)
    columns: list["FieldSpec"] = Field(default_factory=list)
    max_rows: int | None = Field(default=None, ge=1, le=500)
    item: FieldType | None = None  # a list's item type: one of LIST_ITEMS

    @property
    def key(self) -> str:
        """The API key: the name in lower snake case."""
        return api_key(self.name)

    @model_validator(mode="after")
    def check_type_options(self) -> "FieldSpec":
        if self.type == FieldType.choice:
            if len(self.choices) < 2:
                raise ValueError(f"{self.name}: a choice field needs at least two choices")
            values = [c.value for c in self.choices]
            if len(set(values)) != len(values):
                raise ValueError(f"{self.name}: choice values must be unique")
        elif self.choices:
            raise ValueError(f"{self.name}: only a choice field has choices")
        if self.type == FieldType.rows:
            self._check_columns()
        elif self.columns:
            raise ValueError(f"{self.name}: only repeated rows have columns")
        if self.max_rows and self.type not in (FieldType.rows, FieldType.list):
            raise ValueError(f"{self.name}: only repeated rows and lists have max_rows")
        if (self.type == FieldType.list) != (self.item is not None):
            raise ValueError(f"{self.name}: a list, and only a list, has an item type")
        if self.item is not None and self.item not in LIST_ITEMS:
            raise ValueError(f"{self.name}: list items are one of {', '.join(LIST_ITEMS)}")
        sized = (FieldType.text, FieldType.number)
        if self.max_length is not None and self.type not in sized and self.item not in sized:
            raise ValueError(f"{self.name}: max_length applies to text fields")
        return self

    def _check_columns(self) -> None:
        if not self.columns:
            raise ValueError(f"{self.name}: repeated rows need at least one column")
        if row_depth(self) > MAX_ROW_NESTING:
            raise ValueError(f"{self.name}: rows can be nested {MAX_ROW_NESTING} levels deep at most")
        if any("." in c.name for c in self.columns):
            raise ValueError(f"{self.name}: column names are simple names")
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.name}: column names used twice")


LIST_ITEMS = (FieldType.text, FieldType.number, FieldType.date, FieldType.country)


def api_key(name: str) -> str:
    """`NomAssure` -> `nom_assure`, `worker.DateNaissance` -> `worker.date_naissance`, `NIR` -> `nir`."""
    return ".".join(re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", part).lower()
                    for part in name.split("."))


def row_depth(spec: "FieldSpec") -> int:
    """1 for rows of plain columns, 2 for rows with a column of rows…"""
    if spec.type != FieldType.rows:
        return 0
    return 1 + max((row_depth(c) for c in spec.columns), default=0)


def item_spec(spec: "FieldSpec") -> "FieldSpec":
    """The spec of one item of a list field (its max_length applies to each item)."""
    return FieldSpec(name=spec.name, type=spec.item, label_fr=spec.label_fr, label_partner=spec.label_partner,
                     max_length=spec.max_length)


def max_length_of(spec: "FieldSpec") -> int:
    """The longest value a text or number field takes: its max_length, or the default."""
    default = NUMBER_MAX_DEFAULT if spec.type == FieldType.number else TEXT_MAX_DEFAULT
    return spec.max_length or default


def parse_fields(raw: list[dict]) -> list[FieldSpec]:
    """Validated field specs; raises ValueError naming duplicates."""
    fields = [FieldSpec.model_validate(item) for item in raw]
    names = [f.key for f in fields]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"field names used twice: {', '.join(duplicates)}")
    clashes = sorted(a for a in names for b in names if b.startswith(a + "."))
    if clashes:
        raise ValueError(f"a field cannot also be the parent of other fields: {', '.join(clashes)}")
    return fields


# --- NIR -------------------------------------------------------------------------------

_NIR = re.compile(r"^[1-478]\d{4}(\d{2}|2[AB])\d{6}$")


def nir_key(number13: str) -> int:
    """97 - (number mod 97); Corsica's 2A and 2B count as 19 and 18."""
    digits = number13.upper()
    if digits[5:7] == "2A":
        digits = digits[:5] + "19" + digits[7:]
    elif digits[5:7] == "2B":
        digits = digits[:5] + "18" + digits[7:]
    return 97 - int(digits) % 97


def check_nir(value: str) -> str:
    """The NIR with spaces removed, or ValueError saying what is wrong."""
    compact = re.sub(r"[\s.]", "", str(value)).upper()
    if len(compact) != 15:
        raise Invalid(mark("a NIR has 15 characters: 13 and a 2-digit key"))
    number, key = compact[:13], compact[13:]
    if not _NIR.match(number) or not key.isdigit():
        raise Invalid(mark("not a NIR: sex digit, year, month, department (2A/2B for Corsica), commune, order, key"))
    if int(key) != nir_key(number):
        raise Invalid(mark("wrong NIR key: %(given)s given, %(expected)s expected"), given=key,
                      expected=f"{nir_key(number):02d}")
    return compact


# --- values ----------------------------------------------------------------------------

REQUIRED = mark("required")
EXPECTED_NUMBER = mark("expected a number")
TOO_LONG = mark("%(count)s characters; at most %(max)s")

BIRTH_IN_FUTURE = mark("a date of birth cannot be in the future")
END_BEFORE_START = mark("the end cannot be before the start (%(start)s)")
# Date rules read from the field names the catalog uses, so no schema (and no published version's
# content) changes: a field named …birth_date is not in the future; …end / …end_date is not
# before its sibling …start / …start_date.
END_STARTS = {"end": "start", "end_date": "start_date"}


def validate_values(fields: list[FieldSpec], data: dict, today: date | None = None) -> dict[str, str]:
    """Errors by field path ('periods[2].start'); empty when the data fits the schema."""
    errors: dict[str, str] = {}
    for spec in fields:
        present, value = _lookup(data, spec.name)
        _check(spec, spec.name, value if present else None, errors)
    _check_dates(fields, data, errors, today or date.today())
    return errors


def _as_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _check_dates(fields: list[FieldSpec], data: dict, errors: dict, today: date) -> None:
    names = {spec.name for spec in fields if spec.type == FieldType.date}
    for name in names - set(errors):
        value = _as_date(_lookup(data, name)[1])
        if value is None:
            continue
        prefix, _, last = name.rpartition(".")
        start_name = f"{prefix}.{END_STARTS[last]}" if prefix and last in END_STARTS else END_STARTS.get(last)
        if last.endswith("birth_date") and value > today:
            errors[name] = Problem(BIRTH_IN_FUTURE)
        elif start_name in names and start_name not in errors:
            start = _as_date(_lookup(data, start_name)[1])
            if start is not None and value < start:
                errors[name] = Problem(END_BEFORE_START, start=start.isoformat())


def _lookup(data: dict, dotted: str) -> tuple[bool, object]:
    """The value at a field's name as the template writes it, else at its API key."""
    current: object = data
    for part in dotted.split("."):
        key = part if isinstance(current, dict) and part in current else api_key(part)
        if not isinstance(current, dict) or key not in current:
            return False, None
        current = current[key]
    return True, current


def put_dotted(data: dict, dotted: str, value) -> None:
    """Set `value` at a dotted field name (`worker.last_name`), making the mappings on the way."""
    *parents, last = dotted.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    data[last] = value


def _check(spec: FieldSpec, path: str, value, errors: dict[str, str]) -> None:
    if value in (None, "", [], {}):
        if spec.required:
            errors[path] = Problem(REQUIRED)
        return
    if isinstance(value, (list, dict)) and spec.type not in CONTAINERS:
        errors[path] = Problem(mark("expected a single value, not a list or a table"))
        return
    try:
        CHECKS[spec.type](spec, path, value, errors)
    except Invalid as exc:
        errors[path] = exc.problem
    except (ValueError, TypeError) as exc:  # a value no check foresaw: refused all the same, in English
        errors[path] = Problem(str(exc))


def _text(spec, _path, value, _errors):
    if not isinstance(value, str):
        raise Invalid(mark("expected text"))
    if len(value) > max_length_of(spec):
        raise Invalid(TOO_LONG, count=len(value), max=max_length_of(spec))


def _date(_spec, _path, value, _errors):
    if isinstance(value, date):
        return
    try:
        date.fromisoformat(str(value) if isinstance(value, str) else "")
    except ValueError:
        raise Invalid(mark("expected a date as YYYY-MM-DD")) from None


def _number(spec, _path, value, _errors):
    number = as_decimal(value)
    if number is None:
        raise Invalid(EXPECTED_NUMBER)
    if len(str(value)) > max_length_of(spec):
        raise Invalid(mark("at most %(max)s digits"), max=max_length_of(spec))
    if abs(number) >= NUMBER_LIMIT:
        raise Invalid(mark("at most %(max)s digits before the decimal point"), max=len(str(NUMBER_LIMIT)) - 1)


def _choice(spec, _path, value, _errors):
    accepted = [c.value for c in spec.choices]
    if value not in accepted:
        raise Invalid(mark("expected one of %(choices)s"), choices=", ".join(accepted))


def _checkbox(_spec, _path, value, _errors):
    if not isinstance(value, bool):
        raise Invalid(mark("expected true or false"))


def _nir(_spec, _path, value, _errors):
    if not isinstance(value, str):
        raise Invalid(mark("expected text"))
    if len(value) > NIR_MAX_CHARS:
        raise Invalid(TOO_LONG, count=len(value), max=NIR_MAX_CHARS)
    check_nir(value)


def _country(_spec, _path, value, _errors):
    if not (isinstance(value, str) and re.fullmatch(r"[A-Z]{2}", value)):
        raise Invalid(mark("expected an ISO 3166 country code such as FR or RS"))


def _address(_spec, path, value, errors):
    if not isinstance(value, dict):
        raise Invalid(mark("expected an address with %(parts)s"), parts=", ".join(ADDRESS_PARTS))
    unknown = sorted(set(value) - set(ADDRESS_PARTS))
    if unknown:
        raise Invalid(mark("unknown address parts: %(parts)s"), parts=", ".join(unknown))
    for part in ("street", "city"):
        if not value.get(part):
            errors[f"{path}.{part}"] = Problem(REQUIRED)
    for part, longest in ADDRESS_MAX_LENGTHS.items():
        if not isinstance(value.get(part) or "", str):
            errors[f"{path}.{part}"] = Problem(mark("expected text"))
        elif len(value.get(part) or "") > longest:
            errors[f"{path}.{part}"] = Problem(TOO_LONG, count=len(value[part]), max=longest)
    if value.get("country"):
        try:
            _country(None, path, value["country"], errors)
        except Invalid as exc:
            errors[f"{path}.country"] = exc.problem


def _rows(spec, path, value, errors):
    if not isinstance(value, list):
        raise Invalid(mark("expected a list of rows"))
    limit = spec.max_rows or MAX_ROWS_DEFAULT
    if len(value) > limit:
        raise Invalid(mark("%(count)s rows; at most %(max)s"), count=len(value), max=limit)
    names = {c.name for c in spec.columns} | {c.key for c in spec.columns}
    for index, row in enumerate(value, start=1):
        if not isinstance(row, dict):
            errors[f"{path}[{index}]"] = Problem(mark("expected a row with columns %(columns)s"),
                                                 columns=", ".join(c.name for c in spec.columns))
            continue
        for unknown in sorted(set(row) - names):
            errors[f"{path}[{index}].{unknown}"] = Problem(mark("not a column of this table"))
        for column in spec.columns:
            _check(column, f"{path}[{index}].{column.name}", _lookup(row, column.name)[1], errors)


SCALAR = (str, int, float, bool, date)
CONTAINERS = (FieldType.rows, FieldType.list, FieldType.address)


def _list(spec, path, value, errors):
    if not isinstance(value, list):
        raise Invalid(mark("expected a list of values"))
    limit = spec.max_rows or MAX_ROWS_DEFAULT
    if len(value) > limit:
        raise Invalid(mark("%(count)s values; at most %(max)s"), count=len(value), max=limit)
    item = item_spec(spec)
    for index, each in enumerate(value, start=1):
        if each is not None and not isinstance(each, SCALAR):
            errors[f"{path}[{index}]"] = Problem(mark("expected a single value, not a list or a table"))
        else:
            _check(item, f"{path}[{index}]", each, errors)


CHECKS = {
    FieldType.text: _text, FieldType.date: _date, FieldType.number: _number, FieldType.choice: _choice,
    FieldType.checkbox: _checkbox, FieldType.rows: _rows, FieldType.nir: _nir, FieldType.country: _country,
    FieldType.address: _address, FieldType.list: _list,
}
