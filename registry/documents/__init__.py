"""Documents: the sandboxed Jinja environment for templates (sandbox.py). Rendering with time
and memory limits, PDF conversion and filling arrive with document generation."""
