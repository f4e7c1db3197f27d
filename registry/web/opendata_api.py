"""GET /api/export/registry.zip: the open-data dump (registry/opendata.py), the same public view
for every reader, read in one snapshot."""

from litestar import Controller, Request, Response, get

from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.models import utcnow
from registry.opendata import export_registry


class OpenDataController(Controller):
    tags = ["import and export"]

    @get("/api/export/registry.zip", sync_to_thread=True, guards=[requires(Permission.read_public)],
         summary="The open-data dump: every public table as CSV and JSON, datapackage.json, Licence Ouverte 2.0")
    def registry_zip(self, request: Request) -> Response[bytes]:
        extracted_at = utcnow().replace(microsecond=0)
        body = export_registry(request.app.state.engine, request.app.state.dump_tables,
                               str(request.base_url).rstrip("/"), extracted_at)
        name = f"registre-{extracted_at.strftime('%Y%m%dT%H%M%SZ')}.zip"
        return Response(body, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-cache"})
