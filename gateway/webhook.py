"""A signed webhook: POST a JSON body to an organisation's endpoint, signed with its secret, as
inbox deliveries (adapters/delivery.py) and on-call alerts (oncall/webhook.py) are.

X-Ketenpoort-Signature is HMAC-SHA256 over `<timestamp>.<body>` (X-Ketenpoort-Timestamp), and
X-Ketenpoort-Delivery names the item, the same on every attempt, so the receiver can tell a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx

SIGNATURE_HEADER = "X-Ketenpoort-Signature"
TIMESTAMP_HEADER = "X-Ketenpoort-Timestamp"
DELIVERY_HEADER = "X-Ketenpoort-Delivery"


class WebhookFailed(Exception):
    """The endpoint did not take the body. `final`: trying again will not help."""

    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.final = final


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class SignedWebhook:
    """One organisation's endpoint and secret."""

    RETRYABLE = frozenset({408, 425, 429})  # any other 4xx is final

    def __init__(self, url: str, secret: bytes, client: httpx.AsyncClient | None = None) -> None:
        self.url, self.secret = url, secret
        self.client = client or httpx.AsyncClient(timeout=10.0)

    async def post(self, name: str, body: bytes) -> None:
        """POST `body` as the item called `name`; raises WebhookFailed unless it was taken."""
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: name,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self.secret, timestamp, body),
        }
        try:
            response = await self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise WebhookFailed(f"{type(error).__name__} posting to the webhook") from None
        if response.is_success:
            return
        final = 400 <= response.status_code < 500 and response.status_code not in self.RETRYABLE
        raise WebhookFailed(f"the webhook answered {response.status_code}", final=final)

    async def close(self) -> None:
        await self.client.aclose()
