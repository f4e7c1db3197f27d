"""The upload check of a template as the web layer runs it: in the render workers, with the
limits of production renders.

First `check_upload` (format, sandbox rules, render budget, fields) as one worker task; then, for
a DOCX, two trial renders, each a task of its own held to the time limit of one render and the
memory ceiling of a worker: with empty fields (the blank form every visitor downloads) and with
the longest value every field allows (forms/field_bounds.py: what a caisse may send). A template
that passes is one the workers have already rendered at its worst."""

from collections.abc import Callable

from forms.field_bounds import longest_values
from forms.fields import FieldSpec
from forms.models import TemplateKind
from forms.rendering import render_docx
from forms.template_check import CheckedTemplate, TemplateRefused, check_upload
from registry.documents.workers import RenderFailed, RenderPool, RenderTimeout
from registry.labels import Message, mark

TRIAL_KEY = "template-check"  # checks share one render slot: uploads never crowd out the forms' renders
EMPTY_VALUES = mark("empty fields (the blank form)")
LONGEST_VALUES = mark("the longest values its fields allow")
TRIAL_TIMEOUT = mark("rendered with %(values)s, the template took longer than %(seconds)s s, the limit of one render; "
                     "simplify it, or lower the max_length or max_rows of its fields")
TRIAL_FAILED = mark("rendered with %(values)s, the template stopped the render worker (%(reason)s); simplify it, "
                    "or lower the max_length or max_rows of its fields")
TRIAL_ERROR = mark("rendered with %(values)s, the template fails: %(reason)s")
CHECK_STOPPED = mark("the check of the template stopped the render worker (%(reason)s)")


def trial_render(template: bytes, fields: list[FieldSpec], data: dict, partner_language: str, values: str) -> int:
    """In a render worker: the template rendered with `data`; its size, or TemplateRefused."""
    try:
        return len(render_docx(template, fields, data, partner_language))
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 (any failure of a render is a refusal of the template)
        raise TemplateRefused(TRIAL_ERROR, {"values": Message(values), "reason": f"{type(exc).__name__}: {exc}"[:300]}) \
            from None


def checked_in_workers(pool: RenderPool) -> Callable:
    """The `checker` of forms.services.upload_template for templates uploaded by people."""

    def check(filename: str, data: bytes, fields: list[FieldSpec], partner_language: str,
              max_bytes: int) -> CheckedTemplate:
        try:
            checked = pool.run(check_upload, filename, data, fields, partner_language, max_bytes, key=TRIAL_KEY)
        except RenderFailed as exc:
            raise TemplateRefused(CHECK_STOPPED, {"reason": Message(exc.message, exc.params)}) from None
        if checked.kind == TemplateKind.docx:
            for values, sample in ((EMPTY_VALUES, {}), (LONGEST_VALUES, longest_values(fields))):
                _trial(pool, data, fields, sample, partner_language, values)
        return checked

    return check


def checked_in_process(filename: str, data: bytes, fields: list[FieldSpec], partner_language: str,
                       max_bytes: int) -> CheckedTemplate:
    """The same checks in this process, without the workers' limits: for `registry forms check
    FILE.docx`, which an author runs on their own machine on their own file."""
    checked = check_upload(filename, data, fields, partner_language, max_bytes)
    if checked.kind == TemplateKind.docx:
        for values, sample in ((EMPTY_VALUES, {}), (LONGEST_VALUES, longest_values(fields))):
            trial_render(data, fields, sample, partner_language, values)
    return checked


def _trial(pool: RenderPool, data: bytes, fields: list[FieldSpec], sample: dict, partner_language: str,
           values: str) -> None:
    try:
        pool.run(trial_render, data, fields, sample, partner_language, values, key=TRIAL_KEY)
    except RenderTimeout:
        raise TemplateRefused(TRIAL_TIMEOUT, {"values": Message(values), "seconds": f"{pool.timeout:g}"}) from None
    except RenderFailed as exc:
        raise TemplateRefused(TRIAL_FAILED, {"values": Message(values), "reason": Message(exc.message, exc.params)}) \
            from None
