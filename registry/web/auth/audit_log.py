"""The audit, read-only: an admin page and GET /api/audit with the same filters. There is no
route that writes, edits or deletes an audit entry (tests/test_security_audit.py checks it)."""

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import Parameter
from litestar.response import Template
from pydantic import BaseModel
from sqlmodel import Session

from registry.auth.audit_query import MAX_LIMIT, AuditFilters, audit_entries
from registry.auth.guards import requires
from registry.auth.permissions import DESCRIPTIONS, Permission, permissions_of
from registry.auth.principal import current_principal
from registry.web.params import parse_date

READ_AUDIT = [requires(Permission.read_audit)]
MAX_ID = 2**53  # larger ids are refused with 400 rather than overflowing a database integer

Text = Annotated[str | None, Parameter(max_length=200)]
Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description="entries per page, newest first")]
BeforeId = Annotated[int | None, Parameter(ge=1, le=MAX_ID, description="only entries older than this id (next page)")]


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    remote_addr: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_before_id: int | None = None


class PrincipalOut(BaseModel):
    name: str
    role: str | None
    authenticated: bool
    by: str | None  # "session", "token" or None
    countries: list[str]
    permissions: list[str]


def filters_from(actor, action, entity, entity_id, remote_addr, since, until, before_id, limit) -> AuditFilters:
    return AuditFilters(actor=actor, action=action, entity=entity, entity_id=entity_id, remote_addr=remote_addr,
                        since=parse_date("since", since), until=parse_date("until", until), before_id=before_id,
                        limit=limit)


def page_of(db: Session, filters: AuditFilters) -> AuditPageOut:
    entries = audit_entries(db, filters)
    next_id = entries[-1].id if len(entries) == filters.limit else None
    return AuditPageOut(entries=[AuditEntryOut.model_validate(e, from_attributes=True) for e in entries],
                        next_before_id=next_id)


class AuditApi(Controller):
    path = "/api"
    tags = ["audit"]

    @get("/audit", sync_to_thread=True, guards=READ_AUDIT, summary="The audit, newest first, with filters")
    def audit(self, db_session: NamedDependency[Session], actor: Text = None, action: Text = None,
              entity: Text = None, entity_id: Text = None, remote_addr: Text = None, since: Text = None,
              until: Text = None, before_id: BeforeId = None, limit: Limit = 100) -> AuditPageOut:
        return page_of(db_session, filters_from(actor, action, entity, entity_id, remote_addr, since, until,
                                                before_id, limit))

    @get("/me", guards=[requires(Permission.read_public)], tags=["accounts"],
         summary="Who the request is authenticated as, and what it may do")
    async def me(self, request: Request) -> PrincipalOut:
        principal = current_principal(request)
        return PrincipalOut(name=principal.name, role=principal.role.value if principal.role else None,
                            authenticated=principal.is_authenticated, by=request.scope.get("auth"),
                            countries=list(principal.countries),
                            permissions=sorted(p.value for p in permissions_of(principal.role)))


class AuditPage(Controller):
    path = "/admin/audit"
    include_in_schema = False

    @get("/", sync_to_thread=True, guards=READ_AUDIT)
    def audit_page(self, request: Request, db_session: NamedDependency[Session], actor: Text = None,
                   action: Text = None, entity: Text = None, entity_id: Text = None, remote_addr: Text = None,
                   since: Text = None, until: Text = None, before_id: BeforeId = None, limit: Limit = 100) -> Template:
        filters = filters_from(actor, action, entity, entity_id, remote_addr, since, until, before_id, limit)
        page = page_of(db_session, filters)
        shown = {k: v for k, v in dict(actor=actor, action=action, entity=entity, entity_id=entity_id,
                                       remote_addr=remote_addr, since=since, until=until).items() if v}
        return Template("auth/audit.html", context=dict(page=page, filters=shown, limit=limit,
                                                        descriptions=DESCRIPTIONS))
