"""Helpers for requests and responses used by the views of every app."""

from __future__ import annotations

import ipaddress
from types import SimpleNamespace

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from ipware import get_client_ip


def _is_trusted_proxy(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The real client's address: the peer's (``REMOTE_ADDR``), unless the peer is one of the
    reverse proxies named in ``IIZ_TRUSTED_PROXIES``; then the right-most address of
    ``X-Forwarded-For`` that is not itself a trusted proxy (the one the proxy saw).

    ``X-Forwarded-For`` from any other peer is ignored: anybody can send the header, only the
    configured proxies are believed. Used by the lock-out (django-axes, through
    ``AXES_CLIENT_IP_CALLABLE``) and by the access log, so both name the same address.
    """
    peer = (request.META.get("REMOTE_ADDR") or "").strip() or None
    proxies = list(getattr(settings, "IIZ_TRUSTED_PROXIES", []) or [])
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not peer or not proxies or not forwarded.strip() or not _is_trusted_proxy(peer, proxies):
        return peer
    chain = [*(part.strip() for part in forwarded.split(",")), peer]
    # The trusted hops at the end of the chain, in order; the client is the address before them.
    trusted_tail = []
    for hop in reversed(chain):
        if len(trusted_tail) == len(chain) - 1 or not _is_trusted_proxy(hop, proxies):
            break
        trusted_tail.insert(0, hop)
    try:
        ipaddress.ip_address(chain[-(len(trusted_tail) + 1)])
    except ValueError:
        return peer  # the proxy wrote no address for its client: keep the proxy's
    address, _routable = get_client_ip(
        SimpleNamespace(META={"HTTP_X_FORWARDED_FOR": ", ".join(chain)}),
        proxy_trusted_ips=trusted_tail,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,  # the addresses before the client's are the client's to write: not checked
    )
    # A malformed header (no address where the client should be) leaves the proxy's address.
    return address or peer


def safe_next_url(request: HttpRequest, fallback: str | None) -> str | None:
    """The ``next`` parameter (POST, then GET) when it is a path of this site, else ``fallback``.

    Only an absolute local path is taken ("/cases/…"): no other host or scheme, and no relative
    name either ("x"), which a redirect would try to resolve as a URL name.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
        and not target.startswith(("//", "/\\"))
    ):
        return target
    return fallback
