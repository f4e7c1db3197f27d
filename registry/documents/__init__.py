"""Documents: the sandboxed Jinja environment every template is parsed and rendered with
(sandbox.py), rendering (render.py) in workers with time and memory limits (workers.py),
provenance stamps, PDF conversion through LibreOffice (converter.py) and PDF form filling."""
