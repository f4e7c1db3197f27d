"""Rendering a DOCX template: docxtpl in the sandboxed Jinja environment, autoescaped, strict
about undefined names, then stamped with its provenance. Runs inside a render worker
(registry/documents/workers.py) so a hostile template cannot stall or exhaust the server."""

import io

from docxtpl import DocxTemplate

from registry.documents.provenance import Provenance, stamp_docx
from registry.documents.sandbox import shared_environment


def render_docx(template: bytes, context: dict, partner_language: str, provenance: Provenance | None = None,
                title: str = "") -> bytes:
    document = DocxTemplate(io.BytesIO(template))
    # autoescape: without it "Dupont & Fils" silently loses its ampersand (LIBRARIES.md §3)
    document.render(context, jinja_env=shared_environment(partner_language), autoescape=True)
    if provenance is not None:
        stamp_docx(document.docx, provenance, title)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
