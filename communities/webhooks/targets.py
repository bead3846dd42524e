"""Where a webhook may be sent: https:// addresses on the public internet.

Checked when an endpoint is registered and again before every attempt, since what a
name resolves to may change; the attempt then connects to the address that was checked,
so a second lookup cannot lead it elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query
    address: str  # the checked IP address to connect to


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def target_check(url: str) -> Target:
    """The target of `url`, or a ValidationError saying why we do not send there."""
    parts = urlsplit(url.strip())
    allowed = ("https", "http") if settings.WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        raise ValidationError(_("Use an https:// address."), code="scheme")
    if parts.username or parts.password:
        raise ValidationError(_("The address must not contain a user name or password."))
    host = parts.hostname
    if not host:
        raise ValidationError(_("The address needs a host name."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise ValidationError(_("The address has an invalid port.")) from error
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError(
            _("The host %(host)s could not be found.") % {"host": host}, code="dns"
        ) from error
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise ValidationError(_("The host %(host)s could not be found.") % {"host": host})
    if not settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS and not all(map(_is_public, addresses)):
        raise ValidationError(
            _("The address leads to a private network; webhooks go to public addresses only."),
            code="private",
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses[0])
