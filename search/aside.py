"""An index directory that a rebuild replaces in one step while readers keep reading.

`var/index` is a symbolic link to a generation folder beside it (`var/index.20240601T101500-3fa2`).
A rebuild fills a new folder (`var/.index.building-…`), then points the link at it with one
rename(2), which is atomic: a reader opening `var/index` sees the old index or the new one,
never a half-built or missing one. The previous generation is kept until the next rebuild,
for readers (in this or another process) that opened it just before the swap; older ones and
builds left by a crash are removed.

An index folder made before links were used (a real `var/index`) is moved aside once, at its
first rebuild: for that one swap there is an instant where `var/index` does not exist.

whoosh opens files by path, so it follows the link by itself; an engine that keeps its folder
open (tantivy) compares `generation()` to reopen after a swap."""

import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

BUILDING = ".building-"


class SwappableDirectory:
    def __init__(self, link: Path) -> None:
        self.link = Path(link)

    def generation(self) -> str:
        """Name of the folder the link points to now ("" before any, or for a legacy real folder)."""
        try:
            return os.readlink(self.link)
        except OSError:
            return ""

    def create_first(self) -> Path:
        """A first, empty generation, linked (when no index exists yet)."""
        built = self.start_build()
        self.swap(built)
        return self.link

    def start_build(self) -> Path:
        self.link.parent.mkdir(parents=True, exist_ok=True)
        built = self.link.parent / f".{self.link.name}{BUILDING}{uuid.uuid4().hex[:8]}"
        built.mkdir()
        return built

    def swap(self, built: Path) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        generation = self.link.parent / f"{self.link.name}.{stamp}-{uuid.uuid4().hex[:6]}"
        built.rename(generation)
        previous = self.generation()
        staged = self.link.parent / f".{self.link.name}.link-{uuid.uuid4().hex[:8]}"
        os.symlink(generation.name, staged)  # relative: the data folder may move
        if self.link.is_dir() and not self.link.is_symlink():  # legacy real folder: moved aside once
            previous = f"{self.link.name}.legacy-{stamp}"
            self.link.rename(self.link.parent / previous)
        os.replace(staged, self.link)
        self._prune(keep={generation.name, previous})

    def _prune(self, keep: set[str]) -> None:
        prefix = f"{self.link.name}."
        for path in self.link.parent.iterdir():
            name = path.name
            ours = name.startswith(prefix) or name.startswith(f".{self.link.name}{BUILDING}")
            if ours and name not in keep and path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)

    def abandon(self, built: Path) -> None:
        shutil.rmtree(built, ignore_errors=True)
