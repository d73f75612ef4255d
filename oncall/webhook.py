"""The webhook channel: the alert, with the content the organisation may see, POSTed to the
organisation's own system and signed as inbox deliveries are (gateway/webhook.py: HMAC-SHA256
over `<timestamp>.<body>` in X-Ketenpoort-Signature). X-Ketenpoort-Delivery names the alert and
the tier, the same on every attempt, so the receiver can tell a repeat.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict

import orjson

from gateway.webhook import SignedWebhook, WebhookFailed
from oncall.channels import ChannelFailed, Notice

ATTEMPTS = 3
PAUSE_S = 0.5


def payload(notice: Notice) -> bytes:
    return orjson.dumps({"type": "oncall_alert", **asdict(notice)})


class WebhookChannel:
    name = "webhook"

    def __init__(self, webhook: SignedWebhook, *, attempts: int = ATTEMPTS, pause_s: float = PAUSE_S) -> None:
        self.webhook, self.attempts, self.pause_s = webhook, attempts, pause_s

    async def notify(self, notice: Notice) -> None:
        name, body = f"alert-{notice.alert_id}-{notice.tier}", payload(notice)
        for attempt in range(1, self.attempts + 1):
            try:
                await self.webhook.post(name, body)
                return
            except WebhookFailed as failure:
                if failure.final or attempt == self.attempts:
                    raise ChannelFailed(str(failure)) from None
            await asyncio.sleep(self.pause_s * attempt)

    async def close(self) -> None:
        await self.webhook.close()
