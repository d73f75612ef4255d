"""The webhook channel: the alert, with the content the organisation may see, POSTed to the
organisation's own system and signed as inbox deliveries are (adapters/delivery.py: HMAC-SHA256
over `<timestamp>.<body>` in X-Ketenpoort-Signature). X-Ketenpoort-Delivery names the alert and
the tier, the same on every attempt, so the receiver can tell a repeat.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict

import orjson

from adapters.delivery import DeliveryFailed, InboxItem, Webhook
from gateway.alerts.channels import ChannelFailed, Notice

ATTEMPTS = 3
PAUSE_S = 0.5


def payload(notice: Notice) -> bytes:
    return orjson.dumps({"type": "oncall_alert", **asdict(notice)})


class WebhookChannel:
    name = "webhook"

    def __init__(self, webhook: Webhook, *, attempts: int = ATTEMPTS, pause_s: float = PAUSE_S) -> None:
        self.webhook, self.attempts, self.pause_s = webhook, attempts, pause_s

    async def notify(self, notice: Notice) -> None:
        item = InboxItem(f"alert-{notice.alert_id}-{notice.tier}", payload(notice))
        for attempt in range(1, self.attempts + 1):
            try:
                await self.webhook.deliver(item)
                return
            except DeliveryFailed as failure:
                if failure.final or attempt == self.attempts:
                    raise ChannelFailed(str(failure)) from None
            await asyncio.sleep(self.pause_s * attempt)

    async def close(self) -> None:
        await self.webhook.close()
