"""Liaison-form codes: `SE <country number>-<sequence>` (form_codes.md).

Stored normalised, `SE 416-01`, with a URL slug, `SE-416-01`. On input the older and informal
spellings are accepted: `SE 335.01` (full stop, 1970s texts), `SE 352 01`, `SE335-01`,
`se 416 01`. A suffix such as Japan's `-F/J 1` is kept as written."""

import re

_CODE = re.compile(r"^\s*SE[\s\-]*(?P<country>\d{2,3})\s*[\-.\s]\s*(?P<sequence>\d{2})(?P<suffix>(?:[\s\-].*)?)$",
                   re.IGNORECASE)


class BadFormCode(ValueError):
    pass


def normalise_code(raw: str) -> str:
    match = _CODE.match(raw or "")
    if not match:
        raise BadFormCode(f"{raw!r} is not a liaison-form code; expected SE <country number>-<sequence>, e.g. SE 416-01")
    suffix = re.sub(r"\s+", " ", match["suffix"]).rstrip()
    return f"SE {match['country']}-{match['sequence']}{suffix.upper()}"


def code_slug(code: str) -> str:
    """'SE 416-01' -> 'SE-416-01' (also what `normalise_code` accepts back)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", code).strip("-").upper()


def country_number(code: str) -> str:
    """'SE 416-01' -> '416' (the INSEE country code without its 99 prefix, by observation)."""
    return normalise_code(code).split()[1].split("-")[0]
