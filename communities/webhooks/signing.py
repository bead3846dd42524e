"""Standard Webhooks signatures (https://www.standardwebhooks.com/): the receiver checks
`webhook-signature` against HMAC-SHA256 of "<id>.<timestamp>.<body>" with the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# The prefix Standard Webhooks puts before every secret; not a secret itself.
SECRET_PREFIX = "whsec_"  # nosec B105
SECRET_BYTES = 32


def secret_generate() -> str:
    """A new endpoint secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    """The key the HMAC uses: the base64-decoded part after `whsec_`."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header's value: `v1,` and the base64 HMAC-SHA256."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(*, secret: str, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header a delivery carries."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "Practica-Webhooks/1",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body
        ),
    }
