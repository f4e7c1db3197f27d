"""Login, logout and one's own account (HTML forms, CSRF-checked)."""

from dataclasses import dataclass

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from registry.accounts import MIN_PASSWORD_LENGTH, AccountError, change_password
from registry.auth.guards import people_only, requires
from registry.auth.login import DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE, log_in, log_out
from registry.auth.permissions import DESCRIPTIONS, Permission, permissions_of
from registry.auth.principal import current_principal
from registry.auth.sessions import SESSION_LIFETIME
from registry.labels import mark
from registry.models import User
from registry.web.actor import actor_for
from registry.web.auth.common import client_address, page_with_error, safe_next
from registry.web.security_headers import FORM_BODY_LIMIT
from registry.web.security_middleware import expired_session_cookie, secure_cookies, session_cookie


@dataclass
class LoginForm:
    username: str = ""
    password: str = ""
    next: str = "/"


@dataclass
class PasswordForm:
    current_password: str = ""
    new_password: str = ""
    confirm_password: str = ""


def device_cookie(value: str, settings) -> Cookie:
    # only the login form needs it, and only from this site
    return Cookie(key=DEVICE_COOKIE, value=value, path="/login", max_age=DEVICE_COOKIE_MAX_AGE, httponly=True,
                  secure=secure_cookies(settings), samesite="strict")


class AccountPages(Controller):
    include_in_schema = False

    @get("/login", guards=[requires(Permission.read_public)])
    async def login_page(self, request: Request, next: FromQuery[str | None] = None) -> Template:
        return Template("auth/login.html", context=dict(next=safe_next(next), username="", errors={}))

    @post("/login", sync_to_thread=True, guards=[requires(Permission.read_public)], opt={"csrf": "always"},
          request_max_body_size=FORM_BODY_LIMIT, status_code=303)
    def login(self, request: Request, state: State, db_session: NamedDependency[Session],
              data: URLEncodedBody[LoginForm]) -> Redirect | Template:
        settings = state.settings
        previous = current_principal(request)
        outcome = log_in(db_session, state.secret_key, data.username, data.password, client_address(request),
                         request.headers.get("user-agent", ""), request.cookies.get(DEVICE_COOKIE))
        if outcome.succeeded and previous.session_id:
            log_out(db_session, previous, client_address(request))  # no session fixation, no orphan
        db_session.commit()
        context = dict(next=safe_next(data.next), username=data.username[:150])
        if outcome.retry_after:
            return Template("auth/login.html", status_code=429, headers={"Retry-After": str(outcome.retry_after)},
                            context={**context, "retry_after": outcome.retry_after, "errors": {}})
        if not outcome.succeeded:
            return Template("auth/login.html", status_code=401, context={**context, "errors": {"login": True}})
        return Redirect(safe_next(data.next), status_code=303, cookies=[
            session_cookie(outcome.session_cookie, settings, int(SESSION_LIFETIME.total_seconds())),
            device_cookie(outcome.device_cookie, settings)])

    @post("/logout", sync_to_thread=True, guards=[requires(Permission.own_account)],
          request_max_body_size=FORM_BODY_LIMIT, status_code=303)
    def logout(self, request: Request, state: State, db_session: NamedDependency[Session]) -> Redirect:
        log_out(db_session, current_principal(request), client_address(request))
        db_session.commit()
        return Redirect("/", status_code=303, cookies=[expired_session_cookie(state.settings)])

    @get("/account", sync_to_thread=True, guards=[requires(Permission.own_account)])
    def account(self, request: Request, db_session: NamedDependency[Session],
                done: FromQuery[str | None] = None) -> Template:
        return Template("auth/account.html", context=self._context(request, db_session, done=done == "password"))

    @post("/account/password", sync_to_thread=True, guards=[requires(Permission.own_account), people_only],
          request_max_body_size=FORM_BODY_LIMIT, status_code=303)
    def change_password(self, request: Request, db_session: NamedDependency[Session],
                        data: URLEncodedBody[PasswordForm]) -> Redirect | Template:
        principal = current_principal(request)
        user = db_session.get(User, principal.user_id)
        try:
            if data.new_password != data.confirm_password:
                raise AccountError("confirm_password", mark("the two new passwords differ"))
            change_password(db_session, actor_for(request), user, data.current_password, data.new_password,
                            keep_session_id=principal.session_id)
        except AccountError as exc:
            db_session.rollback()
            return page_with_error(request, "auth/account.html", self._context(request, db_session), exc)
        db_session.commit()
        return Redirect("/account?done=password", status_code=303)

    @staticmethod
    def _context(request: Request, db_session: Session, done: bool = False) -> dict:
        principal = current_principal(request)
        user = db_session.get(User, principal.user_id) if principal.user_id else None
        granted = [(p.value, DESCRIPTIONS[p]) for p in sorted(permissions_of(principal.role))]
        return dict(principal=principal, user=user, permissions=granted, min_length=MIN_PASSWORD_LENGTH,
                    errors={}, done=done)
