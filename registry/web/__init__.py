"""HTTP layer: the composition root (create_app), base templates, static files."""
