"""The webhook channel: the alert, with the content the organisation may see, POSTed to the
organisation's own system and signed as inbox deliveries are (gateway/webhook.py: HMAC-SHA256
over `<timestamp>.<body>` in X-Ketenpoort-Signature). X-Ketenpoort-Delivery names the alert and
the tier, the same on every attempt, so the receiver can tell a repeat. What people read in it is in
the organisation's language (`language`, Dutch unless the configuration says English): `title` (the
priority, the organisation and the signal type, in words), `signal_label` and `reason`; the codes
beside them stay as they are, for the receiving system.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict

import orjson

from gateway.webhook import SignedWebhook, WebhookFailed
from oncall import i18n
from oncall.channels import ChannelFailed, Notice

ATTEMPTS = 3
PAUSE_S = 0.5


def payload(notice: Notice) -> bytes:
    lang = notice.language
    signal, org = i18n.signal_name(notice.signal_type, lang), i18n.partner_name(notice.org)
    title = i18n.say(lang, "mail.heading", priority=notice.priority.upper(), org=org, signal=signal)
    return orjson.dumps({"type": "oncall_alert", **asdict(notice), "title": title, "signal_label": signal})


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
