"""Behind a reverse proxy every connection comes from the proxy: the audit and the login
throttle would see one address for everybody. REGISTRY_TRUSTED_PROXIES names the proxies whose
X-Forwarded-For (and X-Forwarded-Proto) are believed; uvicorn's ProxyHeadersMiddleware then puts
the client's address in the ASGI scope (the last address in the header that is not a trusted
proxy), before authentication runs. Nothing is believed from anyone else."""

import ipaddress

from litestar.middleware import DefineMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from registry.settings import ENV_PREFIX, SettingsError


def trusted_proxies(setting: str) -> list[str]:
    """The setting's entries; refuses '*' (anyone could then write their own address into the
    audit) and malformed networks, which uvicorn would silently take for host names."""
    entries = [entry.strip() for entry in setting.split(",") if entry.strip()]
    for entry in entries:
        if entry == "*":
            raise SettingsError(f"{ENV_PREFIX}TRUSTED_PROXIES: '*' would believe any client; name the proxies")
        if "/" in entry:
            try:
                ipaddress.ip_network(entry)
            except ValueError:
                raise SettingsError(f"{ENV_PREFIX}TRUSTED_PROXIES: {entry!r} is not a network "
                                    "(expected e.g. 10.1.0.0/16)") from None
    return entries


def proxy_middleware(setting: str) -> list:
    proxies = trusted_proxies(setting)
    return [DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=proxies)] if proxies else []
