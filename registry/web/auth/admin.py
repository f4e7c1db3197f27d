"""Administration of accounts and API tokens (HTML, admin only). Thin: parse, call a service in
registry.accounts / registry.auth.tokens (which audit), commit, redirect."""

from dataclasses import dataclass

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from registry import accounts
from registry.accounts import AccountError
from registry.auth import tokens
from registry.auth.guards import requires
from registry.auth.permissions import Permission
from registry.enums import Role
from registry.labels import mark
from registry.models import User
from registry.web.actor import actor_for
from registry.web.auth.common import page_with_error, split_codes
from registry.web.security_headers import FORM_BODY_LIMIT

MANAGE = [requires(Permission.manage_users)]
NOTICES = {
    "created": mark("Account created."),
    "role": mark("Role changed."),
    "disabled": mark("Account disabled: its sessions ended and its tokens stopped working."),
    "enabled": mark("Account enabled."),
    "revoked": mark("Token revoked."),
}
ROLES = [role.value for role in Role]


@dataclass
class NewUserForm:
    username: str = ""
    display_name: str = ""
    role: str = ""
    countries: str = ""
    password: str = ""


@dataclass
class RoleForm:
    role: str = ""
    countries: str = ""


@dataclass
class NewTokenForm:
    name: str = ""
    username: str = ""
    role: str = ""
    countries: str = ""
    expires_in_days: str = ""


def user_or_404(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFoundException(detail=f"no account {user_id}")
    return user


class UserAdmin(Controller):
    path = "/admin/users"
    include_in_schema = False

    @get("/", sync_to_thread=True, guards=MANAGE)
    def list_page(self, db_session: NamedDependency[Session], notice: FromQuery[str | None] = None) -> Template:
        return Template("auth/users.html", context=self._context(db_session, notice))

    @post("/", sync_to_thread=True, guards=MANAGE, request_max_body_size=FORM_BODY_LIMIT, status_code=303)
    def create(self, request: Request, db_session: NamedDependency[Session],
               data: URLEncodedBody[NewUserForm]) -> Redirect | Template:
        try:
            accounts.create_user(db_session, data.username, data.password, data.role, data.display_name,
                                 actor=actor_for(request), countries=split_codes(data.countries))
        except AccountError as exc:
            db_session.rollback()
            form = {**data.__dict__, "password": ""}
            return page_with_error(request, "auth/users.html", {**self._context(db_session), "form": form}, exc)
        db_session.commit()
        return Redirect("/admin/users?notice=created", status_code=303)

    @post("/{user_id:int}/role", sync_to_thread=True, guards=MANAGE, request_max_body_size=FORM_BODY_LIMIT,
          status_code=303)
    def set_role(self, request: Request, db_session: NamedDependency[Session], user_id: FromPath[int],
                 data: URLEncodedBody[RoleForm]) -> Redirect | Template:
        user = user_or_404(db_session, user_id)
        return self._apply(request, db_session, "role", lambda: accounts.set_role(
            db_session, actor_for(request), user, data.role, split_codes(data.countries)))

    @post("/{user_id:int}/disable", sync_to_thread=True, guards=MANAGE, request_max_body_size=FORM_BODY_LIMIT,
          status_code=303)
    def disable(self, request: Request, db_session: NamedDependency[Session],
                user_id: FromPath[int]) -> Redirect | Template:
        user = user_or_404(db_session, user_id)
        return self._apply(request, db_session, "disabled",
                           lambda: accounts.disable_user(db_session, actor_for(request), user))

    @post("/{user_id:int}/enable", sync_to_thread=True, guards=MANAGE, request_max_body_size=FORM_BODY_LIMIT,
          status_code=303)
    def enable(self, request: Request, db_session: NamedDependency[Session],
               user_id: FromPath[int]) -> Redirect | Template:
        user = user_or_404(db_session, user_id)
        return self._apply(request, db_session, "enabled",
                           lambda: accounts.enable_user(db_session, actor_for(request), user))

    def _apply(self, request: Request, db_session: Session, notice: str, change) -> Redirect | Template:
        try:
            change()
        except AccountError as exc:
            db_session.rollback()
            return page_with_error(request, "auth/users.html", self._context(db_session), exc)
        db_session.commit()
        return Redirect(f"/admin/users?notice={notice}", status_code=303)

    @staticmethod
    def _context(db_session: Session, notice: str | None = None) -> dict:
        return dict(users=accounts.list_users(db_session), roles=ROLES, notice=NOTICES.get(notice or ""),
                    errors={}, form={})


class TokenAdmin(Controller):
    path = "/admin/tokens"
    include_in_schema = False

    @get("/", sync_to_thread=True, guards=MANAGE)
    def list_page(self, db_session: NamedDependency[Session], notice: FromQuery[str | None] = None) -> Template:
        return Template("auth/tokens.html", context=self._context(db_session, notice))

    @post("/", sync_to_thread=True, guards=MANAGE, request_max_body_size=FORM_BODY_LIMIT, status_code=201)
    def create(self, request: Request, db_session: NamedDependency[Session],
               data: URLEncodedBody[NewTokenForm]) -> Template:
        try:
            owner = accounts.find_user(db_session, data.username)
            if owner is None:
                raise AccountError("username", mark("no account named %(username)s"), username=data.username[:150])
            days = data.expires_in_days.strip()
            if days and not days.isdigit():
                raise AccountError("expires_in_days", mark("a whole number of days, or empty for no expiry"))
            secret, token = tokens.create_token(db_session, actor_for(request), owner, data.name, data.role,
                                                split_codes(data.countries), int(days) if days else None)
        except AccountError as exc:
            db_session.rollback()
            return page_with_error(request, "auth/tokens.html", {**self._context(db_session), "form": data.__dict__}, exc)
        db_session.commit()
        # shown once: the page must not be kept by the browser or a proxy
        return Template("auth/token_created.html", context=dict(token=token, owner=owner, secret=secret),
                        headers={"Cache-Control": "no-store"}, status_code=201)

    @post("/{token_id:int}/revoke", sync_to_thread=True, guards=MANAGE, request_max_body_size=FORM_BODY_LIMIT,
          status_code=303)
    def revoke(self, request: Request, db_session: NamedDependency[Session], token_id: FromPath[int]) -> Redirect:
        try:
            token = tokens.get_token(db_session, token_id)
        except AccountError:
            raise NotFoundException(detail=f"no token {token_id}") from None
        tokens.revoke_token(db_session, actor_for(request), token)
        db_session.commit()
        return Redirect("/admin/tokens?notice=revoked", status_code=303)

    @staticmethod
    def _context(db_session: Session, notice: str | None = None) -> dict:
        return dict(tokens=tokens.list_tokens(db_session), users=accounts.list_users(db_session), roles=ROLES,
                    notice=NOTICES.get(notice or ""), errors={}, form={})
