"""What a non-editable install ships: every package, and every data file the code reads."""

import fnmatch
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
DATA_SUFFIXES = {".html", ".css", ".csv", ".po", ".pot", ".cfg", ".toml", ".json", ".docx", ".pdf", ".mako", ".txt"}


def test_every_package_with_code_is_shipped():
    shipped = set(find_packages(where=str(ROOT), include=CONFIG["packages"]["find"]["include"]))
    on_disk = {str(p.parent.relative_to(ROOT)).replace("/", ".") for p in ROOT.glob("*/**/__init__.py")
               if p.parts[len(ROOT.parts)] in {"registry", "agreements", "forms", "search", "locales"}}
    assert on_disk <= shipped, f"not shipped: {sorted(on_disk - shipped)}"


def test_every_data_file_matches_a_package_data_pattern():
    patterns = CONFIG["package-data"]
    unmatched = []
    for package, globs in patterns.items():
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and path.suffix in DATA_SUFFIXES and "__pycache__" not in path.parts:
                relative = str(path.relative_to(ROOT / package))
                if not any(fnmatch.fnmatch(relative, g) or fnmatch.fnmatch(relative, g.replace("**/", "")) for g in globs):
                    unmatched.append(f"{package}/{relative}")
    assert not unmatched, f"data files a non-editable install would miss: {unmatched}"
