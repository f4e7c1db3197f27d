"""Pages every site has: the favicon browsers ask for, and what the data is (sources, licence)."""

from pathlib import Path

from litestar import Controller, get
from litestar.response import File, Template

from registry.auth.guards import requires
from registry.auth.permissions import Permission

STATIC = Path(__file__).parent / "static"
READ = [requires(Permission.read_public)]


class SitePages(Controller):
    include_in_schema = False

    @get("/favicon.ico", guards=READ)
    async def favicon(self) -> File:
        # browsers ask for it on every site whatever the page links; answering spares a 404 per visit
        return File(STATIC / "favicon.ico", media_type="image/x-icon", content_disposition_type="inline",
                    headers={"Cache-Control": "public, max-age=86400"})

    @get("/about", guards=READ)
    async def about(self) -> Template:
        return Template("registry/about.html")
