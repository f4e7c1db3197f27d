"""File names in and out: uploaded names reduced to a safe last component, downloaded names sent
so that accents survive (RFC 6266 / 5987)."""

from pathlib import PurePath
from urllib.parse import quote


def safe_filename(name: str, fallback: str) -> str:
    """The last path component only (no traversal), no control or reserved characters, ≤ 200 chars."""
    base = PurePath((name or "").replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return cleaned[:200] or fallback


def content_disposition(filename: str) -> str:
    """An ASCII fallback and the UTF-8 name, so accented names survive every browser."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
