"""Pages and API of accounts: login, logout, password, users, tokens, audit."""


def auth_route_handlers() -> list:
    from registry.web.auth.admin import TokenAdmin, UserAdmin
    from registry.web.auth.audit_log import AuditApi, AuditPage
    from registry.web.auth.pages import AccountPages

    return [AccountPages, UserAdmin, TokenAdmin, AuditPage, AuditApi]
