"""Rendering a DOCX template: docxtpl in the sandboxed Jinja environment, autoescaped, strict
about undefined names; values written right to left get right-to-left runs (registry/documents/ooxml.py);
then stamped with its provenance. Runs inside a render worker
(registry/documents/workers.py) so a hostile template cannot stall or exhaust the server."""

import io

from docxtpl import DocxTemplate

from registry import i18n
from registry.documents.ooxml import FRENCH, default_language, mark_right_to_left
from registry.documents.provenance import Provenance, stamp_docx
from registry.documents.sandbox import shared_environment


def render_docx(template: bytes, context: dict, partner_language: str, provenance: Provenance | None = None,
                title: str = "") -> bytes:
    document = DocxTemplate(io.BytesIO(template))
    # autoescape: without it "Dupont & Fils" silently loses its ampersand (LIBRARIES.md §3)
    document.render(context, jinja_env=shared_environment(partner_language), autoescape=True)
    # an Arabic value in a cell the template set left to right; Arabic when the partner writes none
    mark_right_to_left(document.docx.element.body, partner_language if i18n.is_rtl(partner_language) else "ar")
    default_language(document.docx, FRENCH)  # every document is French first; runs in the other language say so
    if provenance is not None:
        _follow_rendered_parts(document.docx.part)
        stamp_docx(document.docx, provenance, title)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _follow_rendered_parts(part) -> None:
    """docxtpl puts each rendered header and footer in a new part by rewriting the relationship's
    target, but python-docx resolves `section.footer` through a cache of rId -> part filled at
    load: without this, the provenance line would be written into the discarded template part."""
    targets = part.rels.related_parts
    for rid, relationship in part.rels.items():
        if not relationship.is_external:
            targets[rid] = relationship.target_part
