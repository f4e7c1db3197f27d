"""Document generation from a published form version: blank or filled, DOCX or PDF, one at a
time or in batches, each file stamped with its provenance. Filled data is never stored."""
