"""The only Jinja environment document templates are parsed and rendered with, and the rule set
they live by.

docxtpl's default environment is unsandboxed: a template can reach `os` through
`cycler.__init__.__globals__` (LIBRARIES.md §3). This environment is a sandbox with no globals,
that escapes values for XML (autoescape: docxtpl otherwise drops `&` and `<` silently) and fails
on undefined names.

## The rule set (one set: what the upload check accepts, the render never refuses)

A template is checked when it is uploaded (`registry.documents.template_rules.check_template`,
statically, then by a trial render with the longest values its fields allow), and the same
rules hold while it renders (this module). Every rule enforced at render is also decided at
upload from the template alone, so a template the check accepts is never stopped at render by a
rule; what only the render can stop (a template stored before a rule existed) still is.

1. **Nodes.** Only output, `if`, `for`, literals, names and their attributes or items,
   comparisons, boolean and arithmetic operators, `~`, conditional expressions, filters and
   tests, `{% with %}`. Refused: calls (methods, `range`, macros, `loop.cycle`), `{% set %}`,
   macros, `{% call %}`, `{% filter %}` blocks, `{% autoescape %}` (it would let a value write raw
   Word XML), blocks, includes, imports, `extends`, recursive loops, names starting with `_`.
   At render the sandbox refuses calls and unsafe attributes the same way.
2. **Filters.** Only those whose output is bounded by their input (SAFE_BUILTIN_FILTERS and the
   registry's own: dates, numbers, countries, box, NIR). `round` takes a precision written in the
   template, from -ROUND_PRECISION_MAX to ROUND_PRECISION_MAX (a precision of 10**9 would make it
   compute 10**(10**9)); `join` refuses at render a result longer than RENDER_BUDGET characters;
   `map` takes `attribute=` only (`map('upper')` is a filter call the budget cannot follow).
   `sort`/`unique` on rows without `attribute=` fail on the trial render (dicts do not compare).
   docxtpl's `{{r x}}` / `{{p x}}` are refused: they expect RichText/Subdoc, which no field gives.
3. **Operators.** `**` is refused; `*` only multiplies numbers and `%` is only the remainder of
   numbers (`'x' * 10**8` and `'%099999999d' % 1` are how memory bombs start): statically, an
   operand that can be text or a list (a field value, a string literal) is refused; at render,
   `call_binop` refuses the same.
4. **Nesting.** Blocks nest at most MAX_BLOCK_NESTING deep, brackets MAX_BRACKET_NESTING, an
   expression MAX_EXPRESSION_DEPTH operations (Jinja's parser and compiler recurse: 3,000
   nested `{% if %}` or 5,000 parentheses raise RecursionError, and Python refuses to compile
   over 100 indentation levels); loops nest at most MAX_LOOP_NESTING deep. Checked on the
   tokens before parsing, so the parser never recurses that far.
5. **Budget.** With the longest value each field allows (forms/template_check.py gives their
   bounds), an upper bound of what a render computes, in characters, must stay under
   RENDER_BUDGET (registry/documents/template_budget.py explains the bound: loops multiply their
   body by the items they iterate, `join` multiplies items by its separator, …). Seven chained
   `|join` or two loops nested over a 30,000-character value are refused here.
6. **Trial render** at upload, in a render worker with the production time and memory limits,
   with empty data (the blank form) and with the longest values every field allows.

Rendering itself always happens in a render worker (registry/documents/workers.py) with a memory
ceiling and a time limit, so even a template stored before a rule existed cannot stall the
server."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache, wraps

from jinja2 import StrictUndefined, Undefined
from jinja2.filters import do_default, do_round, sync_do_join
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from registry import i18n

# builtin filters kept: none of them can produce output much larger than its input (join: its
# input's items times its separator, counted by the budget)
SAFE_BUILTIN_FILTERS = frozenset({
    "abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int", "join",
    "last", "length", "lower", "round", "string", "title", "trim", "truncate", "upper",
    # sorting, picking and replacing: bounded by their input (replace: by its input times the
    # replacement, counted by the budget); map only as map(attribute=…), checked at upload
    "map", "replace", "sort", "unique",
})
# filters given an absent value (None) give what they give an empty one, rather than the text
# "None" (upper, string, escape…) or a TypeError (join, length, sort…): a text stays None
# (printed as nothing), a count is 0, a list is empty; `first`/`last` of an empty list is None
NONE_GIVES = {**dict.fromkeys(("capitalize", "e", "escape", "first", "join", "last", "lower", "replace", "string",
                               "title", "trim", "truncate", "upper")),
              "count": 0, "length": 0, "map": (), "sort": (), "unique": ()}
MAX_LOOP_NESTING = 2
MAX_BLOCK_NESTING = 20
MAX_BRACKET_NESTING = 20
MAX_EXPRESSION_DEPTH = 40
ROUND_PRECISION_MAX = 10
# characters a render may compute (values, output, the template's own XML repeated by loops): a
# form of a few pages is under 1 million (the catalog: 0.3 at most); 8 million take about 1.5 s and 100 MB
RENDER_BUDGET = 8_000_000
COMPILED_PER_ENVIRONMENT = 48  # template parts (body, headers, footers) kept compiled
CHECKED = "\u2612"  # ☒
UNCHECKED = "\u2610"  # ☐


class DocumentSandbox(SandboxedEnvironment):
    """Sandbox that also refuses repetition of sequences, powers, %-formatting and calls."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._compiled: dict[str, object] = {}

    def call_binop(self, context, operator, left, right):
        numbers = (int, float, Decimal)  # bool is an int
        if operator == "**":
            raise SecurityError("the ** operator is not allowed in document templates")
        if operator == "*" and not (isinstance(left, numbers) and isinstance(right, numbers)):
            raise SecurityError("* multiplies numbers only in document templates")
        if operator == "%" and not isinstance(left, numbers):
            raise SecurityError("%-formatting is not allowed in document templates; use a filter")
        return super().call_binop(context, operator, left, right)

    def getitem(self, obj, argument):
        """An absent value stays absent: `rows[0].name` on no rows, `worker.address.city` on no
        address are None (printed as nothing) rather than an error on the blank form."""
        if obj is None:
            return None
        value = super().getitem(obj, argument)
        if isinstance(value, Undefined) and isinstance(obj, (list, tuple)) and isinstance(argument, int):
            return None
        return value

    def getattr(self, obj, attribute):
        return None if obj is None else super().getattr(obj, attribute)

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 (Jinja's signature)
        """Compiled once per source: docxtpl hands every render the same part XML, and compiling
        it costs about a third of a render. The cache lives as long as the environment."""
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.pop(source, None) or super().from_string(source)
        self._compiled[source] = compiled  # most recently used last
        while len(self._compiled) > COMPILED_PER_ENVIRONMENT:
            self._compiled.pop(next(iter(self._compiled)))
        return compiled

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        # docx templates need values and filters only; a call is how memory bombs and escapes start
        raise SecurityError(f"calling {getattr(__obj, '__name__', type(__obj).__name__)!r} is not allowed "
                            "in document templates; use a filter")


def make_environment(partner_language: str, french: str = "fr") -> DocumentSandbox:
    """The sandbox for one bilingual document: filters name the language they write in."""
    # an optional value the data does not give is None in the context (`is none`, `default`), printed as nothing
    env = DocumentSandbox(autoescape=True, undefined=StrictUndefined, finalize=_nothing_for_none)
    env.globals.clear()
    env.filters = {name: f for name, f in env.filters.items() if name in SAFE_BUILTIN_FILTERS}
    env.filters["default"] = env.filters["d"] = default_for_none
    env.filters["round"] = bounded_round
    env.filters["join"] = bounded_join
    for name, empty in NONE_GIVES.items():
        env.filters[name] = _none_gives(env.filters[name], empty)
    for suffix, lang in (("fr", french), ("partner", partner_language)):
        env.filters[f"date_{suffix}"] = _date_filter(lang)
        env.filters[f"number_{suffix}"] = _number_filter(lang)
        env.filters[f"country_{suffix}"] = _country_filter(lang)
    env.filters["box"] = lambda value: CHECKED if value else UNCHECKED
    env.filters["nir"] = format_nir
    return env


def default_for_none(value, default_value="", boolean=False):
    """Jinja's `default`, which also replaces None: an optional field the data leaves out is None."""
    return default_value if value is None else do_default(value, default_value, boolean)


def _nothing_for_none(value):
    return "" if value is None else value


def _none_gives(builtin, empty):
    @wraps(builtin)
    def filtered(*args, **kwargs):
        # Jinja passes eval_ctx/environment first to pass_* filters; the value is the first other one
        value = args[1] if getattr(builtin, "jinja_pass_arg", None) else args[0]
        if value is None:
            return empty
        result = builtin(*args, **kwargs)
        return None if isinstance(result, Undefined) else result  # first/last of an empty list: absent too
    return filtered


@lru_cache(maxsize=16)
def shared_environment(partner_language: str) -> DocumentSandbox:
    """One environment per partner language for the renders of a process (a render worker), so
    compiled templates are reused. Never mutated after it is made."""
    return make_environment(partner_language)


def bounded_round(value, precision=0, method="common"):
    if not isinstance(precision, int) or abs(precision) > ROUND_PRECISION_MAX:
        raise SecurityError(f"round: the precision must be a whole number from -{ROUND_PRECISION_MAX} "
                            f"to {ROUND_PRECISION_MAX}")
    return do_round(value, precision, method)


def bounded_join(eval_ctx, value, d="", attribute=None):
    joined = sync_do_join(eval_ctx, value, d, attribute)
    if len(joined) > RENDER_BUDGET:
        raise SecurityError(f"join: the result would exceed {RENDER_BUDGET:,} characters")
    return joined


bounded_join.jinja_pass_arg = sync_do_join.jinja_pass_arg  # Jinja passes the eval context, as to join


def as_decimal(value) -> Decimal | None:
    """A number as the data gives it: 1234.5, "1234,5" or "1 234,5"; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return None
    text = re.sub(r"[\s\u202f\u00a0]", "", str(value)).replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _date_filter(lang: str):
    def date_filter(value, fmt: str = "long") -> str:
        return i18n.format_date(_as_date(value), lang, fmt if fmt in ("short", "medium", "long", "full") else "long")
    date_filter.__name__ = f"date_{lang}"
    return date_filter


def _number_filter(lang: str):
    def number_filter(value) -> str:
        if value in (None, ""):
            return ""
        number = as_decimal(value)
        return str(value) if number is None else i18n.format_number(number, lang)
    return number_filter


def _country_filter(lang: str):
    def country_filter(code) -> str:
        if not code:
            return ""
        return i18n.country_name(str(code), lang)
    return country_filter


def format_nir(value) -> str:
    """'184127512345678' -> '1 84 12 75 123 456 78' (the way the card prints it)."""
    digits = re.sub(r"\s", "", str(value or ""))
    if len(digits) != 15:
        return str(value or "")
    return " ".join((digits[0], digits[1:3], digits[3:5], digits[5:7], digits[7:10], digits[10:13], digits[13:]))


__all__ = ["DocumentSandbox", "RENDER_BUDGET", "SecurityError", "as_decimal", "format_nir", "make_environment",
           "shared_environment"]
