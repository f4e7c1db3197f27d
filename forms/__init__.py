"""Liaison forms: Form, FormVersion, field schemas, templates, generation, the shipped catalog.
(Its models and pages arrive with the liaison-forms issue; the package exists so that the
import direction and packaging are in place from the start.)"""
